//! The live feed in the app, driven by the feed's events: a colleague's
//! change refreshes the open table without moving the selection or the
//! scroll, highlights the row and says who did it; an open edit dialog
//! says at once that its record changed; casts, details and history
//! follow; the feed's own states (expired, gone, reconnecting) are handled.

use casting_shared::{Actor, Role};
use casting_tui::action::{Action, Outcome, Related};
use casting_tui::app::{Dialog, Effect, LiveStatus};
use casting_tui::collection::Collection;
use casting_tui::live::LiveEvent;
use crossterm::event::KeyCode;
use serde_json::{Value, json};

use crate::support::*;

fn fetched_pages(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::FetchPage { .. }))
        .count()
}

#[test]
fn a_colleagues_edit_shows_at_once_where_the_user_is_and_says_who() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(250), movies(1));
    d.key(code(KeyCode::PageDown));
    d.key(code(KeyCode::PageDown));
    d.press("jjj");
    let (selected, offset) = (d.app.actors.selected, d.app.actors.offset);
    let chosen = d.app.actors.selected_row().unwrap().id;
    let changed = d.app.actors.row(offset + 2).unwrap().id;
    let effects = colleague_sets_age(&mut d, "director", changed, 99);
    assert!(
        fetched_pages(&effects) >= 1,
        "the rows on screen are read again"
    );
    assert_eq!(d.app.actors.find(changed).map(|a| a.age), Some(99));
    assert_eq!(
        (d.app.actors.selected, d.app.actors.offset),
        (selected, offset),
        "the selection and the scroll stay"
    );
    assert_eq!(d.app.actors.selected_row().map(|a| a.id), Some(chosen));
    let name = &d.actors[changed as usize - 1].name.clone();
    assert_eq!(
        status(&d.app),
        format!("director changed {name}'s age to 99")
    );
    assert!(d.app.flashing(Collection::Actors, changed), "highlighted");
    assert!(drawn_highlighted(&d, name));
    for _ in 0..30 {
        d.act(Action::Tick);
    }
    assert!(!d.app.flashing(Collection::Actors, changed), "briefly");
    assert!(!drawn_highlighted(&d, name));
}

/// Whether the row showing `name` is drawn highlighted (bold italic
/// without colour).
fn drawn_highlighted(d: &Driven, name: &str) -> bool {
    use ratatui::style::Modifier;
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(&d.app, frame.area()))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let line = |y: u16| -> String { (0..80).map(|x| buffer[(x, y)].symbol()).collect() };
    let y = (0..24).find(|y| line(*y).contains(name)).unwrap();
    let x = line(y).find(name).unwrap() as u16;
    buffer[(x, y)]
        .modifier
        .contains(Modifier::BOLD | Modifier::ITALIC)
}

#[test]
fn a_burst_of_changes_reads_the_screen_once_per_answer() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(50), movies(1));
    // The answers are held back: changes arrive while the read is in flight.
    let first = d
        .app
        .update(Action::Done(Outcome::Live(LiveEvent::Change(Box::new(
            change(
                "director",
                "updated",
                "actor",
                1,
                actor_json(&d.actors[0]),
                actor_json(&d.actors[0]),
            ),
        )))));
    assert_eq!(fetched_pages(&first), 1);
    for id in 2..=10 {
        let a = actor_json(&d.actors[id as usize - 1]);
        let more = d
            .app
            .update(Action::Done(Outcome::Live(LiveEvent::Change(Box::new(
                change("director", "updated", "actor", id, a.clone(), a),
            )))));
        assert_eq!(fetched_pages(&more), 0, "one read in flight at a time");
    }
    let answered = d.act(Action::Tick);
    assert!(answered.is_empty());
    let Some(Effect::FetchPage { request, .. }) = first.into_iter().next() else {
        panic!("a page read");
    };
    let page = list_page(&d.actors.clone(), &request.params, |a| a.id);
    let after = d.act(Action::Done(Outcome::Page {
        collection: Collection::Actors,
        request: Box::new(request),
        result: Ok(page.map(casting_tui::action::Rows::Actors)),
    }));
    assert_eq!(
        fetched_pages(&after),
        1,
        "then once more, for all that came meanwhile"
    );
}

#[test]
fn the_users_own_changes_are_not_announced() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(10), movies(1));
    use base64::Engine;
    let claims =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"sub":"casting|producer"}"#);
    d.app.session.as_mut().unwrap().token = format!("e30.{claims}.sig");
    d.act(Action::Done(Outcome::Saved {
        collection: Collection::Actors,
        created: false,
        result: Ok(3),
    }));
    colleague_sets_age(&mut d, "producer", 3, 77);
    assert_eq!(status(&d.app), "Saved actor #3", "not replaced by its echo");
    assert!(!d.app.flashing(Collection::Actors, 3));
    assert_eq!(d.app.actors.find(3).map(|a| a.age), Some(77), "but shown");
}

