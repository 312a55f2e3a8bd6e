//! The app driven by synthetic key events, without a terminal: navigation,
//! filter, sort, dialogs, confirmations and role-aware keys.

use std::collections::BTreeMap;

use casting_shared::Role;
use casting_tui::action::{Action, Outcome, Related, Rows};
use casting_tui::api::ApiError;
use casting_tui::app::{App, Button, Dialog, Effect, LoginFocus};
use casting_tui::bindings::Command;
use casting_tui::collection::Collection;
use casting_tui::confirm::Question;

use Collection as Tab;
use crossterm::event::KeyCode;
use serde_json::json;

use crate::support::*;

fn fetches(effects: &[Effect]) -> Vec<(usize, String, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchPage { request: r, .. } => {
                Some((r.page, r.params.sort.clone(), r.params.q.clone()))
            }
            _ => None,
        })
        .collect()
}

fn status(app: &App) -> String {
    app.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn error(status: u16) -> ApiError {
    ApiError::Status {
        status,
        message: casting_shared::api::status_message(status).into(),
        detail: None,
        fields: BTreeMap::new(),
        retry_after: None,
    }
}

#[test]
fn arrows_jk_pages_and_ends_move_the_selection_within_bounds() {
    let mut d = Driven::new(Role::CastingAssistant, actors(250), movies(1));
    let viewport = d.app.viewport();
    d.press("jjj");
    assert_eq!(d.app.actors.selected, 3);
    d.press("k");
    d.key(code(KeyCode::Up));
    assert_eq!(d.app.actors.selected, 1);
    d.key(code(KeyCode::PageDown));
    assert_eq!(d.app.actors.selected, 1 + viewport);
    d.press("G");
    assert_eq!(d.app.actors.selected, 249);
    assert_eq!(
        d.app.actors.selected_row().unwrap().id,
        250,
        "the last page was fetched"
    );
    assert!(
        d.app.actors.offset + viewport > 249,
        "the selection stays on screen"
    );
    d.key(code(KeyCode::Down));
    assert_eq!(d.app.actors.selected, 249, "no moving past the end");
    d.press("g");
    assert_eq!((d.app.actors.selected, d.app.actors.offset), (0, 0));
    d.key(code(KeyCode::PageUp));
    assert_eq!(d.app.actors.selected, 0);
}

#[test]
fn a_hundred_thousand_rows_load_only_the_pages_on_screen() {
    let mut d = Driven::new(Role::CastingAssistant, actors(100_000), movies(1));
    d.press("G");
    assert_eq!(d.app.actors.total, Some(100_000));
    assert!(
        d.app.actors.loaded_rows() <= 300,
        "{} rows held",
        d.app.actors.loaded_rows()
    );
    assert_eq!(d.app.actors.selected_row().unwrap().id, 100_000);
}

#[test]
fn tabs_switch_with_numbers_and_tab_keys() {
    let mut d = Driven::new(Role::CastingAssistant, actors(3), movies(4));
    d.press("2");
    assert_eq!(d.app.tab, Tab::Movies);
    assert_eq!(
        d.app.movies.total,
        Some(4),
        "the movies were fetched on first view"
    );
    d.key(code(KeyCode::Tab));
    assert_eq!(d.app.tab, Tab::Actors);
    d.key(code(KeyCode::BackTab));
    assert_eq!(d.app.tab, Tab::Movies);
    d.press("1");
    assert_eq!(d.app.tab, Tab::Actors);
}

#[test]
fn the_filter_queries_the_server_as_you_type_and_letters_are_text() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(50), movies(1));
    d.press("jj");
    let effects = d.press("/den");
    assert_eq!(
        fetches(&effects)
            .iter()
            .map(|f| f.2.as_str())
            .collect::<Vec<_>>(),
        vec!["d", "de", "den"],
        "one query per keystroke"
    );
    assert!(d.app.dialog.is_none(), "n and e were typed, not shortcuts");
    assert_eq!(d.app.actors.selected, 0, "a new filter starts at the top");
    assert!(d.app.actors.total.unwrap() < 50);
    d.key(code(KeyCode::Enter));
    assert!(!d.app.actors.filtering);
    assert_eq!(d.app.actors.query(), "den", "Enter keeps the filter");
    d.key(code(KeyCode::Esc));
    assert_eq!(d.app.actors.query(), "", "Esc clears it");
    assert_eq!(d.app.actors.total, Some(50));
}

