//! The defects of the trial day (issue 30), one test each, driven through
//! the app's own `update` and drawn into a TestBackend (the interactive ones
//! are in `e2e_defects.rs`).

use casting_shared::Role;
use casting_tui::app::App;
use casting_tui::config::Config;
use crossterm::event::KeyCode;
use ratatui::style::Color;

use crate::support::*;

/// Every foreground colour drawn on the app at 80×24.
fn colours(app: &App) -> Vec<(u16, u16, Color, String)> {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(app, frame.area()))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut found = Vec::new();
    for y in 0..24 {
        for x in 0..80 {
            let cell = &buffer[(x, y)];
            if cell.symbol().trim().is_empty() {
                continue;
            }
            found.push((x, y, cell.fg, cell.symbol().to_owned()));
        }
    }
    found
}

fn light(app: &mut App) {
    app.configure(Config::parse("theme = \"light\"").unwrap())
        .unwrap();
    app.color = true;
}

#[test]
fn the_light_theme_draws_no_text_in_light_grey() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    light(&mut d.app);
    d.screen_at(80, 24);
    let grey: Vec<_> = colours(&d.app)
        .into_iter()
        .filter(|(_, _, fg, _)| *fg == Color::Gray || *fg == Color::White)
        .collect();
    assert!(grey.is_empty(), "light grey on light: {grey:?}");

    let mut login = App::new("https://casting.example.com".into());
    light(&mut login);
    login.handle_key(code(KeyCode::Tab));
    let grey: Vec<_> = colours(&login)
        .into_iter()
        .filter(|(_, _, fg, _)| *fg == Color::Gray || *fg == Color::White)
        .collect();
    assert!(grey.is_empty(), "light grey on the login: {grey:?}");
}

#[test]
fn after_logging_out_the_login_focuses_the_first_empty_field() {
    use casting_tui::app::LoginFocus;
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    d.press("Ly");
    assert!(d.app.session.is_none(), "logged out");
    assert_eq!(d.app.login.username.value(), "producer");
    assert_eq!(d.app.login.focus, LoginFocus::Password);
    d.press("secret");
    assert_eq!(d.app.login.username.value(), "producer");
    assert_eq!(d.app.login.password.value(), "secret");
}

#[test]
fn a_key_given_to_two_actions_in_one_view_is_refused() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    let config = Config::parse("[keys]\ndelete = [\"x\"]").unwrap();
    let why = d.app.configure(config).unwrap_err();
    assert!(
        why.contains("keys.delete") && why.contains("export") && why.contains("Tables"),
        "{why}"
    );
    assert!(
        d.app
            .configure(Config::parse("[keys]\ndelete = [\"D\"]").unwrap())
            .is_ok(),
        "a free key is fine"
    );
}

fn export_effect(effects: &[casting_tui::app::Effect]) -> Option<(String, bool)> {
    effects.iter().find_map(|e| match e {
        casting_tui::app::Effect::Export {
            path, overwrite, ..
        } => Some((path.clone(), *overwrite)),
        _ => None,
    })
}

#[test]
fn a_failed_export_keeps_its_dialog_and_an_existing_file_is_not_overwritten_unasked() {
    use casting_tui::action::{Action, Outcome};
    use casting_tui::app::Dialog;
    use casting_tui::export::ExportError;
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    d.press("x");
    for _ in 0..20 {
        d.key(code(KeyCode::Backspace));
    }
    d.press("/nowhere/a.csv");
    let sent = d.key(code(KeyCode::Enter));
    assert_eq!(
        export_effect(&sent),
        Some(("/nowhere/a.csv".to_owned(), false))
    );
    d.act(Action::Done(Outcome::Exported {
        path: "/nowhere/a.csv".into(),
        result: Err(ExportError::Failed("/nowhere: no such directory".into())),
    }));
    let Some(Dialog::Export(dialog)) = &d.app.dialog else {
        panic!("the dialog closed on a failure");
    };
    assert!(
        dialog
            .error
            .as_deref()
            .unwrap()
            .contains("no such directory")
    );
    d.press("b");
    assert_eq!(d.app.actors.params().q, "", "typing stays in the dialog");

    for _ in 0..20 {
        d.key(code(KeyCode::Backspace));
    }
    d.press("there.csv");
    d.key(code(KeyCode::Enter));
    d.act(Action::Done(Outcome::Exported {
        path: "there.csv".into(),
        result: Err(ExportError::Exists),
    }));
    let Some(Dialog::Export(dialog)) = &d.app.dialog else {
        panic!("the dialog closed on an existing file");
    };
    assert!(
        dialog.error.as_deref().unwrap().contains("already exists"),
        "{:?}",
        dialog.error
    );
    let again = d.key(code(KeyCode::Enter));
    assert_eq!(export_effect(&again), Some(("there.csv".to_owned(), true)));
    d.act(Action::Done(Outcome::Exported {
        path: "there.csv".into(),
        result: Ok(3),
    }));
    assert!(d.app.dialog.is_none());
    assert!(status(&d.app).contains("Exported 3 rows"));
}

