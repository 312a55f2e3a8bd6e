//! Lists: `/` in a cast, a filmography and a detail view's list keeps the
//! entries that match (keys and snapshots at 80×24 and 60×15), and a record
//! created where it sorts off screen is found and selected.

use casting_shared::Role;
use casting_shared::api::{CastEntry, FilmographyEntry};
use casting_tui::action::{Action, Outcome, Related};
use casting_tui::app::Dialog;
use casting_tui::collection::Collection;
use crossterm::event::KeyCode;

use crate::support::*;

fn cast(count: usize) -> Vec<CastEntry> {
    actors(count)
        .into_iter()
        .map(|actor| CastEntry {
            character: Some(format!("Role of {}", actor.name)),
            actor,
        })
        .collect()
}

/// A producer on a movie's cast of 44.
fn cast_panel() -> Driven {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(50), movies(2));
    d.press("2c");
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Movies,
        id: 1,
        result: Ok(Related::Cast(cast(44))),
    }));
    d
}

fn selected_actor(d: &Driven) -> Option<String> {
    match &d.app.dialog {
        Some(Dialog::Cast(view)) => view.selected_entry().map(|e| e.actor.name.clone()),
        _ => panic!("no cast"),
    }
}

#[test]
fn slash_filters_a_cast_and_the_keys_act_on_what_is_shown() {
    let mut d = cast_panel();
    d.press("/dev");
    assert!(d.app.typing(), "letters are text in the filter line");
    let Some(Dialog::Cast(view)) = &d.app.dialog else {
        panic!("no cast")
    };
    let shown: Vec<String> = view.shown().iter().map(|e| e.actor.name.clone()).collect();
    assert!(shown.iter().all(|n| n.starts_with("Dev Valdés")));
    assert_eq!(shown.len(), 9, "{shown:?}");
    d.key(code(KeyCode::Down));
    assert_eq!(selected_actor(&d), Some(shown[1].clone()));
    d.key(code(KeyCode::Enter));
    assert!(
        !d.app.typing(),
        "Enter keeps the filter and gives the keys back"
    );
    d.press("G");
    assert_eq!(selected_actor(&d).as_deref(), Some("Dev Valdés 43"));
    d.key(code(KeyCode::Enter));
    assert_eq!(
        d.app.details.len(),
        1,
        "Enter opens the shown entry's actor"
    );
    assert_eq!(d.app.details[0].id, 43);
    d.key(code(KeyCode::Esc));
    d.press("/");
    d.key(code(KeyCode::Esc));
    let Some(Dialog::Cast(view)) = &d.app.dialog else {
        panic!("no cast")
    };
    assert_eq!(view.shown().len(), 44, "Esc clears the filter");
}

#[test]
fn slash_filters_a_filmography_and_a_detail_views_list_by_title_or_character() {
    let movie = |id: i64, title: &str, character: &str| FilmographyEntry {
        movie: casting_shared::Movie {
            id,
            title: title.into(),
            release_date: time::macros::date!(2020 - 01 - 01),
        },
        character: Some(character.into()),
    };
    let entries = vec![
        movie(1, "Quiet Engines", "Mechanic"),
        movie(2, "Copper Sky", "Pilot"),
        movie(3, "Salt and Static", "Quiet neighbour"),
    ];
    let mut d = Driven::new(Role::CastingAssistant, actors(3), movies(3));
    d.press("c");
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Actors,
        id: 1,
        result: Ok(Related::Filmography(entries.clone())),
    }));
    d.press("/quiet");
    let Some(Dialog::Filmography(view)) = &d.app.dialog else {
        panic!("no filmography")
    };
    let kept: Vec<i64> = view.shown().iter().map(|e| e.movie.id).collect();
    assert_eq!(kept, vec![1, 3], "by title or by character");
    d.key(code(KeyCode::Esc));
    d.key(code(KeyCode::Esc));
    assert!(d.app.dialog.is_none());

    d.key(code(KeyCode::Enter));
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Actors,
        id: 1,
        result: Ok(Related::Filmography(entries)),
    }));
    d.press("/pilot");
    d.key(code(KeyCode::Enter));
    d.key(code(KeyCode::Enter));
    assert_eq!(
        d.app.details.last().map(|v| (v.collection, v.id)),
        Some((Collection::Movies, 2)),
        "Enter opens the one entry shown"
    );
}

#[test]
fn a_filtered_cast_at_both_sizes() {
    let mut d = cast_panel();
    d.press("/chi");
    insta::assert_snapshot!("filtered_cast_80x24", d.screen_at(80, 24));
    insta::assert_snapshot!("filtered_cast_60x15", d.screen_at(60, 15));
}

#[test]
fn a_record_created_where_it_sorts_off_screen_is_found_and_selected() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(250), movies(1));
    assert_eq!(d.app.actors.selected_row().map(|a| a.id), Some(1));
    d.act(Action::Done(Outcome::Saved {
        collection: Collection::Actors,
        created: true,
        result: Ok(233),
    }));
    assert_eq!(
        d.app.actors.selected_row().map(|a| a.id),
        Some(233),
        "its page was read and it is selected"
    );
    let viewport = d.app.viewport();
    assert!(
        (d.app.actors.offset..d.app.actors.offset + viewport).contains(&d.app.actors.selected),
        "and on screen"
    );
    assert!(status(&d.app).contains("Created actor #233"));
}
