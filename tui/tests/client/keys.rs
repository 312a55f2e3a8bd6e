//! The app driven by synthetic key events, without a terminal: navigation,
//! filter, sort, the new-actor dialog, and role-aware keys.

use casting_shared::Role;
use casting_tui::action::{Action, Outcome, Rows};
use casting_tui::api::{ApiError, ListPage};
use casting_tui::app::{Dialog, Effect};
use casting_tui::bindings::Command;
use casting_tui::collection::Collection;
use casting_tui::table::{End, PageRequest};

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
    // Round: Actors, Movies, Auditions.
    d.key(code(KeyCode::Tab));
    assert!(d.app.auditions_tab);
    d.key(code(KeyCode::Tab));
    assert_eq!((d.app.auditions_tab, d.app.tab), (false, Tab::Actors));
    d.key(code(KeyCode::BackTab));
    assert!(d.app.auditions_tab);
    d.key(code(KeyCode::BackTab));
    assert_eq!((d.app.auditions_tab, d.app.tab), (false, Tab::Movies));
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
    let first_by_name = d.app.actors.row(0).unwrap().id;
    assert!(
        sorts(&d.press("S")).is_empty(),
        "the same rows the other way round: nothing is read again"
    );
    assert_eq!(d.app.actors.params().sort, "-name");
    assert_eq!(
        d.app.actors.row(19).map(|a| a.id),
        Some(first_by_name),
        "the first by name is now the last"
    );
    assert_eq!(sorts(&d.press("s"))[0], "-age");
    assert_eq!(sorts(&d.press("s"))[0], "-gender", "every column sorts");
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
        request: Box::new(PageRequest {
            generation: old_generation,
            end: End::Head,
            page: 0,
            params: d.app.actors.params(),
        }),
        result: Ok(ListPage {
            rows: Rows::Actors(actors(2)),
            total: 2,
            total_exact: true,
            next: None,
        }),
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
    let effects = d.app.update(Action::Command(Command::Reload));
    let request = effects
        .into_iter()
        .find_map(|e| match e {
            Effect::FetchPage { request, .. } => Some(request),
            _ => None,
        })
        .expect("R reads the page on screen again");
    d.act(Action::Done(Outcome::Page {
        collection: Collection::Actors,
        request: Box::new(request),
        result: Err(ApiError::Unreachable("the request timed out".into())),
    }));
    assert_eq!(d.app.actors.selected_row().cloned(), before, "rows stay");
    assert!(status(&d.app).contains("timed out"));
}
