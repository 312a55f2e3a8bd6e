//! Issue 14, driven by keys: nothing lost (conflicts; the session is in
//! `session.rs`), seeing everything (detail views, every list
//! moving alike, filters, the mouse), and context kept (selection, status).

use casting_shared::api::{CastEntry, FilmographyEntry};
use casting_shared::{Actor, Role};
use casting_tui::action::{Action, Mouse, Outcome, Related};
use casting_tui::api::ApiError;
use casting_tui::app::{Dialog, Effect};
use casting_tui::bindings::Command;
use casting_tui::cast::{CastMode, CastRequest};
use casting_tui::collection::Collection;
use crossterm::event::KeyCode;

use crate::support::*;

fn cast(count: usize) -> Vec<CastEntry> {
    actors(count)
        .into_iter()
        .map(|actor| CastEntry {
            actor,
            character: Some("Extra".into()),
        })
        .collect()
}

#[test]
fn loading_theirs_after_a_conflict_keeps_the_users_own_edits() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    let mine = actors(3)[0].clone();
    d.press("e");
    d.act(Action::Done(fetched_actor(
        mine.clone(),
        Some("\"1\"".into()),
    )));
    d.press(" Jr.");
    d.key(ctrl('s'));
    d.act(Action::Done(Outcome::Saved {
        collection: Collection::Actors,
        created: false,
        result: Err(error(412)),
    }));
    let theirs = Actor {
        gender: "Non-binary".into(),
        ..mine.clone()
    };
    d.act(Action::Done(fetched_actor(theirs, Some("\"2\"".into()))));
    d.key(ctrl('r'));
    assert_eq!(
        form_values(&d),
        vec![
            format!("{} Jr.", mine.name),
            mine.age.to_string(),
            "Non-binary".to_owned()
        ],
        "my name change stays; their gender comes in"
    );
    let effects = d.key(ctrl('s'));
    assert!(
        matches!(&effects[..], [Effect::Update { body, etag: Some(e), .. }]
            if *e == "\"2\"" && body.as_object().unwrap().len() == 1 && body["name"] == format!("{} Jr.", mine.name)),
        "only my change is sent, over their version: {effects:?}"
    );
}

#[test]
fn the_conflict_dialog_shows_the_whole_difference_wrapped() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    let mine = actors(3)[0].clone();
    d.press("e");
    d.act(Action::Done(fetched_actor(
        mine.clone(),
        Some("\"1\"".into()),
    )));
    d.press("x");
    d.key(ctrl('s'));
    d.act(Action::Done(Outcome::Saved {
        collection: Collection::Actors,
        created: false,
        result: Err(error(412)),
    }));
    let theirs = Actor {
        name: "Someone With A Considerably Longer Name Than Before".into(),
        age: 99,
        gender: "Non-binary".into(),
        ..mine
    };
    d.act(Action::Done(fetched_actor(theirs, Some("\"2\"".into()))));
    // The dialog's text, between its borders, lines joined, quotes dropped.
    let text: String = screen(&d.app, 80, 24)
        .lines()
        .filter_map(|line| {
            let first = line.find('║')?;
            let last = line.rfind('║')?;
            (last > first).then(|| line[first + '║'.len_utf8()..last].trim().to_owned())
        })
        .collect::<Vec<_>>()
        .join(" ")
        .replace('"', "");
    assert!(
        text.contains("Gender is now Non-binary (was Male)"),
        "the end of the difference is on screen: {text}"
    );
}

#[test]
fn reloading_says_so_until_the_rows_are_in_and_messages_expire() {
    let mut d = Driven::new(Role::CastingAssistant, actors(3), movies(1));
    d.press("R");
    assert_ne!(status(&d.app), "Reloading…", "the answer replaced it");
    assert!(status(&d.app).starts_with("Reloaded"));
    for _ in 0..casting_tui::app::STATUS_TICKS {
        d.act(Action::Tick);
    }
    assert_eq!(status(&d.app), "", "a success message goes after a while");
}