#[test]
fn a_colleagues_delete_takes_the_row_away_and_the_next_is_selected() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(30), movies(1));
    d.press("jjjj");
    let gone = d.actors.remove(4);
    let next = d.actors[4].id;
    d.act(Action::Done(Outcome::Live(LiveEvent::Change(Box::new(
        change(
            "director",
            "deleted",
            "actor",
            gone.id,
            actor_json(&gone),
            Value::Null,
        ),
    )))));
    assert_eq!(d.app.actors.total, Some(29));
    assert!(d.app.actors.find(gone.id).is_none());
    assert_eq!(d.app.actors.selected, 4);
    assert_eq!(d.app.actors.selected_row().map(|a| a.id), Some(next));
    assert_eq!(
        status(&d.app),
        format!("director deleted actor {}", gone.name)
    );
}

#[test]
fn an_open_edit_dialog_says_at_once_that_a_colleague_changed_its_record() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(5), movies(1));
    let mine = d.actors[0].clone();
    d.press("e");
    d.act(Action::Done(fetched_actor(
        mine.clone(),
        Some("\"1\"".into()),
    )));
    d.press(" II");
    let effects = colleague_sets_age(&mut d, "director", 1, 62);
    assert!(
        effects.contains(&Effect::FetchRow {
            collection: Collection::Actors,
            id: 1
        }),
        "its version is read for overwriting"
    );
    let Some(Dialog::Form(form)) = &d.app.dialog else {
        panic!("the dialog stays open")
    };
    let conflict = form.conflict.clone().unwrap();
    assert!(
        conflict.contains(&format!(
            "director changed this actor: Age is now \"62\" (was \"{}\")",
            mine.age
        )),
        "{conflict}"
    );
    let text = screen(&d.app, 80, 24);
    assert!(text.contains("director changed this actor"), "{text}");
    d.act(Action::Done(fetched_actor(
        Actor {
            age: 62,
            ..mine.clone()
        },
        Some("\"2\"".into()),
    )));
    // The choices of a 412: Ctrl-R loads theirs and keeps the user's change.
    assert!(d.key(ctrl('r')).is_empty());
    assert_eq!(
        form_values(&d)[..2],
        [format!("{} II", mine.name), "62".to_owned()]
    );
    let effects = d.key(ctrl('s'));
    assert_eq!(
        effects,
        vec![Effect::Update {
            collection: Collection::Actors,
            id: 1,
            body: json!({"name": format!("{} II", mine.name)}),
            etag: Some("\"2\"".into()),
        }]
    );
    // While saving, the echo of the user's own save changes nothing.
    colleague_sets_age(&mut d, "producer", 1, 62);
    let Some(Dialog::Form(form)) = &d.app.dialog else {
        panic!("the dialog stays open while saving")
    };
    assert!(form.conflict.is_none());
}

#[test]
fn an_open_dialog_whose_record_a_colleague_deleted_says_so() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(5), movies(1));
    let gone = d.actors[0].clone();
    d.press("e");
    d.actors.remove(0);
    d.act(Action::Done(Outcome::Live(LiveEvent::Change(Box::new(
        change(
            "director",
            "deleted",
            "actor",
            1,
            actor_json(&gone),
            Value::Null,
        ),
    )))));
    let Some(Dialog::Form(form)) = &d.app.dialog else {
        panic!("the dialog stays open")
    };
    assert!(
        form.message
            .as_deref()
            .is_some_and(|m| m.starts_with("director deleted this actor meanwhile")),
        "{:?}",
        form.message
    );
}

