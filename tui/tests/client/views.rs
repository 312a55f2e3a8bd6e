//! Snapshots of the new views at 80×24 and at 60×15: detail, help, filter
//! and export dialogs, the login overlay, a wrapped conflict, a delete that
//! counts its cast entries, the picker, and the light theme's layout.

use std::collections::BTreeMap;

use casting_shared::Role;
use casting_shared::api::CastEntry;
use casting_tui::action::{Action, Outcome, Related};
use casting_tui::api::ApiError;
use casting_tui::collection::Collection;
use crossterm::event::KeyCode;

use crate::support::*;

/// Both sizes the issue asks for, one snapshot each, the app resized to
/// each as the terminal would be.
fn snapshots(name: &str, d: &mut Driven) {
    insta::assert_snapshot!(format!("{name}_80x24"), d.screen_at(80, 24));
    insta::assert_snapshot!(format!("{name}_60x15"), d.screen_at(60, 15));
}

fn cast(count: usize) -> Vec<CastEntry> {
    actors(count)
        .into_iter()
        .map(|actor| CastEntry {
            actor,
            character: Some("A character whose name is long enough to be clipped".into()),
        })
        .collect()
}

fn movie_detail() -> Driven {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(10), movies(3));
    d.press("2j");
    d.key(code(KeyCode::Enter));
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Movies,
        id: 2,
        result: Ok(Related::Cast(cast(6))),
    }));
    d
}

#[test]
fn detail_of_a_movie_with_its_cast() {
    snapshots("detail_of_a_movie", &mut movie_detail());
}

#[test]
fn detail_of_an_actor_in_no_movie() {
    let mut d = Driven::new(Role::CastingAssistant, actors(10), movies(3));
    d.key(code(KeyCode::Enter));
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Actors,
        id: 1,
        result: Ok(Related::Filmography(Vec::new())),
    }));
    snapshots("detail_of_an_actor_in_no_movie", &mut d);
}

#[test]
fn help_for_an_assistant() {
    let mut d = Driven::new(Role::CastingAssistant, actors(10), movies(3));
    d.press("?");
    snapshots("help_for_an_assistant", &mut d);
}

#[test]
fn filter_dialog() {
    let mut d = Driven::new(Role::CastingAssistant, actors(10), movies(3));
    d.press("fMale");
    d.key(code(KeyCode::Tab));
    d.press("70");
    d.key(code(KeyCode::Tab));
    d.press("20");
    d.key(code(KeyCode::Enter));
    snapshots("filter_dialog_with_an_error", &mut d);
}

#[test]
fn filtered_table() {
    let mut d = Driven::new(Role::CastingAssistant, actors(10), movies(3));
    d.press("fFemale");
    d.key(code(KeyCode::Tab));
    d.press("22");
    d.key(code(KeyCode::Enter));
    let shown = d.screen_at(80, 24);
    for actor in actors(10) {
        let kept = actor.gender == "Female" && actor.age >= 22;
        assert_eq!(
            shown.contains(&format!(" {} ", actor.name)),
            kept,
            "{} (age {}, {}):\n{shown}",
            actor.name,
            actor.age,
            actor.gender
        );
    }
    snapshots("table_with_server_filters", &mut d);
}

#[test]
fn export_dialog() {
    let mut d = Driven::new(Role::CastingAssistant, actors(10), movies(3));
    d.press("x");
    snapshots("export_dialog", &mut d);
}

#[test]
fn delete_question_counts_the_cast_entries() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(10), movies(3));
    d.press("jd");
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Actors,
        id: 2,
        result: Ok(Related::Filmography(Vec::new())),
    }));
    snapshots("delete_question_with_no_cast_entries", &mut d);
}

#[test]
fn login_overlay_over_an_open_dialog() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(10), movies(3));
    d.press("e");
    d.press(" Jr.");
    d.key(ctrl('s'));
    d.act(Action::Done(Outcome::Saved {
        collection: Collection::Actors,
        created: false,
        result: Err(ApiError::Status {
            status: 401,
            message: "unauthorized".into(),
            detail: None,
            fields: BTreeMap::new(),
            retry_after: None,
        }),
    }));
    snapshots("login_overlay", &mut d);
}

#[test]
fn wide_table_columns_follow_the_content() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(10), movies(3));
    insta::assert_snapshot!(d.screen_at(200, 14));
    insta::assert_snapshot!(d.screen_at(40, 10));
}