#[test]
fn enter_opens_the_detail_and_esc_walks_back_the_way_you_came() {
    let mut d = Driven::new(Role::CastingAssistant, actors(5), movies(3));
    d.press("2j");
    let effects = d.key(code(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![
            Effect::FetchRow {
                collection: Collection::Movies,
                id: 2
            },
            Effect::FetchRelated {
                collection: Collection::Movies,
                id: 2
            },
        ]
    );
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Movies,
        id: 2,
        result: Ok(Related::Cast(cast(3))),
    }));
    d.press("j");
    d.key(code(KeyCode::Enter));
    assert_eq!(d.app.details.len(), 2);
    assert_eq!(
        (d.app.details[1].collection, d.app.details[1].id),
        (Collection::Actors, 2)
    );
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Actors,
        id: 2,
        result: Ok(Related::Filmography(vec![FilmographyEntry {
            movie: movies(2)[1].clone(),
            character: None,
        }])),
    }));
    d.key(code(KeyCode::Enter));
    assert_eq!(d.app.details.len(), 3, "and on into the movie again");
    d.key(code(KeyCode::Esc));
    d.key(code(KeyCode::Esc));
    assert_eq!(d.app.details.len(), 1);
    assert_eq!(d.app.details[0].selected, 1, "the cast entry I came from");
    d.key(code(KeyCode::Esc));
    assert!(d.app.details.is_empty());
    assert_eq!((d.app.tab, d.app.movies.selected), (Collection::Movies, 1));
}

#[test]
fn deleting_says_how_many_cast_entries_go_with_it() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(2));
    let effects = d.press("2d");
    assert!(effects.contains(&Effect::FetchRelated {
        collection: Collection::Movies,
        id: 1
    }));
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Movies,
        id: 1,
        result: Ok(Related::Cast(cast(44))),
    }));
    let confirm = d.app.confirm.as_ref().unwrap();
    assert!(
        confirm.detail().contains("44 cast entries"),
        "{}",
        confirm.detail()
    );
}

#[test]
fn a_44_person_cast_moves_with_every_list_key() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(50), movies(2));
    d.press("2c");
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Movies,
        id: 1,
        result: Ok(Related::Cast(cast(44))),
    }));
    let selected = |d: &Driven| match &d.app.dialog {
        Some(Dialog::Cast(view)) => view.selected,
        _ => panic!("no cast"),
    };
    d.press("G");
    assert_eq!(selected(&d), 43);
    d.press("g");
    assert_eq!(selected(&d), 0);
    d.key(code(KeyCode::End));
    assert_eq!(selected(&d), 43);
    d.key(code(KeyCode::Home));
    d.key(code(KeyCode::PageDown));
    assert!(selected(&d) > 5);
    d.press("k");
    d.key(code(KeyCode::PageUp));
    assert_eq!(selected(&d), 0);
}

#[test]
fn the_picker_pages_through_every_match_and_marks_the_cast() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(2));
    d.press("2c");
    d.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Movies,
        id: 1,
        result: Ok(Related::Cast(cast(2))),
    }));
    d.press("a");
    d.act(Action::Done(Outcome::CastSearch {
        movie_id: 1,
        generation: 1,
        after: None,
        result: Ok(matches(actors(50), 120, Some("50"))),
    }));
    d.key(code(KeyCode::Tab));
    let effects = d.press("G");
    assert_eq!(
        effects,
        vec![Effect::Cast {
            movie_id: 1,
            request: CastRequest::Search {
                generation: 1,
                q: String::new(),
                after: Some("50".into())
            }
        }],
        "the next page of matches is fetched near the end"
    );
    let more: Vec<Actor> = (51..=100)
        .map(|i| Actor {
            id: i,
            ..actors(1)[0].clone()
        })
        .collect();
    d.act(Action::Done(Outcome::CastSearch {
        movie_id: 1,
        generation: 1,
        after: Some("50".into()),
        result: Ok(matches(more, 120, Some("100"))),
    }));
    let Some(Dialog::Cast(view)) = &d.app.dialog else {
        panic!()
    };
    let CastMode::Picker(picker) = &view.mode else {
        panic!()
    };
    assert_eq!(picker.results.len(), 100);
    d.press("g");
    let text = screen(&d.app, 80, 24);
    assert!(
        text.contains("✓1"),
        "actors already cast are marked, with ids:\n{text}"
    );
}