#[test]
fn s_cycles_the_sort_column_and_capital_s_reverses() {
    let mut d = Driven::new(Role::CastingAssistant, actors(20), movies(1));
    let sorts = |effects: &[Effect]| {
        fetches(effects)
            .into_iter()
            .map(|f| f.1)
            .collect::<Vec<_>>()
    };
    assert_eq!(sorts(&d.press("s"))[0], "name");
    assert_eq!(sorts(&d.press("S"))[0], "-name");
    assert_eq!(sorts(&d.press("s"))[0], "-age");
    assert_eq!(sorts(&d.press("s"))[0], "-id");
    assert!(!sorts(&d.press("R")).is_empty(), "R reloads");
}

#[test]
fn late_answers_to_an_old_query_are_ignored() {
    let mut d = Driven::new(Role::CastingAssistant, actors(20), movies(1));
    let old_generation = d.app.actors.generation;
    d.press("s");
    d.act(Action::Done(Outcome::Page {
        collection: Collection::Actors,
        generation: old_generation,
        page: 0,
        result: Ok((Rows::Actors(actors(2)), 2)),
    }));
    assert_eq!(d.app.actors.total, Some(20));
}

#[test]
fn a_new_actor_dialog_checks_fields_moves_with_tab_and_saves_on_enter() {
    let mut d = Driven::new(Role::CastingDirector, actors(3), movies(1));
    d.press("n");
    let Some(Dialog::Form(form)) = &d.app.dialog else {
        panic!("no dialog")
    };
    assert_eq!(
        form.fields.iter().map(|f| f.label).collect::<Vec<_>>(),
        vec!["Name", "Age", "Gender"]
    );
    d.press("Zoe qd");
    d.key(code(KeyCode::Tab));
    d.press("abc");
    d.key(code(KeyCode::Tab));
    let effects = d.key(code(KeyCode::Enter));
    assert!(
        effects.is_empty(),
        "nothing is sent while a field is invalid"
    );
    let Some(Dialog::Form(form)) = &d.app.dialog else {
        panic!("no dialog")
    };
    assert_eq!(
        form.fields[0].value(),
        "Zoe qd",
        "letters went into the field"
    );
    assert_eq!(
        form.fields[1].error.as_deref(),
        Some("must be a whole number")
    );
    assert_eq!(form.focus, 1, "focus goes to the first bad field");
    for _ in 0..3 {
        d.key(code(KeyCode::Backspace));
    }
    d.press("33");
    d.key(code(KeyCode::BackTab));
    d.key(code(KeyCode::Tab));
    d.key(code(KeyCode::Tab));
    d.press("Female");
    let effects = d.key(code(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::Create {
            collection: Collection::Actors,
            body: json!({"name": "Zoe qd", "age": 33, "gender": "Female"})
        }]
    );
    d.act(Action::Done(Outcome::Saved {
        collection: Collection::Actors,
        created: true,
        result: Ok(4),
    }));
    assert!(d.app.dialog.is_none());
    assert_eq!(status(&d.app), "Created actor #4");
}

#[test]
fn ctrl_s_saves_an_edit_with_if_match_and_only_the_changed_fields() {
    let mut d = Driven::new(Role::CastingDirector, actors(3), movies(1));
    d.press("j");
    let effects = d.press("e");
    assert_eq!(
        effects,
        vec![Effect::FetchRow {
            collection: Collection::Actors,
            id: 2
        }],
        "the current version is fetched"
    );
    d.act(Action::Done(fetched_actor(
        actors(3)[1].clone(),
        Some("\"7\"".into()),
    )));
    d.key(code(KeyCode::Tab));
    d.key(code(KeyCode::Backspace));
    d.press("9");
    let effects = d.key(ctrl('s'));
    assert_eq!(
        effects,
        vec![Effect::Update {
            collection: Collection::Actors,
            id: 2,
            body: json!({"age": 29}),
            etag: Some("\"7\"".into()),
        }]
    );
}