#[test]
fn g_in_the_actor_picker_reaches_the_last_actor_even_when_it_is_not_loaded_yet() {
    use casting_tui::action::{Action, Outcome, Related};
    use casting_tui::app::{Dialog, Effect};
    use casting_tui::cast::{CastMode, CastRequest};
    use casting_tui::collection::Collection;
    let mut d = Driven::new(Role::ExecutiveProducer, actors(69), movies(2));
    d.press("2c");
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Movies,
        id: 1,
        result: Ok(Related::Cast(Vec::new())),
    }));
    d.press("a");
    let all = actors(69);
    d.act(Action::Done(Outcome::CastSearch {
        movie_id: 1,
        generation: 1,
        after: None,
        result: Ok(matches(all[..50].to_vec(), 69, Some("c50"))),
    }));
    d.key(code(KeyCode::Tab));
    let effects = d.press("G");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Cast {
            request: CastRequest::Search { after: Some(a), .. }, ..
        } if a == "c50")),
        "{effects:?}"
    );
    d.act(Action::Done(Outcome::CastSearch {
        movie_id: 1,
        generation: 1,
        after: Some("c50".into()),
        result: Ok(matches(all[50..].to_vec(), 69, None)),
    }));
    let Some(Dialog::Cast(view)) = &d.app.dialog else {
        panic!("no cast view")
    };
    let CastMode::Picker(picker) = &view.mode else {
        panic!("no picker")
    };
    assert_eq!(picker.results.len(), 69);
    assert_eq!(
        picker.selected, 68,
        "one G reaches Bulk Actor 069, not the end of the first page"
    );
}

#[test]
fn the_conflict_resolve_keys_stay_visible_at_50_by_15() {
    use casting_tui::action::{Action, Outcome};
    use casting_tui::collection::Collection;
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    d.press("e");
    let mine = actors(3)[0].clone();
    d.act(Action::Done(fetched_actor(
        mine.clone(),
        Some("\"1\"".into()),
    )));
    d.key(code(KeyCode::Tab));
    d.key(code(KeyCode::Backspace));
    d.press("0");
    d.key(ctrl('s'));
    d.act(Action::Done(Outcome::Saved {
        collection: Collection::Actors,
        created: false,
        result: Err(error(412)),
    }));
    let theirs = casting_shared::Actor {
        age: 61,
        name: "Somebody With A Much Longer Name Now".into(),
        gender: "Female".into(),
        ..mine
    };
    d.act(Action::Done(fetched_actor(theirs, Some("\"2\"".into()))));
    for (width, height) in [(50, 15), (40, 12), (80, 24)] {
        let screen = d.screen_at(width, height);
        assert!(
            screen.contains("Ctrl-R") && screen.contains("Ctrl-O"),
            "{width}×{height}:\n{screen}"
        );
    }
}

#[test]
fn the_table_filter_is_capped() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    d.press("/");
    d.press(&"a".repeat(500));
    assert_eq!(d.app.actors.query().chars().count(), 200, "the cap");
}

#[test]
fn h_in_a_cast_shows_the_actors_history_and_esc_comes_back_to_the_cast() {
    use casting_tui::action::{Action, Outcome, Related};
    use casting_tui::app::{Dialog, Effect};
    use casting_tui::collection::Collection;
    let mut d = Driven::new(Role::CastingAssistant, actors(3), movies(2));
    d.press("2c");
    let entry = casting_shared::api::CastEntry {
        actor: actors(3)[1].clone(),
        character: None,
    };
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Movies,
        id: 1,
        result: Ok(Related::Cast(vec![entry])),
    }));
    let effects = d.press("h");
    assert_eq!(
        effects,
        vec![Effect::FetchHistory {
            collection: Collection::Actors,
            id: 2
        }]
    );
    assert!(matches!(d.app.dialog, Some(Dialog::History(_))));
    d.key(code(KeyCode::Esc));
    assert!(
        matches!(d.app.dialog, Some(Dialog::Cast(_))),
        "back to the cast"
    );
}