#[test]
fn the_filter_dialog_sends_the_servers_filters_and_the_title_shows_them() {
    let mut d = Driven::new(Role::CastingAssistant, actors(10), movies(2));
    d.press("f");
    d.press("Female");
    d.key(code(KeyCode::Tab));
    d.press("20");
    d.key(code(KeyCode::Tab));
    d.press("30");
    let effects = d.key(code(KeyCode::Enter));
    let filters: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchPage { request, .. } => Some(request.params.filters.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        filters[0],
        vec![
            ("gender", "Female".to_owned()),
            ("min_age", "20".to_owned()),
            ("max_age", "30".to_owned())
        ]
    );
    assert!(screen(&d.app, 80, 24).contains("gender Female, age 20–30"));
    d.key(code(KeyCode::Esc));
    assert!(d.app.actors.filters.is_empty(), "Esc clears them");
}

#[test]
fn the_selection_follows_its_record_and_stays_visible_when_the_window_shrinks() {
    let mut d = Driven::new(Role::CastingAssistant, actors(40), movies(1));
    d.press(&"j".repeat(15));
    let chosen = d.app.actors.selected_row().unwrap().id;
    d.press("s");
    assert_eq!(
        d.app.actors.selected_row().unwrap().id,
        chosen,
        "across a sort"
    );
    d.act(Action::Resize(80, 10));
    let viewport = d.app.viewport();
    let (selected, offset) = (d.app.actors.selected, d.app.actors.offset);
    assert!(
        selected >= offset && selected < offset + viewport,
        "{selected} {offset} {viewport}"
    );
    assert_eq!(d.app.actors.selected_row().unwrap().id, chosen);
}

#[test]
fn a_created_record_is_selected_and_after_a_delete_the_next_row_is() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(40), movies(1));
    d.act(Action::Done(Outcome::Saved {
        collection: Collection::Actors,
        created: true,
        result: Ok(33),
    }));
    assert_eq!(d.app.actors.selected_row().unwrap().id, 33);
    d.actors.remove(32);
    d.act(Action::Done(Outcome::Deleted {
        collection: Collection::Actors,
        id: 33,
        label: "gone".into(),
        result: Ok(()),
    }));
    assert_eq!(d.app.actors.selected_row().unwrap().id, 34);
}

#[test]
fn form_errors_clear_as_the_field_is_corrected_and_age_says_its_range() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    d.press("nAnn");
    d.key(code(KeyCode::Tab));
    d.press("-5");
    d.key(ctrl('s'));
    let error = |d: &Driven| match &d.app.dialog {
        Some(Dialog::Form(form)) => form.fields[1].error.clone(),
        _ => panic!(),
    };
    assert_eq!(error(&d).as_deref(), Some("must be between 0 and 150"));
    d.key(code(KeyCode::Backspace));
    d.key(code(KeyCode::Backspace));
    d.press("4");
    assert_eq!(error(&d), None, "the error goes once the age is right");
}