#[test]
fn a_412_shows_what_changed_and_offers_to_load_theirs_or_overwrite() {
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
    let effects = d.key(ctrl('s'));
    assert!(
        matches!(&effects[..], [Effect::Update { etag: Some(e), .. }] if e == "\"1\""),
        "{effects:?}"
    );
    let effects = d.act(Action::Done(Outcome::Saved {
        collection: Collection::Actors,
        created: false,
        result: Err(error(412)),
    }));
    assert_eq!(
        effects,
        vec![Effect::FetchRow {
            collection: Collection::Actors,
            id: 1
        }],
        "theirs is fetched"
    );
    let theirs = casting_shared::Actor {
        age: 61,
        ..mine.clone()
    };
    d.act(Action::Done(fetched_actor(theirs, Some("\"2\"".into()))));
    let Some(Dialog::Form(form)) = &d.app.dialog else {
        panic!("the dialog stays")
    };
    assert_eq!(
        form.conflict.as_deref(),
        Some("Someone else changed this actor: Age is now \"61\" (was \"19\").")
    );
    assert_eq!(
        form.fields[1].value(),
        "10",
        "my typing is kept until I choose"
    );
    let effects = d.key(ctrl('o'));
    assert!(
        matches!(&effects[..], [Effect::Update { etag: Some(e), body, .. }] if e == "\"2\"" && body["age"] == 10),
        "overwrite replaces exactly the version shown: {effects:?}"
    );
    d.act(Action::Done(Outcome::Saved {
        collection: Collection::Actors,
        created: false,
        result: Err(error(412)),
    }));
    d.act(Action::Done(fetched_actor(
        casting_shared::Actor { age: 62, ..mine },
        Some("\"3\"".into()),
    )));
    assert!(d.key(ctrl('r')).is_empty());
    let Some(Dialog::Form(form)) = &d.app.dialog else {
        panic!("the dialog stays")
    };
    assert_eq!(
        (form.fields[1].value(), form.etag.as_deref()),
        ("62", Some("\"3\""))
    );
    assert!(form.conflict.is_none());
}

#[test]
fn delete_sends_if_match_and_a_412_asks_again() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    let effects = d.press("d");
    assert_eq!(
        effects,
        vec![
            Effect::FetchRow {
                collection: Collection::Actors,
                id: 1
            },
            Effect::FetchRelated {
                collection: Collection::Actors,
                id: 1
            }
        ],
        "the version to delete is fetched, and the cast entries that go with it"
    );
    d.act(Action::Done(fetched_actor(
        actors(3)[0].clone(),
        Some("\"4\"".into()),
    )));
    let effects = d.press("y");
    assert!(
        matches!(&effects[..], [Effect::Delete { id: 1, etag: Some(e), .. }] if e == "\"4\""),
        "{effects:?}"
    );
    let label = actors(3)[0].name.clone();
    let effects = d.act(Action::Done(Outcome::Deleted {
        collection: Collection::Actors,
        id: 1,
        label: label.clone(),
        result: Err(error(412)),
    }));
    assert!(effects.contains(&Effect::FetchRow {
        collection: Collection::Actors,
        id: 1
    }));
    let Some(confirm) = &d.app.confirm else {
        panic!("asked again")
    };
    assert_eq!(confirm.selected, Button::Cancel);
    assert!(
        confirm
            .note
            .as_deref()
            .unwrap()
            .contains("changed since you looked")
    );
}