#[test]
fn one_change_is_one_change_and_a_movies_detail_is_titled_movie() {
    use casting_tui::action::{Action, Outcome};
    use casting_tui::collection::Collection;
    let mut d = Driven::new(Role::CastingAssistant, actors(3), movies(2));
    d.press("2");
    d.key(code(KeyCode::Enter));
    let screen = d.screen_at(80, 24);
    assert!(screen.contains("Movie #1"), "{screen}");
    assert!(!screen.contains("Movies #1"), "{screen}");
    d.press("h");
    let movie = movies(1)[0].clone();
    let created = change(
        "director",
        "created",
        "movie",
        1,
        serde_json::Value::Null,
        serde_json::to_value(&movie).unwrap(),
    );
    d.act(Action::Done(Outcome::History {
        collection: Collection::Movies,
        id: 1,
        result: Ok(vec![created]),
    }));
    let screen = d.screen_at(80, 24);
    assert!(screen.contains("1 change"), "{screen}");
    assert!(!screen.contains("1 changes"), "{screen}");
}

#[test]
fn export_help_explains_every_filter() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_casting-tui"))
        .args(["export", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in ["--gender", "--min-age", "--max-age"] {
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with(flag))
            .unwrap_or_else(|| panic!("{flag} missing:\n{help}"));
        let words = line.trim_start().splitn(3, ' ').nth(2).unwrap_or("").trim();
        assert!(!words.is_empty(), "{flag} has no text:\n{help}");
    }
}

#[test]
fn when_the_server_comes_back_what_failed_is_read_again() {
    use casting_tui::action::{Action, Outcome};
    use casting_tui::api::ApiError;
    use casting_tui::app::Effect;
    use casting_tui::live::LiveEvent;
    use casting_tui::table::TableOps;
    let mut d = Driven::new(Role::ExecutiveProducer, actors(30), movies(1));
    d.app.actors.reload();
    for effect in d.app.fetch_visible() {
        if let Effect::FetchPage {
            collection,
            request,
        } = effect
        {
            d.act(Action::Done(Outcome::Page {
                collection,
                request: Box::new(request),
                result: Err(ApiError::Unreachable("connection refused".into())),
            }));
        }
    }
    assert!(d.app.actors.error.is_some());
    assert!(status(&d.app).contains("reach"), "{}", status(&d.app));
    d.act(Action::Done(Outcome::Live(LiveEvent::Disconnected {
        why: "down".into(),
        retry_in: std::time::Duration::from_secs(1),
    })));
    d.act(Action::Done(Outcome::Live(LiveEvent::Connected {
        resumed: true,
    })));
    assert!(d.app.actors.error.is_none(), "read again without R");
    assert!(!status(&d.app).contains("reach"), "{}", status(&d.app));
    let screen = d.screen_at(80, 24);
    assert!(!screen.contains("R to retry"), "{screen}");
}

#[test]
fn esc_in_an_edit_dialog_with_changes_asks_before_discarding_them() {
    use casting_tui::action::Action;
    use casting_tui::app::Dialog;
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    d.press("e");
    d.act(Action::Done(fetched_actor(
        actors(3)[0].clone(),
        Some("\"1\"".into()),
    )));
    d.press("x");
    d.key(code(KeyCode::Esc));
    assert!(d.app.confirm.is_some(), "asked first");
    assert!(matches!(d.app.dialog, Some(Dialog::Form(_))));
    d.press("n");
    assert!(matches!(d.app.dialog, Some(Dialog::Form(_))), "kept");
    assert!(form_values(&d)[0].ends_with('x'), "typing kept");
    d.key(code(KeyCode::Esc));
    d.press("y");
    assert!(d.app.dialog.is_none(), "discarded when confirmed");

    d.press("e");
    d.act(Action::Done(fetched_actor(
        actors(3)[0].clone(),
        Some("\"1\"".into()),
    )));
    d.key(code(KeyCode::Esc));
    assert!(
        d.app.confirm.is_none() && d.app.dialog.is_none(),
        "nothing changed: Esc closes at once"
    );
}

#[test]
fn with_no_server_the_login_says_how_to_name_one() {
    use casting_tui::action::{Action, Outcome};
    use casting_tui::api::ApiError;
    let mut app = App::new("http://127.0.0.1:8080".into());
    app.update(Action::Done(Outcome::AuthConfig(Err(
        ApiError::Unreachable("connection refused".into()),
    ))));
    let message = app.login.message.as_ref().unwrap().text.clone();
    assert!(
        message.contains("--server") && message.contains("config.toml"),
        "{message}"
    );
}
