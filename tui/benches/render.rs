//! The render path while scrolling a table of 100 000 actors: one frame per
//! iteration, the selection moving one row down each time (and, in the
//! second case, a screen at a time), rendered into ratatui's TestBackend.
//! Also prints the memory the client holds with all 100 000 rows loaded.

use std::hint::black_box;

use casting_shared::{Actor, Role};
use casting_tui::action::{Action, Movement, Outcome, Rows};
use casting_tui::api::ListPage;
use casting_tui::app::{App, Effect, Session};
use casting_tui::bindings::Command;
use casting_tui::collection::Collection;
use casting_tui::table::{End, PAGE_SIZE};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const ROWS: usize = 100_000;

fn actor(id: usize) -> Actor {
    Actor {
        id: id as i64,
        name: format!("Actor {id} {:x}", id.wrapping_mul(2_654_435_761)),
        age: 18 + (id % 60) as i32,
        gender: ["Female", "Male", "Other"][id % 3].to_owned(),
    }
}

/// Answers every page request from generated rows, as the server would.
fn answer(app: &mut App, effects: Vec<Effect>) {
    for effect in effects {
        if let Effect::FetchPage { request, .. } = effect {
            // The k-th row from the chain's end, for both ends.
            let skip = request.page * PAGE_SIZE;
            let ids: Vec<usize> = (skip..(skip + PAGE_SIZE).min(ROWS))
                .map(|k| match request.end {
                    End::Head => k + 1,
                    End::Tail => ROWS - k,
                })
                .collect();
            let next = (skip + ids.len() < ROWS).then(|| ids.last().unwrap_or(&0).to_string());
            let more = app.update(Action::Done(Outcome::Page {
                collection: Collection::Actors,
                request: Box::new(request),
                result: Ok(ListPage {
                    rows: Rows::Actors(ids.into_iter().map(actor).collect()),
                    total: ROWS,
                    total_exact: true,
                    next,
                }),
            }));
            answer(app, more);
        }
    }
}

fn logged_in(width: u16, height: u16) -> App {
    let mut app = App::new("http://127.0.0.1:8080".into());
    let effects = app.update(Action::Resize(width, height));
    answer(&mut app, effects);
    let role = Role::ExecutiveProducer;
    let effects = app.update(Action::Done(Outcome::LoggedIn {
        result: Ok(Session {
            token: "token".into(),
            username: Some("producer".into()),
            role: Some(role),
            permissions: role.permissions().to_vec(),
            expires_at: i64::MAX,
            issued_at: 0,
            remembered: false,
            renewal: casting_tui::session::Renewal::Server,
        }),
        remember: false,
    }));
    answer(&mut app, effects);
    app
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn scrolling(c: &mut Criterion) {
    for (width, height) in [(80u16, 24u16), (200, 60)] {
        let mut app = logged_in(width, height);
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        c.bench_function(
            &format!("scroll one row, {width}x{height}, 100k actors"),
            |b| {
                b.iter(|| {
                    let movement = if app.actors.selected + 1 >= ROWS {
                        Movement::Top
                    } else {
                        Movement::Down
                    };
                    let effects = app.update(Action::Command(Command::Move(movement)));
                    answer(&mut app, effects);
                    terminal
                        .draw(|frame| frame.render_widget(black_box(&app), frame.area()))
                        .expect("draw");
                })
            },
        );
        c.bench_function(
            &format!("scroll one screen, {width}x{height}, 100k actors"),
            |b| {
                b.iter(|| {
                    let movement = if app.actors.selected + 100 >= ROWS {
                        Movement::Top
                    } else {
                        Movement::PageDown
                    };
                    let effects = app.update(Action::Command(Command::Move(movement)));
                    answer(&mut app, effects);
                    terminal
                        .draw(|frame| frame.render_widget(black_box(&app), frame.area()))
                        .expect("draw");
                })
            },
        );
    }

    // Memory with every one of the 100 000 rows loaded (the worst case: the
    // user paged through the whole table).
    let before = rss_mib();
    let mut app = logged_in(200, 60);
    while app.actors.selected + 1 < ROWS {
        let effects = app.update(Action::Command(Command::Move(Movement::PageDown)));
        answer(&mut app, effects);
    }
    assert_eq!(app.actors.loaded_rows(), ROWS);
    println!(
        "memory: {:.1} MiB resident with all {ROWS} actors loaded ({:.1} MiB before loading)",
        rss_mib(),
        before
    );
}

criterion_group!(benches, scrolling);
criterion_main!(benches);