#[test]
fn the_servers_422_field_errors_land_beside_their_fields() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    d.press("2n");
    d.press("Heat");
    d.key(code(KeyCode::Tab));
    d.press("1995-12-15");
    let effects = d.key(code(KeyCode::Enter));
    assert!(matches!(
        &effects[..],
        [Effect::Create {
            collection: Collection::Movies,
            ..
        }]
    ));
    let mut failure = error(422);
    if let ApiError::Status { fields, .. } = &mut failure {
        fields.insert("release_date".into(), "is too far in the future".into());
    }
    d.act(Action::Done(Outcome::Saved {
        collection: Collection::Movies,
        created: true,
        result: Err(failure),
    }));
    let Some(Dialog::Form(form)) = &d.app.dialog else {
        panic!("the dialog stays open")
    };
    assert_eq!(
        form.fields[1].error.as_deref(),
        Some("is too far in the future")
    );
    assert_eq!(form.focus, 1);
}

#[test]
fn esc_closes_the_dialog_before_q_quits() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    d.press("n");
    d.press("q");
    assert!(!d.app.quitting, "q is text in a dialog");
    d.key(code(KeyCode::Esc));
    assert!(d.app.dialog.is_none());
    assert!(!d.app.quitting);
    d.press("?");
    assert!(d.app.help.is_some());
    d.key(code(KeyCode::Esc));
    assert!(d.app.help.is_none() && !d.app.quitting);
    assert_eq!(d.press("q"), vec![Effect::Quit]);
    assert!(d.app.quitting);
}

#[test]
fn alt_letters_are_never_shortcuts_in_any_view() {
    // A terminal sends Esc then `q` in one burst as Alt-q. At the table, in
    // the help, the delete question, a cast and a filmography it does nothing
    // (no quit, no close); in a text field it types nothing.
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(2));
    let untouched = |d: &mut Driven, view: &str| {
        for c in ['q', 'c', 'd', 'n', 'e', 'y', '?', 'j'] {
            let before = (
                d.app.actors.selected,
                d.app.help,
                d.app.dialog.is_some(),
                d.app.confirm.is_some(),
            );
            assert_eq!(d.key(alt(c)), vec![], "Alt-{c} in {view}");
            assert!(!d.app.quitting, "Alt-{c} in {view} quit");
            let after = (
                d.app.actors.selected,
                d.app.help,
                d.app.dialog.is_some(),
                d.app.confirm.is_some(),
            );
            assert_eq!(before, after, "Alt-{c} in {view} changed the view");
        }
    };
    untouched(&mut d, "the table");
    d.press("?");
    untouched(&mut d, "the help");
    d.key(code(KeyCode::Esc));
    d.press("d");
    untouched(&mut d, "the delete question");
    d.key(code(KeyCode::Esc));
    d.press("c");
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Actors,
        id: 1,
        result: Ok(Related::Filmography(vec![])),
    }));
    untouched(&mut d, "a filmography");
    d.key(code(KeyCode::Esc));
    d.press("2c");
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Movies,
        id: 1,
        result: Ok(Related::Cast(vec![])),
    }));
    untouched(&mut d, "a cast");
    d.key(code(KeyCode::Esc));
    d.key(code(KeyCode::Esc));
    d.press("1/");
    d.key(alt('q'));
    assert!(d.app.table().filtering() && !d.app.quitting);
    assert_eq!(d.app.table().query(), "", "Alt-q types nothing");
    d.key(code(KeyCode::Esc));
    d.press("n");
    d.key(alt('q'));
    match &d.app.dialog {
        Some(Dialog::Form(form)) => assert_eq!(form.fields[0].value(), "", "Alt-q types nothing"),
        _ => panic!("the form closed on Alt-q"),
    }
    assert_eq!(d.press("q"), vec![], "a plain q is text in the form");
}

