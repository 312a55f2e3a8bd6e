//! The app driven by synthetic keys through its dialogs: saving with
//! If-Match, conflicts, deletes, the server's field errors, Esc and Alt.

use casting_shared::Role;
use casting_tui::action::{Action, Outcome, Related};
use casting_tui::api::ApiError;
use casting_tui::app::{Button, Dialog, Effect};
use casting_tui::collection::Collection;
use casting_tui::confirm::Question;

use crossterm::event::KeyCode;
use serde_json::json;

use crate::support::*;

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
        Some("Not saved. Someone else changed this actor: Age is now \"61\" (was \"19\").")
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

/// The first actor's edit dialog with its age changed to 10 (from 19), its
/// version not yet read.
fn editing_the_age() -> Driven {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    d.press("e");
    d.key(code(KeyCode::Tab));
    d.key(code(KeyCode::Backspace));
    d.press("0");
    d
}

fn update(etag: &str) -> Effect {
    Effect::Update {
        collection: Collection::Actors,
        id: 1,
        body: json!({"age": 10}),
        etag: Some(etag.into()),
    }
}

fn conflict(d: &Driven) -> String {
    match &d.app.dialog {
        Some(Dialog::Form(form)) => form.conflict.clone().unwrap_or_default(),
        _ => panic!("the dialog stays open"),
    }
}

#[test]
fn every_save_of_the_edit_dialog_names_the_version_the_user_started_from() {
    let read = Effect::FetchRow {
        collection: Collection::Actors,
        id: 1,
    };
    let mine = actors(3)[0].clone();
    let theirs = casting_shared::Actor {
        age: 62,
        ..mine.clone()
    };

    // Saved before its version was read: read first, then sent with it.
    let mut d = editing_the_age();
    assert_eq!(d.key(ctrl('s')), vec![read.clone()], "nothing sent yet");
    let effects = d.act(Action::Done(fetched_actor(
        mine.clone(),
        Some("\"1\"".into()),
    )));
    assert_eq!(effects, vec![update("\"1\"")]);

    // A colleague's change arrives before the version: the save waits for
    // it, the server refuses it (412), and the choices come.
    let mut d = editing_the_age();
    colleague_sets_age(&mut d, "director", 1, 62);
    assert_eq!(
        d.key(ctrl('s')),
        vec![read.clone()],
        "never without If-Match"
    );
    let effects = d.act(Action::Done(fetched_actor(
        mine.clone(),
        Some("\"1\"".into()),
    )));
    assert_eq!(effects, vec![update("\"1\"")]);
    d.act(Action::Done(Outcome::Saved {
        collection: Collection::Actors,
        created: false,
        result: Err(error(412)),
    }));
    d.act(Action::Done(fetched_actor(
        theirs.clone(),
        Some("\"2\"".into()),
    )));
    assert_eq!(
        conflict(&d),
        "Not saved. director changed this actor: Age is now \"62\" (was \"19\")."
    );
    assert_eq!(
        d.key(ctrl('o')),
        vec![update("\"2\"")],
        "overwriting is asked for"
    );

    // The version read is already theirs: the one the user started from
    // can no longer be named, and the save is refused as the server would.
    let mut d = editing_the_age();
    colleague_sets_age(&mut d, "director", 1, 62);
    d.key(ctrl('s'));
    let effects = d.act(Action::Done(fetched_actor(theirs, Some("\"2\"".into()))));
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(
        conflict(&d),
        "Not saved. director changed this actor: Age is now \"62\" (was \"19\")."
    );
    // Its own version, read late, is what a second Ctrl-S names.
    d.act(Action::Done(fetched_actor(mine, Some("\"1\"".into()))));
    assert_eq!(d.key(ctrl('s')), vec![update("\"1\"")]);
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