#[test]
fn help_scrolls_and_lists_only_what_the_role_may_do() {
    let mut d = Driven::new(Role::CastingAssistant, actors(3), movies(1));
    d.press("?");
    let text = d.screen_at(60, 15);
    assert!(!text.contains("new actor or movie"), "{text}");
    assert!(text.contains("Keys 1–"), "it says it scrolls: {text}");
    d.key(code(KeyCode::PageDown));
    assert!(d.app.help.unwrap() > 0);
    // Scrolled to the end, every line of help was on screen, none clipped.
    let layout = d.app.help_layout(60, 15);
    let mut seen = String::new();
    d.key(code(KeyCode::Home));
    loop {
        seen.push_str(&screen(&d.app, 60, 15));
        if d.app.help.unwrap() >= layout.last_scroll() {
            break;
        }
        d.key(code(KeyCode::PageDown));
    }
    for line in d.app.help_lines() {
        if let casting_tui::app::help::HelpLine::Key { what, .. } = line {
            let last_word = what.split(' ').next_back().unwrap();
            assert!(seen.contains(last_word), "{what:?} is cut:\n{seen}");
        }
    }
    d.key(code(KeyCode::Up));
    assert_eq!(
        d.app.help,
        Some(layout.last_scroll() - 1),
        "up from the end moves at once"
    );
    d.key(code(KeyCode::Esc));
    assert!(d.app.help.is_none());
}

#[test]
fn the_mouse_selects_scrolls_and_opens_and_can_be_turned_off() {
    let mut d = Driven::new(Role::CastingAssistant, actors(30), movies(3));
    d.act(Action::Mouse(Mouse::Click { column: 10, row: 6 }));
    assert_eq!(d.app.actors.selected, 2, "the third row");
    d.act(Action::Mouse(Mouse::ScrollDown));
    assert_eq!(d.app.actors.selected, 5, "three rows a notch");
    d.act(Action::Mouse(Mouse::DoubleClick { column: 10, row: 4 }));
    assert_eq!(d.app.details.len(), 1, "a double click opens the row");
    d.key(code(KeyCode::Esc));
    d.act(Action::Mouse(Mouse::Click { column: 30, row: 0 }));
    assert_eq!(d.app.tab, Collection::Movies, "a click on a tab selects it");
    d.app.mouse = false;
    d.act(Action::Mouse(Mouse::Click { column: 10, row: 0 }));
    assert_eq!(d.app.tab, Collection::Movies);
}

#[test]
fn keys_changed_in_the_config_drive_the_keymap_footer_and_help() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    let config = casting_tui::config::Config::parse("[keys]\ndelete = [\"D\"]").unwrap();
    d.app.configure(config).unwrap();
    assert!(d.press("d").is_empty());
    assert!(d.app.confirm.is_none());
    d.press("D");
    assert!(d.app.confirm.is_some());
    d.key(code(KeyCode::Esc));
    assert!(screen(&d.app, 100, 24).contains("D delete"));
    assert_eq!(
        d.app
            .bindings
            .keys_of(casting_tui::bindings::Context::Table, Command::Delete),
        "D"
    );
}

#[test]
fn a_filter_the_server_could_not_apply_is_not_shown_over_unfiltered_rows() {
    let mut d = Driven::new(Role::CastingAssistant, actors(10), movies(1));
    let effects = d.app.handle_key(char_key('/'));
    assert!(effects.is_empty());
    let effects = d.app.handle_key(char_key('z'));
    for effect in effects {
        if let Effect::FetchPage { request, .. } = effect {
            d.app.update(Action::Done(Outcome::Page {
                collection: Collection::Actors,
                request: Box::new(request),
                result: Err(ApiError::Unreachable("connection refused".into())),
            }));
        }
    }
    let text = screen(&d.app, 80, 24);
    assert!(
        !text.contains(&actors(10)[0].name),
        "unfiltered rows are hidden:\n{text}"
    );
    assert!(text.contains("could not be applied"), "{text}");
}

#[test]
fn a_row_that_answers_404_leaves_the_table() {
    let mut d = Driven::new(Role::ExecutiveProducer, actors(5), movies(1));
    d.press("e");
    d.actors.remove(0);
    d.act(Action::Done(Outcome::Fetched {
        collection: Collection::Actors,
        id: 1,
        result: Err(error(404)),
    }));
    assert_ne!(
        d.app.actors.row(0).unwrap().id,
        1,
        "the table was read again"
    );
}