#[test]
fn delete_asks_first_with_cancel_selected() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    d.press("jd");
    let Some(confirm) = &d.app.confirm else {
        panic!("no confirmation")
    };
    assert!(matches!(confirm.question, Question::Delete { id: 2, .. }));
    assert_eq!(confirm.selected, Button::Cancel);
    assert!(
        d.key(code(KeyCode::Enter)).is_empty(),
        "Enter on Cancel deletes nothing"
    );
    assert!(d.app.confirm.is_none());
    d.press("d");
    d.key(code(KeyCode::Right));
    let effects = d.key(code(KeyCode::Enter));
    assert!(matches!(&effects[..], [Effect::Delete { id: 2, .. }]));
    d.press("d");
    let effects = d.press("y");
    assert!(matches!(
        &effects[..],
        [Effect::Delete {
            id: 2,
            collection: Collection::Actors,
            ..
        }]
    ));
}

#[test]
fn keys_follow_the_role_and_forbidden_ones_say_why() {
    let mut d = Driven::new(Role::CastingAssistant, actors(3), movies(3));
    for key in ["n", "e", "d"] {
        assert!(d.press(key).is_empty());
        assert!(
            d.app.dialog.is_none(),
            "{key} opened a dialog for an assistant"
        );
    }
    assert!(
        status(&d.app).starts_with("Casting Assistant cannot delete actors"),
        "{}",
        status(&d.app)
    );

    let mut d = Driven::new(Role::CastingDirector, actors(3), movies(3));
    d.press("2n");
    assert!(d.app.dialog.is_none());
    assert_eq!(
        status(&d.app),
        "Casting Director cannot add movies (post:movies)"
    );
    d.press("e");
    assert!(
        matches!(d.app.dialog, Some(Dialog::Form(_))),
        "directors edit movies"
    );
}

#[test]
fn a_403_is_explained_and_a_401_brings_the_login_overlay() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    d.press("jd");
    d.press("y");
    d.act(Action::Done(Outcome::Deleted {
        collection: Collection::Actors,
        id: 2,
        label: "X".into(),
        result: Err(error(403)),
    }));
    assert_eq!(status(&d.app), "Executive Producer cannot delete actors");
    let effects = d.act(Action::Done(Outcome::Deleted {
        collection: Collection::Actors,
        id: 2,
        label: "X".into(),
        result: Err(error(401)),
    }));
    assert!(effects.contains(&Effect::ForgetToken));
    assert!(d.app.relogin && d.app.needs_login());
    assert!(
        d.app
            .login
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("Log in again to carry on where you were")
    );
}

#[test]
fn a_failing_server_keeps_the_rows_already_shown() {
    let mut d = Driven::new(Role::CastingAssistant, actors(30), movies(1));
    let before = d.app.actors.selected_row().cloned();
    let generation = {
        let effects = d.app.update(Action::Command(Command::Reload));
        assert!(!fetches(&effects).is_empty());
        d.app.actors.generation
    };
    d.act(Action::Done(Outcome::Page {
        collection: Collection::Actors,
        generation,
        page: 0,
        result: Err(ApiError::Unreachable("the request timed out".into())),
    }));
    assert_eq!(d.app.actors.selected_row().cloned(), before, "rows stay");
    assert!(status(&d.app).contains("timed out"));
}

#[test]
fn the_login_screen_moves_with_tab_masks_nothing_in_state_and_submits_on_enter() {
    let mut app = App::new("http://x".into());
    for c in "ann".chars() {
        app.handle_key(char_key(c));
    }
    app.handle_key(code(KeyCode::Tab));
    assert_eq!(app.login.focus, LoginFocus::Password);
    for c in "pw q".chars() {
        app.handle_key(char_key(c));
    }
    assert!(!app.quitting, "q is part of a password");
    app.handle_key(code(KeyCode::Tab));
    app.handle_key(char_key(' '));
    assert!(app.login.remember, "Space on the checkbox toggles it");
    let effects = app.handle_key(code(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::Login {
            username: "ann".into(),
            password: "pw q".into(),
            remember: true
        }]
    );
    app.update(Action::Done(Outcome::LoggedIn {
        result: Err(error(429)),
        remember: true,
    }));
    assert!(
        app.login
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("Too many attempts")
    );
    app.update(Action::Done(Outcome::LoggedIn {
        result: Err(ApiError::Unreachable("connection refused".into())),
        remember: true,
    }));
    assert!(
        app.login
            .message
            .as_ref()
            .unwrap()
            .text
            .contains("Cannot reach the server")
    );
}

