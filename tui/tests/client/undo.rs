//! Issue 30's undo, recent changes, marks and copy, driven by keys: what
//! each key asks the runtime to do, what the screen and the status say,
//! and the refusals a role gets.

use casting_shared::Role;
use casting_shared::changes::ChangeAction;
use casting_tui::action::{Action, Outcome};
use casting_tui::app::{Dialog, Effect};
use casting_tui::collection::Collection;
use casting_tui::undo::{Reply, Request, Target};

use crate::support::*;

#[test]
fn an_assistant_cannot_undo_and_is_told_why() {
    let mut d = Driven::new(Role::CastingAssistant, actors(5), movies(1));
    let effects = d.press("u");
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        status(&d.app).starts_with("Casting Assistant cannot undo changes (patch:actors)"),
        "{}",
        status(&d.app)
    );
    let screen = d.screen_at(100, 24);
    assert!(!screen.contains("u undo"), "not offered:\n{screen}");
}

#[test]
fn u_after_a_delete_undoes_the_users_own_delete_of_that_row() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(5), movies(1));
    d.press("u");
    assert!(status(&d.app).starts_with("Nothing to undo"));
    d.act(Action::Done(Outcome::Deleted {
        collection: Collection::Actors,
        id: 3,
        label: "Dev Valdés 3".into(),
        result: Ok(()),
    }));
    let effects = d.press("u");
    let Some(Effect::Changes(Request::Undo(steps))) = effects.first() else {
        panic!("{effects:?}")
    };
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].what, "the delete of actor Dev Valdés 3");
    assert!(matches!(
        &steps[0].target,
        Target::Latest {
            collection: Collection::Actors,
            id: 3,
            action: ChangeAction::Deleted,
            ..
        }
    ));
    assert!(status(&d.app).starts_with("Undoing the delete of actor Dev Valdés 3"));
    // A 409: said clearly, and nothing else to undo.
    let mut conflict = error(409);
    if let casting_tui::api::ApiError::Status { detail, .. } = &mut conflict {
        *detail = Some("change 7 cannot be undone: actor 3 changed since".into());
    }
    d.act(Action::Done(Outcome::Changes(Box::new(Reply::Undone(
        vec![(steps[0].clone(), Err(conflict))],
    )))));
    assert_eq!(
        status(&d.app),
        "Cannot undo the delete of actor Dev Valdés 3: it changed since — 409 conflict: \
         change 7 cannot be undone: actor 3 changed since. Nothing was changed."
    );
    d.press("u");
    assert!(status(&d.app).starts_with("Nothing to undo"));
}

#[test]
fn space_marks_rows_d_asks_once_listing_them_and_esc_unmarks() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(10), movies(1));
    d.press(" j j ");
    assert_eq!(d.app.marks.count(Collection::Actors), 3);
    let screen = d.screen_at(100, 24);
    assert!(screen.contains("· 3 marked"), "{screen}");
    assert!(screen.contains("● 1 "), "{screen}");
    // Space again on a marked row unmarks it.
    d.press(" ");
    assert_eq!(d.app.marks.count(Collection::Actors), 2);
    d.press("j d");
    let screen = d.screen_at(100, 24);
    assert!(screen.contains("Delete these 3 actors?"), "{screen}");
    for name in [
        "Benedict Haddad 1",
        "Chiara O'Connell 2",
        "Elena Castellano 4",
    ] {
        assert!(screen.contains(name), "{name}:\n{screen}");
    }
    let effects = d.press("y");
    assert!(
        matches!(effects.as_slice(), [Effect::Changes(Request::DeleteMany { rows, .. })] if rows.len() == 3),
        "{effects:?}"
    );
    d.act(Action::Done(Outcome::Changes(Box::new(
        Reply::DeletedMany {
            collection: Collection::Actors,
            results: vec![
                (1, "Benedict Haddad 1".into(), Ok(())),
                (2, "Chiara O'Connell 2".into(), Ok(())),
                (4, "Elena Castellano 4".into(), Err(error(403))),
            ],
        },
    ))));
    assert!(
        status(&d.app).starts_with("Deleted 2 of 3 actors; Elena Castellano 4: 403"),
        "{}",
        status(&d.app)
    );
    assert_eq!(
        d.app.marks.count(Collection::Actors),
        1,
        "the one not deleted stays marked"
    );
    let effects = d.press("u");
    let Some(Effect::Changes(Request::Undo(steps))) = effects.first() else {
        panic!("{effects:?}")
    };
    let ids: Vec<i64> = steps
        .iter()
        .map(|s| match s.target {
            Target::Latest { id, .. } => id,
            Target::Seq(_) => 0,
        })
        .collect();
    assert_eq!(ids, vec![2, 1], "the newest first");
    d.key(code(crossterm::event::KeyCode::Esc));
    assert_eq!(d.app.marks.count(Collection::Actors), 0);
    assert_eq!(status(&d.app), "Unmarked 1 actor");
    // A marked row a colleague deletes is no longer marked.
    d.press(" ");
    assert_eq!(d.app.marks.count(Collection::Actors), 1);
    let selected = d.app.actors.selected_row().unwrap().clone();
    d.act(Action::Done(Outcome::Live(
        casting_tui::live::LiveEvent::Change(Box::new(change(
            "director",
            "deleted",
            "actor",
            selected.id,
            actor_json(&selected),
            serde_json::Value::Null,
        ))),
    )));
    assert_eq!(d.app.marks.count(Collection::Actors), 0);
}

