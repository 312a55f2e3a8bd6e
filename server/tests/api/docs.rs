//! The book in `docs/`: its Layout chapter names every source file of the
//! repository and only paths that exist, so a newcomer can trust it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Files under `dir` (relative to the repository), recursively, as
/// repository paths with `/`; `keep` picks them by name. Byte code, editor
/// leftovers and hidden files are nobody's source.
fn files_under(dir: &str, keep: &dyn Fn(&str) -> bool, into: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(repository().join(dir)) else {
        return;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "__pycache__" || name.ends_with(".pyc") {
            continue;
        }
        if name.ends_with(".swp") || name.ends_with('~') {
            continue;
        }
        let path = format!("{dir}/{name}");
        if entry.file_type().unwrap().is_dir() {
            files_under(&path, keep, into);
        } else if keep(&name) {
            into.insert(path);
        }
    }
}

/// What the chapter must name: the Rust sources of every crate and fuzz
/// target, and every file of the tool folders.
fn source_files() -> BTreeSet<String> {
    let rust = |name: &str| name.ends_with(".rs");
    let any = |_: &str| true;
    let mut files = BTreeSet::new();
    for crate_dir in ["shared", "server", "tui"] {
        for dir in ["src", "benches"] {
            files_under(&format!("{crate_dir}/{dir}"), &rust, &mut files);
        }
    }
    files_under("fuzz/fuzz_targets", &rust, &mut files);
    for dir in ["scripts", "bench", "deploy"] {
        files_under(dir, &any, &mut files);
    }
    files.extend(["fuzz/run".to_owned(), ".ci/run".to_owned()]);
    files
}

/// The chapter's words that are repository paths (`server/src/db/`,
/// `tui/src/api/mod.rs`), without the markup around them.
fn named_paths(chapter: &str) -> BTreeSet<String> {
    const ROOTS: &[&str] = &[
        "server/",
        "shared/",
        "tui/",
        "scripts/",
        "bench/",
        "deploy/",
        "fuzz/",
        "docs/",
        "migrations/",
        ".ci/",
    ];
    chapter
        .split_whitespace()
        .map(|word| {
            word.trim_start_matches(['`', '(', '['])
                .trim_end_matches(['`', ')', ']', ',', ';', ':', '.'])
        })
        .filter(|word| ROOTS.iter().any(|root| word.starts_with(root)))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_layout_chapter_names_every_source_file_and_only_paths_that_exist() {
    let chapter_path = repository().join("docs/src/layout.md");
    let chapter = std::fs::read_to_string(&chapter_path).unwrap();
    let named = named_paths(&chapter);
    let missing: Vec<_> = source_files()
        .into_iter()
        .filter(|file| !named.contains(file))
        .collect();
    let gone: Vec<_> = named
        .iter()
        .filter(|path| !repository().join(path.as_str()).exists())
        .collect();
    assert!(
        missing.is_empty() && gone.is_empty(),
        "docs/src/layout.md does not name {} file(s), one line each:\n{}\nand names {} path(s) \
         that do not exist:\n{}",
        missing.len(),
        missing.join("\n"),
        gone.len(),
        gone.iter()
            .map(|path| path.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    );
}