#[test]
fn remember_me_also_keeps_a_browser_sign_in() {
    use casting_tui::action::DeviceEvent;
    let mut app = App::new("http://x".into());
    app.handle_key(code(KeyCode::Tab));
    app.handle_key(code(KeyCode::Tab));
    app.handle_key(char_key(' '));
    let effects = app.update(Action::Done(Outcome::Device(DeviceEvent::Approved(
        session(Role::CastingDirector),
    ))));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SaveToken(saved) if saved.token == "token")),
        "{effects:?}"
    );
    assert!(app.session.is_some());
}

mod casting {
    use super::*;
    use casting_tui::cast::{CastMode, CastRequest};

    fn entries() -> Vec<casting_shared::api::CastEntry> {
        actors(2)
            .into_iter()
            .map(|actor| casting_shared::api::CastEntry {
                actor,
                character: Some("Hero".into()),
            })
            .collect()
    }

    fn opened(role: Role) -> Driven {
        let mut d = Driven::new(role, actors(30), movies(5));
        d.press("2j");
        let effects = d.press("c");
        assert_eq!(
            effects,
            vec![Effect::FetchRelated {
                collection: Collection::Movies,
                id: 2
            }]
        );
        d.act(Action::Done(Outcome::RelatedLoaded {
            collection: Collection::Movies,
            id: 2,
            result: Ok(Related::Cast(entries())),
        }));
        d
    }

    fn mode(d: &Driven) -> &CastMode {
        match &d.app.dialog {
            Some(Dialog::Cast(view)) => &view.mode,
            _ => panic!("the cast view is not open"),
        }
    }

    #[test]
    fn adding_searches_the_server_as_you_type_then_asks_for_the_character() {
        let mut d = opened(Role::CastingDirector);
        let effects = d.press("a");
        assert_eq!(
            effects,
            vec![Effect::Cast {
                movie_id: 2,
                request: CastRequest::Search {
                    generation: 1,
                    q: String::new(),
                    page: 1
                }
            }]
        );
        let effects = d.press("zo");
        assert_eq!(
            effects,
            vec![
                Effect::Cast {
                    movie_id: 2,
                    request: CastRequest::Search {
                        generation: 2,
                        q: "z".into(),
                        page: 1
                    }
                },
                Effect::Cast {
                    movie_id: 2,
                    request: CastRequest::Search {
                        generation: 3,
                        q: "zo".into(),
                        page: 1
                    }
                },
            ],
            "each keystroke asks the server (q), so 100 000 actors are fine"
        );
        // An answer to an older keystroke is dropped.
        d.act(Action::Done(Outcome::CastSearch {
            movie_id: 2,
            generation: 2,
            page: 1,
            result: Ok((actors(9), 9)),
        }));
        let CastMode::Picker(picker) = mode(&d) else {
            panic!("no picker")
        };
        assert!(picker.results.is_empty());
        let zoe = casting_shared::Actor {
            id: 77,
            name: "Zoe Kim".into(),
            age: 30,
            gender: "Female".into(),
        };
        d.act(Action::Done(Outcome::CastSearch {
            movie_id: 2,
            generation: 3,
            page: 1,
            result: Ok((vec![zoe], 1)),
        }));
        assert!(d.key(code(KeyCode::Enter)).is_empty());
        let CastMode::Character(edit) = mode(&d) else {
            panic!("no character dialog")
        };
        assert_eq!((edit.actor_id, edit.adding), (77, true));
        d.press("Lead");
        let effects = d.key(code(KeyCode::Enter));
        assert_eq!(
            effects,
            vec![Effect::Cast {
                movie_id: 2,
                request: CastRequest::Assign {
                    actor_id: 77,
                    name: "Zoe Kim".into(),
                    character: Some("Lead".into())
                }
            }]
        );
        let effects = d.act(Action::Done(Outcome::CastAssigned {
            movie_id: 2,
            actor: "Zoe Kim".into(),
            character: Some("Lead".into()),
            result: Ok(()),
        }));
        assert_eq!(
            effects,
            vec![Effect::FetchRelated {
                collection: Collection::Movies,
                id: 2
            }],
            "the cast is re-read"
        );
        assert!(matches!(mode(&d), CastMode::Browse));
        assert_eq!(status(&d.app), "Zoe Kim plays Lead");
    }