#[test]
fn y_copies_the_selected_row_or_the_marked_rows_as_text() {
    let mut d = Driven::new(Role::CastingAssistant, actors(5), movies(1));
    let effects = d.press("y");
    assert_eq!(
        effects,
        vec![Effect::Copy(
            "ID\tName\tAge\tGender\n1\tBenedict Haddad 1\t19\tMale".into()
        )]
    );
    assert!(status(&d.app).starts_with("Copied Benedict Haddad 1 to the clipboard"));
    let effects = d.press(" j ");
    assert!(effects.iter().all(|e| !matches!(e, Effect::Copy(_))));
    let effects = d.press("y");
    let Some(Effect::Copy(text)) = effects.first() else {
        panic!("{effects:?}")
    };
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(status(&d.app).starts_with("Copied 2 actors"));
}

#[test]
fn c_lists_the_feed_newest_first_and_live_changes_join_it() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(5), movies(1));
    let effects = d.press("C");
    assert_eq!(
        effects,
        vec![Effect::Changes(Request::Feed { after: None })]
    );
    let old = change(
        "director",
        "deleted",
        "actor",
        9,
        actor_json(&actors(9)[8]),
        serde_json::Value::Null,
    );
    d.act(Action::Done(Outcome::Changes(Box::new(Reply::Feed {
        after: None,
        result: Ok(casting_shared::changes::ChangeList {
            success: true,
            changes: vec![old],
            next: 109,
        }),
    }))));
    colleague_sets_age(&mut d, "director", 2, 77);
    let Some(Dialog::Changes(view)) = &d.app.dialog else {
        panic!("no recent changes")
    };
    let seqs: Vec<i64> = view
        .entries
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| c.seq)
        .collect();
    assert_eq!(seqs, vec![109, 102]);
    let screen = d.screen_at(100, 24);
    assert!(
        screen.contains("Recent changes, newest first — 2 changes"),
        "{screen}"
    );
    assert!(
        screen.contains("changed Amara Abara 2's age to 77") || screen.contains("age to 77"),
        "{screen}"
    );
    // The newest is selected; the one under it is the colleague's edit.
    d.press("j");
    let effects = d.press("u");
    assert!(
        matches!(effects.as_slice(), [Effect::Changes(Request::Undo(steps))] if steps[0].target == Target::Seq(102)),
        "{effects:?}"
    );
    // Enter opens the record, h its history; Esc comes back to the list from both.
    d.key(code(crossterm::event::KeyCode::Enter));
    assert_eq!(d.app.details.len(), 1);
    d.key(code(crossterm::event::KeyCode::Esc));
    assert!(matches!(d.app.dialog, Some(Dialog::Changes(_))));
    let effects = d.press("h");
    assert!(
        effects.contains(&Effect::FetchHistory {
            collection: Collection::Actors,
            id: 2
        }),
        "{effects:?}"
    );
    assert!(matches!(d.app.dialog, Some(Dialog::History(_))));
    d.key(code(crossterm::event::KeyCode::Esc));
    assert!(matches!(d.app.dialog, Some(Dialog::Changes(_))));
    for (width, height) in [(10, 3), (20, 5), (40, 10)] {
        d.screen_at(width, height);
    }
    // An assistant may look, not undo.
    let mut a = Driven::new(Role::CastingAssistant, actors(5), movies(1));
    a.press("C");
    a.act(Action::Done(Outcome::Live(
        casting_tui::live::LiveEvent::Change(Box::new(change(
            "director",
            "updated",
            "actor",
            2,
            actor_json(&actors(2)[1]),
            actor_json(&actors(2)[1]),
        ))),
    )));
    assert!(a.press("u").is_empty());
    assert!(
        status(&a.app).starts_with("Casting Assistant cannot undo this change (patch:actors)"),
        "{}",
        status(&a.app)
    );
}
