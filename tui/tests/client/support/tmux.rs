//! The real `casting-tui` binary in a tmux server of the test's own: keys
//! sent as a person types them, and waits (bounded) for what the screen shows.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::process::Command;

use super::password;

/// One tmux server of this test's own, running the client.
pub(crate) struct Tmux {
    socket: String,
    pub(crate) config_dir: PathBuf,
}

impl Tmux {
    pub(crate) fn new() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let config_dir = std::env::temp_dir().join(format!("casting-tui-e2e-{id}"));
        std::fs::create_dir_all(&config_dir).unwrap();
        Self {
            socket: format!("casting-e2e-{id}"),
            config_dir,
        }
    }

    pub(crate) async fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .await
            .expect("tmux runs")
    }

    pub(crate) async fn launch(&self, server: &str) {
        self.launch_with(server, &[]).await;
    }

    /// Runs the client with these environment variables set too.
    pub(crate) async fn launch_with(&self, server: &str, env: &[(&str, &str)]) {
        let env: String = env
            .iter()
            .map(|(name, value)| format!("{name}='{value}' "))
            .collect();
        let command = format!(
            "{env}CASTING_TUI_CONFIG_DIR='{}' '{}' --server '{server}'",
            self.config_dir.display(),
            env!("CARGO_BIN_EXE_casting-tui"),
        );
        let new_session = [
            "new-session",
            "-d",
            "-s",
            "tui",
            "-x",
            "100",
            "-y",
            "30",
            &command,
        ];
        let mut out = self.tmux(&new_session).await;
        // After the previous client quit, its tmux server exits once it has
        // no session left; a new session asked for meanwhile reaches the
        // exiting server ("server exited unexpectedly"). Ask again.
        for _ in 0..20 {
            if out.status.success()
                || !String::from_utf8_lossy(&out.stderr).contains("server exited unexpectedly")
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            out = self.tmux(&new_session).await;
        }
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub(crate) async fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "tui"]).await.stdout)
            .into_owned()
    }

    /// The screen with its styles, as escape sequences.
    pub(crate) async fn screen_with_styles(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-e", "-t", "tui"]).await;
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends keys one write each, as a person types them. A key after
    /// `Escape` would reach the client in the same read and be taken as
    /// Alt-key (as any terminal library reads ESC + key), so `Escape` must
    /// come last: send it alone and wait for the screen it leads to.
    pub(crate) async fn keys(&self, keys: &[&str]) {
        if let Some(i) = keys.iter().position(|k| *k == "Escape") {
            assert!(
                i + 1 == keys.len(),
                "send Escape alone and wait for the screen before the next key: {keys:?}"
            );
        }
        for key in keys {
            self.tmux(&["send-keys", "-t", "tui", key]).await;
        }
    }

    pub(crate) async fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "tui", "-l", text]).await;
    }

    /// Waits until the screen shows `text` (at most 20 s), returning the screen.
    pub(crate) async fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen().await;
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {text:?}; the screen shows:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the screen no longer shows `text` (at most 20 s).
    pub(crate) async fn wait_without(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen().await;
            if !screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {text:?} to go; the screen shows:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) async fn wait_until_gone(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self
            .tmux(&["has-session", "-t", "tui"])
            .await
            .status
            .success()
        {
            assert!(
                Instant::now() < deadline,
                "the client did not quit:\n{}",
                self.screen().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
        let _ = std::fs::remove_dir_all(&self.config_dir);
    }
}

/// Types `user` and `password` into the login screen and sends them.
pub(crate) async fn log_in(tmux: &Tmux, user: &str, password: &str) {
    tmux.wait_for("Username").await;
    tmux.type_text(user).await;
    tmux.keys(&["Tab"]).await;
    tmux.type_text(password).await;
    tmux.keys(&["Enter"]).await;
}

/// A client in tmux, logged in, with the table and the live feed up.
pub(crate) async fn client(server: &str, user: &str, passwords: &[(String, String)]) -> Tmux {
    let tmux = Tmux::new();
    tmux.launch(server).await;
    log_in(&tmux, user, password(passwords, user)).await;
    tmux.wait_for("row 1 of").await;
    tmux.wait_for("● live").await;
    tmux
}

/// Waits (at most 20 s) until a line on screen shows both `name` and
/// `value` (a table row as it is now), returning the screen.
pub(crate) async fn wait_for_row(tmux: &Tmux, name: &str, value: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let screen = tmux.screen().await;
        if screen
            .lines()
            .any(|l| l.contains(name) && l.contains(value))
        {
            return screen;
        }
        assert!(
            Instant::now() < deadline,
            "waited for {name} with {value}:\n{screen}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
