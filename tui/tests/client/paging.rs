//! Paging in the app, driven by keys: a filter so broad that the server
//! stops counting shows its total as a lower bound, and its end (`G`) is
//! counted from the end.

use casting_shared::Role;
use crossterm::event::KeyCode;

use crate::support::*;

#[test]
fn a_count_that_stopped_is_a_lower_bound_and_the_end_is_counted_from_it() {
    let mut d = Driven::new(Role::CastingAssistant, actors(24_000), movies(1));
    d.counted = Some(10_000);
    d.press("f");
    d.press("Female");
    d.key(code(KeyCode::Enter));
    let text = d.screen_at(80, 24);
    assert!(text.contains("actors: row 1 of 10 000+"), "{text}");
    d.press("G");
    let text = d.screen_at(80, 24);
    assert!(
        text.contains("actors: row 1 from the end of 10 000+"),
        "{text}"
    );
    assert!(
        text.contains("Amara Abara 24000"),
        "the last female:\n{text}"
    );
    d.press("kk");
    let text = d.screen_at(80, 24);
    assert!(text.contains("row 3 from the end of 10 000+"), "{text}");
    assert_eq!(d.app.actors.selected_row().map(|a| a.id), Some(23_996));
    d.press("g");
    let text = d.screen_at(80, 24);
    assert!(text.contains("row 1 of 10 000+"), "{text}");
    assert_eq!(d.app.actors.selected_row().map(|a| a.id), Some(2));
}

#[test]
fn an_unfiltered_count_is_exact_and_grouped_by_thousands() {
    let mut d = Driven::new(Role::CastingAssistant, actors(120_000), movies(1));
    d.counted = Some(10_000);
    d.press("G");
    let text = d.screen_at(80, 24);
    assert!(text.contains("row 120 000 of 120 000"), "{text}");
}