    #[test]
    fn changing_a_character_checks_it_and_shows_the_servers_refusal() {
        let mut d = opened(Role::ExecutiveProducer);
        d.press("je");
        let CastMode::Character(edit) = mode(&d) else {
            panic!("no character dialog")
        };
        assert_eq!(
            (edit.actor_id, edit.input.value(), edit.adding),
            (2, "Hero", false)
        );
        d.press(&"x".repeat(200));
        assert!(
            d.key(code(KeyCode::Enter)).is_empty(),
            "over 200 characters is not sent"
        );
        let CastMode::Character(edit) = mode(&d) else {
            panic!("no character dialog")
        };
        assert_eq!(
            edit.error.as_deref(),
            Some("must be at most 200 characters")
        );
        for _ in 0..204 {
            d.key(code(KeyCode::Backspace));
        }
        let effects = d.key(code(KeyCode::Enter));
        assert_eq!(
            effects,
            vec![Effect::Cast {
                movie_id: 2,
                request: CastRequest::Assign {
                    actor_id: 2,
                    name: entries()[1].actor.name.clone(),
                    character: None
                }
            }],
            "an emptied character means none"
        );
        let mut refusal = error(422);
        if let ApiError::Status { fields, .. } = &mut refusal {
            fields.insert("character".into(), "is not acceptable".into());
        }
        d.act(Action::Done(Outcome::CastAssigned {
            movie_id: 2,
            actor: "B".into(),
            character: None,
            result: Err(refusal),
        }));
        let CastMode::Character(edit) = mode(&d) else {
            panic!("the dialog stays")
        };
        assert_eq!(edit.error.as_deref(), Some("is not acceptable"));
    }

    #[test]
    fn removing_asks_first_with_cancel_selected() {
        let mut d = opened(Role::CastingDirector);
        d.press("x");
        assert!(matches!(
            d.app.confirm.as_ref().map(|c| &c.question),
            Some(Question::RemoveCast { actor_id: 1, .. })
        ));
        assert!(
            d.key(code(KeyCode::Enter)).is_empty(),
            "Enter on Cancel removes nobody"
        );
        assert!(d.app.confirm.is_none());
        assert!(matches!(mode(&d), CastMode::Browse));
        d.press("x");
        let effects = d.press("y");
        assert_eq!(
            effects,
            vec![Effect::Cast {
                movie_id: 2,
                request: CastRequest::Remove {
                    actor_id: 1,
                    name: entries()[0].actor.name.clone()
                }
            }]
        );
        d.key(code(KeyCode::Esc));
        assert!(d.app.dialog.is_none(), "Esc goes back to the movies");
    }

    #[test]
    fn an_assistant_can_look_but_not_change() {
        let mut d = opened(Role::CastingAssistant);
        for key in ["a", "e", "x"] {
            assert!(d.press(key).is_empty());
            assert!(matches!(mode(&d), CastMode::Browse), "{key}");
        }
        assert_eq!(
            status(&d.app),
            "Casting Assistant cannot change casts (patch:movies)"
        );
    }

    #[test]
    fn c_on_the_actors_tab_shows_the_filmography() {
        let mut d = Driven::new(Role::CastingAssistant, actors(5), movies(1));
        d.press("jj");
        assert_eq!(
            d.press("c"),
            vec![Effect::FetchRelated {
                collection: Collection::Actors,
                id: 3
            }]
        );
        assert!(matches!(d.app.dialog, Some(Dialog::Filmography(_))));
        d.press("q");
        assert!(
            d.app.dialog.is_none() && !d.app.quitting,
            "q closes the view first"
        );
    }
}