#[test]
fn casts_filmographies_and_details_follow_the_changes_they_show() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(5), movies(3));
    d.press("2c");
    let entry = json!({"movie_id": 1, "actor_id": 4, "character": "Paul"});
    let effects = d.act(Action::Done(Outcome::Live(LiveEvent::Change(Box::new(
        change("director", "created", "cast", 1, Value::Null, entry),
    )))));
    assert!(effects.contains(&Effect::FetchRelated {
        collection: Collection::Movies,
        id: 1
    }));
    assert_eq!(
        status(&d.app),
        format!(
            "director cast {} in The Long Intermission 1 as Paul",
            d.actors[3].name
        )
    );
    // Read again with an entry before the selected one: it stays selected.
    let cast_of = |ids: &[usize]| {
        Related::Cast(
            ids.iter()
                .map(|i| casting_shared::api::CastEntry {
                    actor: d.actors[i - 1].clone(),
                    character: None,
                })
                .collect(),
        )
    };
    let (before, after) = (cast_of(&[1, 2, 3]), cast_of(&[1, 4, 2, 3]));
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Movies,
        id: 1,
        result: Ok(before),
    }));
    d.press("jj");
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Movies,
        id: 1,
        result: Ok(after),
    }));
    let Some(Dialog::Cast(view)) = &d.app.dialog else {
        panic!("the cast stays open")
    };
    assert_eq!(view.selected_entry().map(|e| e.actor.id), Some(3));
    d.key(code(KeyCode::Esc));

    // A detail view shows the record as changed; deleted, it says so.
    d.press("1");
    d.key(code(KeyCode::Enter));
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Actors,
        id: 1,
        result: Ok(Related::Filmography(Vec::new())),
    }));
    colleague_sets_age(&mut d, "director", 1, 70);
    assert!(matches!(
        &d.app.details[0].record,
        casting_tui::action::Record::Actor(a) if a.age == 70
    ));
    let gone = d.actors.remove(0);
    d.act(Action::Done(Outcome::Live(LiveEvent::Change(Box::new(
        change(
            "director",
            "deleted",
            "actor",
            1,
            actor_json(&gone),
            Value::Null,
        ),
    )))));
    assert!(d.app.details[0].gone);
    assert!(screen(&d.app, 80, 24).contains("director deleted this actor"));
}

#[test]
fn h_shows_who_changed_what_newest_first() {
    let mut d = Driven::new(Role::CastingAssistant, actors(5), movies(1));
    let ann = d.actors[0].clone();
    let effects = d.press("h");
    assert_eq!(
        effects,
        vec![Effect::FetchHistory {
            collection: Collection::Actors,
            id: 1
        }]
    );
    let older = Actor {
        age: 31,
        ..ann.clone()
    };
    let history = vec![
        change(
            "director",
            "updated",
            "actor",
            1,
            actor_json(&older),
            actor_json(&ann),
        ),
        change(
            "producer",
            "created",
            "actor",
            1,
            Value::Null,
            actor_json(&older),
        ),
    ];
    d.act(Action::Done(Outcome::History {
        collection: Collection::Actors,
        id: 1,
        result: Ok(history),
    }));
    insta::assert_snapshot!("history_of_an_actor_80x24", d.screen_at(80, 24));
    // A colleague's change to it while it is open is read in.
    let effects = colleague_sets_age(&mut d, "director", 1, 40);
    assert!(effects.contains(&Effect::FetchHistory {
        collection: Collection::Actors,
        id: 1
    }));
    d.press("q");
    assert!(d.app.dialog.is_none());
    // From a detail view too.
    d.key(code(KeyCode::Enter));
    assert!(!d.press("h").is_empty());
    assert!(matches!(d.app.dialog, Some(Dialog::History(_))));
}

#[test]
fn the_feeds_states_show_and_an_expired_stream_renews_the_session() {
    let mut d = Driven::new(Role::CastingAssistant, actors(5), movies(1));
    d.act(Action::Done(Outcome::Live(LiveEvent::Connected {
        resumed: true,
    })));
    assert_eq!(d.app.live, LiveStatus::Connected);
    assert!(
        screen(&d.app, 80, 24)
            .lines()
            .next()
            .unwrap()
            .contains("● live")
    );
    d.act(Action::Done(Outcome::Live(LiveEvent::Disconnected {
        why: "connection refused".into(),
        retry_in: std::time::Duration::from_secs(1),
    })));
    assert!(screen(&d.app, 80, 24).contains("○ reconnecting…"));
    let token = d.app.session.as_ref().unwrap().token.clone();
    let effects = d.act(Action::Done(Outcome::Live(LiveEvent::Expired { token })));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Refresh { .. })),
        "{effects:?}"
    );
    let effects = d.act(Action::Done(Outcome::Live(LiveEvent::Gone)));
    assert!(
        fetched_pages(&effects) >= 1,
        "everything on screen is read again"
    );
    assert!(status(&d.app).contains("read again"));
}

#[test]
fn a_server_without_the_feed_is_said_once_and_stays_so_for_the_next_user() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(5), movies(1));
    let effects = d.act(Action::Done(Outcome::Live(LiveEvent::Unavailable)));
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(d.app.live, LiveStatus::Unavailable);
    assert_eq!(
        status(&d.app),
        "Live updates are not available from this server: R reloads to see colleagues' changes"
    );
    let text = screen(&d.app, 80, 24);
    let tabs = text.lines().next().unwrap();
    assert!(tabs.contains("no live updates"), "{text}");
    assert!(!text.contains("reconnecting"), "{text}");
    // The feed is not followed again: another user on the same server
    // sees the same.
    d.press("L");
    d.press("y");
    assert!(d.app.session.is_none());
    assert_eq!(d.app.live, LiveStatus::Unavailable);
}
