//! End to end, the mouse for real: the real client in tmux against the real
//! server, given mouse reports as a terminal sends them once the client has
//! asked for them (SGR: `ESC [ < button ; column ; row M`, `m` on release,
//! counted from 1; the wheel is button 64 up, 65 down), written to its
//! pane. Where to click is read off the screen. With the mouse turned off
//! in the config, the client does not ask the terminal for reports, and
//! reports that come anyway change nothing.

use crate::support::*;

/// A mouse report's button.
#[derive(Clone, Copy)]
enum Button {
    Left,
    WheelUp,
    WheelDown,
}

/// The SGR report of `button` pressed at a cell (column, row from 0),
/// and for the left button released there too.
fn report(button: Button, (column, row): (usize, usize)) -> String {
    let (column, row) = (column + 1, row + 1);
    match button {
        Button::Left => format!("\x1b[<0;{column};{row}M\x1b[<0;{column};{row}m"),
        Button::WheelUp => format!("\x1b[<64;{column};{row}M"),
        Button::WheelDown => format!("\x1b[<65;{column};{row}M"),
    }
}

impl Tmux {
    /// The mouse used at a cell, as one write to the pane.
    async fn mouse(&self, button: Button, at: (usize, usize)) {
        self.type_text(&report(button, at)).await;
    }

    /// Two clicks at a cell in one write: a double click however slow
    /// the machine is.
    async fn double_click(&self, at: (usize, usize)) {
        let click = report(Button::Left, at);
        self.type_text(&format!("{click}{click}")).await;
    }

    /// Whether the client asked its terminal for SGR mouse reports (tmux's
    /// own record of the pane's modes).
    async fn reports_mouse(&self) -> bool {
        let out = self
            .tmux(&["display-message", "-p", "-t", "tui", "#{mouse_sgr_flag}"])
            .await;
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }
}

/// The cell (column, row from 0) where `text` starts on the screen.
fn cell_of(screen: &str, text: &str) -> (usize, usize) {
    screen
        .lines()
        .enumerate()
        .find_map(|(row, line)| {
            let at = line.find(text)?;
            Some((line[..at].chars().count(), row))
        })
        .unwrap_or_else(|| panic!("{text:?} on screen:\n{screen}"))
}

/// An assistant's client on the demo data, at its first row: the client,
/// the screen, and the names of the first rows (by id, as the table is).
async fn at_the_table(config: Option<&str>) -> (Tmux, String, Vec<(i64, String)>) {
    let (server, passwords) = start_server().await;
    let api = Api::login(&server, "assistant", password(&passwords, "assistant")).await;
    let mut rows = Vec::new();
    for row in 1..=3 {
        let actor = actor_at(&api, row).await;
        rows.push((
            actor["id"].as_i64().unwrap(),
            actor["name"].as_str().unwrap().to_owned(),
        ));
    }
    let tmux = Tmux::new();
    if let Some(config) = config {
        std::fs::write(tmux.config_dir.join("config.toml"), config).unwrap();
    }
    tmux.launch(&server).await;
    log_in(&tmux, "assistant", password(&passwords, "assistant")).await;
    let screen = tmux.wait_for("actors: row 1 of 64").await;
    (tmux, screen, rows)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_click_selects_a_row_or_a_tab_the_wheel_moves_and_a_double_click_opens() {
    let (tmux, screen, rows) = at_the_table(None).await;
    assert!(
        tmux.reports_mouse().await,
        "the client asks for mouse reports"
    );
    let third = cell_of(&screen, &rows[2].1);
    tmux.mouse(Button::Left, third).await;
    tmux.wait_for("actors: row 3 of 64").await;

    // The wheel moves the selection, over the table.
    tmux.mouse(Button::WheelDown, third).await;
    tmux.mouse(Button::WheelDown, third).await;
    tmux.wait_for("actors: row 5 of 64").await;
    tmux.mouse(Button::WheelUp, third).await;
    tmux.wait_for("actors: row 4 of 64").await;

    // A click on a tab switches to it; the other keeps its row.
    tmux.mouse(Button::Left, cell_of(&screen, "2 Movies")).await;
    tmux.wait_for("movies: row 1 of").await;
    tmux.mouse(Button::Left, cell_of(&screen, "1 Actors")).await;
    tmux.wait_for("actors: row 4 of 64").await;

    // A double click opens the row's detail; Esc goes back.
    let (id, name) = &rows[1];
    tmux.double_click(cell_of(&screen, name)).await;
    let detail = tmux.wait_for(&format!("Actors #{id}")).await;
    assert!(detail.contains(name), "{detail}");
    tmux.keys(&["Escape"]).await;
    tmux.wait_for("actors: row 2 of 64").await;
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_mouse_turned_off_in_the_config_clicks_and_the_wheel_do_nothing() {
    let (tmux, screen, rows) = at_the_table(Some("mouse = false\n")).await;
    assert!(
        !tmux.reports_mouse().await,
        "the terminal keeps its own mouse selection"
    );
    let third = cell_of(&screen, &rows[2].1);
    tmux.mouse(Button::Left, third).await;
    tmux.mouse(Button::WheelDown, third).await;
    tmux.mouse(Button::Left, cell_of(&screen, "2 Movies")).await;
    tmux.double_click(cell_of(&screen, &rows[1].1)).await;
    // A key after them is read after them: once it shows, they were read.
    tmux.keys(&["j"]).await;
    let screen = tmux.wait_for("actors: row 2 of 64").await;
    let (id, _) = &rows[1];
    assert!(
        !screen.contains(&format!("Actors #{id}")),
        "no detail opened:\n{screen}"
    );
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}
