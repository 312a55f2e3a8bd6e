//! The binding table's checks: every key parses, no key runs two commands
//! in one view, the config's `[keys]`, and the book's key table.

use super::*;

#[test]
fn every_default_key_parses_and_no_key_runs_two_commands_in_one_view() {
    let bindings = Bindings::default();
    assert_eq!(bindings.entries.len(), defaults().count());
    for context in HELP_ORDER {
        let mut seen = std::collections::HashMap::new();
        for entry in bindings.in_context(*context) {
            for (_, key) in &entry.keys {
                if let Some(other) = seen.insert(*key, entry.binding.command) {
                    panic!(
                        "{context:?}: {key:?} runs {other:?} and {:?}",
                        entry.binding.command
                    );
                }
            }
        }
    }
}

#[test]
fn the_config_changes_keys_and_refuses_unknown_ones() {
    let overrides = BTreeMap::from([("delete".to_owned(), vec!["D".to_owned()])]);
    let bindings = Bindings::with_overrides(&overrides).unwrap();
    let d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::NONE);
    let capital = KeyEvent::new(KeyCode::Char('D'), KeyModifiers::SHIFT);
    assert_eq!(bindings.command(Context::Table, &d, false), None);
    assert_eq!(
        bindings.command(Context::Table, &capital, false),
        Some(Command::Delete)
    );
    let bad = BTreeMap::from([("explode".to_owned(), vec!["x".to_owned()])]);
    assert!(
        Bindings::with_overrides(&bad)
            .unwrap_err()
            .contains("no such action")
    );
    let bad = BTreeMap::from([("delete".to_owned(), vec!["Hyper-X".to_owned()])]);
    assert!(
        Bindings::with_overrides(&bad)
            .unwrap_err()
            .contains("not a key")
    );
}

#[test]
fn the_book_key_table_is_the_binding_table() {
    let chapter = include_str!("../../../docs/src/client.md");
    let start = chapter
        .find("<!-- keys:start -->\n")
        .expect("docs/src/client.md marks its key table");
    let end = chapter
        .find("<!-- keys:end -->")
        .expect("docs/src/client.md marks its key table");
    let table = &chapter[start + "<!-- keys:start -->\n".len()..end];
    assert_eq!(
        table,
        markdown_table(),
        "docs/src/client.md's key table differs from the bindings; paste this:\n{}",
        markdown_table()
    );
}
