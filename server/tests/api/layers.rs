//! The layers only look down, and no crate imports in a circle: `shared`
//! ← the store (`server/src/db/`: SQL, no HTTP) ← the API (routes,
//! extractors, errors, middleware) ← start-up (the book's Layout chapter,
//! "Layers").
//!
//! Read from the sources rather than with a tool made for it:
//! `cargo-modules dependencies --acyclic` stands on rust-analyzer's crates,
//! a long install on CI's two cores for one check. The paths say enough:
//! every `use`, and every path in code or attributes that starts with
//! `crate::`, `super::`, `self::`, a child module or a name imported by
//! `use`, is resolved to the file that defines what it names (through
//! re-exports), which makes a graph of the files. What counts as an import:
//! - a module's own file using what it owns does not (its `mod` lines,
//!   `db/mod.rs` dispatching to `postgres::PgStore`): a module's children
//!   are parts of it;
//! - a child's `super::X` does, and so does any other file's import;
//! - a re-export is a signpost, not a dependency: a `use` whose name the
//!   file does not use itself (`pub use types::*`) adds no edge; the file
//!   that names the item through it depends on the file that defines it;
//! - tests inside a file count as the file.
//!
//! The graph is read level by level of the module tree: at each module, its
//! own file and each child module taken whole (every file under it) must
//! not import each other in a circle. So a circle through a whole module
//! (the store reaching the metrics, which read the store) is found even
//! where no two single files make one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn no_crate_imports_in_a_circle() {
    let mut failures = Vec::new();
    for krate in ["shared", "server", "tui"] {
        let graph = Graph::of(&repository().join(krate).join("src"));
        for cycle in graph.cycles() {
            failures.push(format!("{krate}: {cycle}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The store is the server's lowest layer: what it needs from above (a
/// metric, an HTTP parser) it takes as a parameter, never by importing it;
/// and it speaks SQL, not HTTP.
#[test]
fn the_store_imports_nothing_of_the_server_outside_it_and_no_http() {
    const HTTP: &[&str] = &[
        "axum",
        "http",
        "http_body",
        "hyper",
        "hyper_util",
        "tower",
        "tower_http",
        "utoipa",
        "utoipa_axum",
    ];
    let graph = Graph::of(&repository().join("server/src"));
    let store = |file: &str| file.starts_with("src/db/");
    let mut violations = Vec::new();
    for (from, names) in graph.named.iter().filter(|(from, _)| store(from)) {
        for (to, path) in names {
            if !store(to) {
                violations.push(format!("  {from} imports {path} ({to})"));
            }
        }
    }
    for (from, crates) in graph.other_crates.iter().filter(|(from, _)| store(from)) {
        for (krate, path) in crates {
            if HTTP.contains(&krate.as_str()) {
                violations.push(format!("  {from} imports {path}"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "server/src/db/ must import nothing of the server outside it, and nothing of HTTP \
         (the store knows nothing of HTTP, metrics or start-up; take what it needs as a \
         parameter):\n{}",
        violations.join("\n")
    );
}

/// The check itself: a circle through a whole module is found, with the
/// imports that make it; a module using what it owns is none.
#[test]
fn the_check_finds_a_circle_through_a_module_and_not_a_module_using_its_parts() {
    let src = std::env::temp_dir().join(format!("layers-check-{}", std::process::id()));
    let write = |file: &str, text: &str| {
        let path = src.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "pub mod store;\npub mod meter;\n");
    // The module's own file uses its child, the child its parent: no
    // circle. Paths in comments and strings are no imports.
    write(
        "store/mod.rs",
        "mod pool;\npub use pool::Stats;\npub struct Store(pool::Pool);\n\
         pub const LIMIT: u32 = 1; // not crate::meter::record\n\
         pub const NAME: &str = \"crate::meter::record\";\n",
    );
    write(
        "store/pool.rs",
        "use super::LIMIT;\npub struct Pool;\npub struct Stats;\n\
         fn wait() { crate::meter::record(LIMIT); }\n",
    );
    write(
        "meter.rs",
        "use crate::store::{Stats, Store};\npub fn record(_: u32) {}\n\
         pub fn read(_: &Store) -> Option<Stats> { None }\n",
    );
    let graph = Graph::of(&src);
    let cycles: Vec<String> = graph.cycles().iter().map(ToString::to_string).collect();
    std::fs::remove_dir_all(&src).unwrap();
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    for needed in [
        "2 parts of src/lib.rs (3 files)",
        "src/store/mod.rs and 1 file under it",
        "src/store/pool.rs uses crate::meter::record",
    ] {
        assert!(cycles[0].contains(needed), "{needed:?} in {}", cycles[0]);
    }
    let imports = |file: &str| graph.edges[file].keys().cloned().collect::<Vec<_>>();
    // `Stats` through the re-export, to the file that defines it.
    assert_eq!(
        imports("src/meter.rs"),
        ["src/store/mod.rs", "src/store/pool.rs"]
    );
    assert_eq!(imports("src/store/mod.rs"), ["src/store/pool.rs"]);
    assert_eq!(
        imports("src/store/pool.rs"),
        ["src/meter.rs", "src/store/mod.rs"]
    );
}

/// A crate's files, and which file's items each one names.
struct Graph {
    /// File → file it depends on → the first path that made it so.
    edges: BTreeMap<String, BTreeMap<String, String>>,
    /// File → every file it names in a `use` or a path, re-exports
    /// included, with the path: what the layer rules look at.
    named: BTreeMap<String, BTreeMap<String, String>>,
    /// File → first segment of each path it names outside the crate (another
    /// crate, mostly) → the first such path.
    other_crates: BTreeMap<String, BTreeMap<String, String>>,
    /// Each file's module path, the root's file name first.
    modules: BTreeMap<String, Vec<String>>,
}

impl Graph {
    /// The graph of the crate (or crates: a library and a binary) in `src`.
    fn of(src: &Path) -> Graph {
        let mut tree = Tree::default();
        for root in ["lib.rs", "main.rs"] {
            if src.join(root).exists() {
                // Each root is a crate of its own: its modules' paths start with its name.
                tree.load(src, Path::new(root), vec![root.to_owned()]);
            }
        }
        tree.graph()
    }

    /// The cycles at every level of the module tree. At a module's level
    /// the parts are its own file and each child module taken whole (with
    /// every module under it); an import from a part to another is an edge,
    /// except the module's own file using a child: it owns it. A cycle
    /// between files of one child shows at that child's level; one that
    /// leaves a module and comes back, at the level where both ends are
    /// parts.
    fn cycles(&self) -> Vec<Cycle> {
        let mut levels = BTreeSet::new();
        for path in self.modules.values() {
            for len in 1..=path.len() {
                levels.insert(path[..len].to_vec());
            }
        }
        let mut found = Vec::new();
        for level in levels {
            let part_of = |file: &str| -> Option<Vec<String>> {
                let path = &self.modules[file];
                path.starts_with(&level)
                    .then(|| path[..(level.len() + 1).min(path.len())].to_vec())
            };
            let mut parts: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
            // One import per pair of parts, to show.
            let mut through: BTreeMap<(Vec<String>, Vec<String>), String> = BTreeMap::new();
            for (from, tos) in &self.edges {
                let Some(a) = part_of(from) else { continue };
                parts.entry(a.clone()).or_default();
                for (to, written) in tos {
                    match part_of(to) {
                        Some(b) if b != a && a != level => {
                            parts.get_mut(&a).unwrap().insert(b.clone());
                            through
                                .entry((a.clone(), b))
                                .or_insert_with(|| format!("{from} uses {written}"));
                        }
                        _ => {}
                    }
                }
            }
            for members in strongly_connected(&parts) {
                let files_of = |part: &Vec<String>| {
                    self.modules
                        .values()
                        .filter(|path| path.starts_with(part))
                        .count()
                };
                let name = |part: &Vec<String>| match files_of(part) {
                    1 => self.file_of(part),
                    2 => format!("{} and 1 file under it", self.file_of(part)),
                    n => format!("{} and {} files under it", self.file_of(part), n - 1),
                };
                // The shortest way round from each part, each circle once.
                let mut circles = Vec::new();
                let mut seen = BTreeSet::new();
                for start in &members {
                    let circle = shortest_circle(&parts, &members, start);
                    let mut key = circle.clone();
                    key.sort();
                    if !seen.insert(key) {
                        continue;
                    }
                    let mut lines = vec![format!("  {}", self.file_of(start))];
                    for pair in circle.iter().zip(circle.iter().cycle().skip(1)) {
                        lines.push(format!(
                            "    → {}  ({})",
                            self.file_of(pair.1),
                            through[&(pair.0.clone(), pair.1.clone())]
                        ));
                    }
                    circles.push(lines.join("\n"));
                }
                found.push(Cycle {
                    level: self.file_of(&level),
                    parts: members.iter().map(name).collect(),
                    files: members.iter().map(files_of).sum(),
                    circles,
                });
            }
        }
        found
    }

    /// The file of the module at `path`.
    fn file_of(&self, path: &[String]) -> String {
        self.modules
            .iter()
            .find(|(_, module)| module.as_slice() == path)
            .map(|(file, _)| file.clone())
            .unwrap_or_default()
    }
}

/// Parts of one module's level that import each other in a circle.
struct Cycle {
    /// The file of the module whose parts these are.
    level: String,
    parts: Vec<String>,
    /// Files in all the parts.
    files: usize,
    /// The shortest circle through each part, one import a step.
    circles: Vec<String>,
}

impl std::fmt::Display for Cycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} parts of {} ({} files) import each other in a circle:",
            self.parts.len(),
            self.level,
            self.files
        )?;
        for part in &self.parts {
            writeln!(f, "  {part}")?;
        }
        writeln!(f, "for instance:")?;
        for circle in &self.circles {
            writeln!(f, "{circle}")?;
        }
        Ok(())
    }
}

/// The shortest circle from `start` back to it inside `members` (breadth first), `start` first.
fn shortest_circle<N: Ord + Clone>(
    edges: &BTreeMap<N, BTreeSet<N>>,
    members: &BTreeSet<N>,
    start: &N,
) -> Vec<N> {
    let mut came_from: BTreeMap<N, N> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.clone()]);
    while let Some(node) = queue.pop_front() {
        for next in edges.get(&node).into_iter().flatten() {
            if !members.contains(next) {
                continue;
            }
            if next == start {
                let mut circle = vec![node.clone()];
                while let Some(before) = came_from.get(circle.last().unwrap()) {
                    circle.push(before.clone());
                }
                circle.reverse();
                return circle;
            }
            if !came_from.contains_key(next) && next != start {
                came_from.insert(next.clone(), node.clone());
                queue.push_back(next.clone());
            }
        }
    }
    vec![start.clone()]
}

/// The strongly connected sets of more than one node (Tarjan's algorithm).
fn strongly_connected<N: Ord + Clone>(edges: &BTreeMap<N, BTreeSet<N>>) -> Vec<BTreeSet<N>> {
    struct Walk<'a, N> {
        edges: &'a BTreeMap<N, BTreeSet<N>>,
        index: BTreeMap<&'a N, usize>,
        low: BTreeMap<&'a N, usize>,
        stack: Vec<&'a N>,
        found: Vec<BTreeSet<N>>,
    }
    impl<'a, N: Ord + Clone> Walk<'a, N> {
        fn visit(&mut self, node: &'a N) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            for next in self.edges.get(node).into_iter().flatten() {
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.stack.contains(&next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut part = BTreeSet::new();
                while let Some(member) = self.stack.pop() {
                    part.insert(member.clone());
                    if member == node {
                        break;
                    }
                }
                if part.len() > 1 {
                    self.found.push(part);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for node in edges.keys() {
        if !walk.index.contains_key(node) {
            walk.visit(node);
        }
    }
    walk.found
}

/// A `use` leaf: the name it brings in and the path it names.
struct Use {
    /// `None` for a glob (`use x::*`).
    name: Option<String>,
    path: Vec<String>,
    /// `pub use`, `pub(crate) use`: a re-export.
    public: bool,
}

/// A module: the file it is written in, what it declares, what it uses.
#[derive(Default)]
struct Module {
    file: String,
    children: BTreeSet<String>,
    /// Items defined here (functions, types, constants, macros, …).
    items: BTreeSet<String>,
    uses: Vec<Use>,
    /// Paths written in code and attributes (`crate::a::b`, `super::X`, `child::f`).
    paths: Vec<Vec<String>>,
    /// Every identifier outside `use` items: whether an import is used here.
    words: BTreeSet<String>,
}

/// Every module of a crate, by its path (the root's file name first).
#[derive(Default)]
struct Tree {
    modules: BTreeMap<Vec<String>, Module>,
}

impl Tree {
    /// Reads `file` (relative to `src`) as the module `path`, and the files of the modules it declares.
    fn load(&mut self, src: &Path, file: &Path, path: Vec<String>) {
        let text = std::fs::read_to_string(src.join(file))
            .unwrap_or_else(|e| panic!("{}: {e}", src.join(file).display()));
        let name = format!("src/{}", file.to_string_lossy().replace('\\', "/"));
        let declared = self.parse(&tokens(&text), &name, &path);
        // A child's file is beside a `lib.rs`/`main.rs`/`mod.rs`, else in the folder named as the file.
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = match file.parent() {
            _ if path.len() == 1 || stem == "mod" => file.parent().unwrap().to_path_buf(),
            Some(parent) => parent.join(&stem),
            None => PathBuf::from(&stem),
        };
        for child in declared {
            let flat = dir.join(format!("{child}.rs"));
            let nested = dir.join(&child).join("mod.rs");
            let child_file = if src.join(&flat).exists() {
                flat
            } else {
                nested
            };
            let mut child_path = path.clone();
            child_path.push(child);
            self.load(src, &child_file, child_path);
        }
    }

    /// Records the file's modules (its own and inline `mod x { … }`);
    /// returns the children it declares with `mod x;`.
    fn parse(&mut self, tokens: &[Token], file: &str, path: &[String]) -> Vec<String> {
        let mut declared = Vec::new();
        // The modules open at this point, with the brace depth their items sit at.
        let mut scopes: Vec<(Vec<String>, usize)> = vec![(path.to_vec(), 0)];
        self.modules.entry(path.to_vec()).or_default().file = file.to_owned();
        let mut depth = 0;
        let mut i = 0;
        while i < tokens.len() {
            let (current, items_depth) = scopes.last().cloned().unwrap();
            match &tokens[i] {
                Token::Punct('{') => depth += 1,
                Token::Punct('}') => {
                    if depth == items_depth && scopes.len() > 1 {
                        scopes.pop();
                    }
                    depth -= 1;
                }
                Token::Ident(word) if word == "mod" => {
                    if let Some(Token::Ident(name)) = tokens.get(i + 1) {
                        self.modules
                            .get_mut(&current)
                            .unwrap()
                            .children
                            .insert(name.clone());
                        let mut child = current.clone();
                        child.push(name.clone());
                        if tokens.get(i + 2) == Some(&Token::Punct('{')) {
                            self.modules.entry(child.clone()).or_default().file = file.to_owned();
                            depth += 1;
                            scopes.push((child, depth));
                            i += 3;
                            continue;
                        } else if scopes.len() == 1 {
                            declared.push(name.clone());
                        }
                        i += 2;
                        continue;
                    }
                }
                Token::Ident(word) if word == "use" => {
                    let public = i > 0
                        && (tokens[i - 1] == Token::Ident("pub".into())
                            || (tokens[i - 1] == Token::Punct(')')
                                && tokens[..i]
                                    .iter()
                                    .rev()
                                    .take(5)
                                    .any(|t| *t == Token::Ident("pub".into()))));
                    let mut uses = Vec::new();
                    i = use_tree(tokens, i + 1, &mut uses);
                    for used in &mut uses {
                        used.public = public;
                    }
                    self.modules.get_mut(&current).unwrap().uses.extend(uses);
                    continue;
                }
                Token::Ident(word) => {
                    let module = self.modules.get_mut(&current).unwrap();
                    module.words.insert(word.clone());
                    let item = matches!(
                        word.as_str(),
                        "fn" | "struct" | "enum" | "trait" | "type" | "const" | "static" | "union"
                    );
                    if item
                        && depth == items_depth
                        && let Some(Token::Ident(name)) = tokens.get(i + 1)
                    {
                        module.items.insert(name.clone());
                    }
                    if word == "macro_rules"
                        && let Some(Token::Ident(name)) = tokens.get(i + 2)
                    {
                        module.items.insert(name.clone());
                    }
                    // A path starts here unless this word is the tail of one.
                    let starts = i == 0 || tokens[i - 1] != Token::Colons;
                    if starts && tokens.get(i + 1) == Some(&Token::Colons) {
                        let mut segments = vec![word.clone()];
                        let mut j = i + 1;
                        while tokens.get(j) == Some(&Token::Colons) {
                            match tokens.get(j + 1) {
                                Some(Token::Ident(next)) => {
                                    segments.push(next.clone());
                                    module.words.insert(next.clone());
                                    j += 2;
                                }
                                _ => break,
                            }
                        }
                        module.paths.push(segments);
                        i = j;
                        continue;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        declared
    }

    /// The absolute path (root first) of `path` as written in `module`,
    /// or `None` if it starts in another crate.
    fn absolute(&self, module: &[String], path: &[String], guard: usize) -> Option<Vec<String>> {
        let first = path.first()?;
        let mut base = match first.as_str() {
            "crate" => vec![module[0].clone()],
            "self" => module.to_vec(),
            "super" => {
                let ups = path.iter().take_while(|s| *s == "super").count();
                let mut base = module.to_vec();
                base.truncate(module.len().checked_sub(ups)?.max(1));
                base.extend(path[ups..].iter().cloned());
                return Some(base);
            }
            _ => {
                let here = self.modules.get(module)?;
                if here.children.contains(first) {
                    let mut base = module.to_vec();
                    base.extend(path.iter().cloned());
                    return Some(base);
                }
                // A name imported here: its path, then the rest.
                let used = here
                    .uses
                    .iter()
                    .find(|u| u.name.as_deref() == Some(first.as_str()))?;
                if guard == 0 {
                    return None;
                }
                let mut base = self.absolute(module, &used.path, guard - 1)?;
                base.extend(path[1..].iter().cloned());
                return Some(base);
            }
        };
        base.extend(path[1..].iter().cloned());
        Some(base)
    }

    /// The file that defines what `path` (absolute) names, through
    /// re-exports; `true` if the item was found defined there.
    fn locate(&self, path: &[String], guard: usize) -> Option<(String, bool)> {
        let mut module = path.first()?.clone();
        let mut module = vec![std::mem::take(&mut module)];
        let mut i = 1;
        while i < path.len() && self.modules.get(&module)?.children.contains(&path[i]) {
            module.push(path[i].clone());
            i += 1;
        }
        let here = self.modules.get(&module)?;
        if i == path.len() || here.items.contains(&path[i]) || guard == 0 {
            return Some((here.file.clone(), true));
        }
        // Imported here under that name (a re-export, or a name a child reaches by `super::`).
        for used in &here.uses {
            if used.name.as_deref() == Some(path[i].as_str())
                && let Some(mut target) = self.absolute(&module, &used.path, guard)
            {
                target.extend(path[i + 1..].iter().cloned());
                if let Some(found) = self.locate(&target, guard - 1) {
                    return Some(found);
                }
            }
        }
        for used in here.uses.iter().filter(|u| u.name.is_none()) {
            if let Some(mut target) = self.absolute(&module, &used.path, guard) {
                target.extend(path[i..].iter().cloned());
                if let Some((file, true)) = self.locate(&target, guard - 1) {
                    return Some((file, true));
                }
            }
        }
        // Not found by name (a variant, something a macro makes): the module's file.
        Some((here.file.clone(), false))
    }

    fn graph(&self) -> Graph {
        const GUARD: usize = 16;
        let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut named: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut other_crates: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (path, module) in &self.modules {
            let from = &module.file;
            edges.entry(from.clone()).or_default();
            let mut name = |written: &[String], counts: bool| {
                let Some(absolute) = self.absolute(path, written, GUARD) else {
                    other_crates
                        .entry(from.clone())
                        .or_default()
                        .entry(written[0].clone())
                        .or_insert_with(|| written.join("::"));
                    return;
                };
                let Some((to, _)) = self.locate(&absolute, GUARD) else {
                    return;
                };
                if &to == from {
                    return;
                }
                let shown = written.join("::");
                named
                    .entry(from.clone())
                    .or_default()
                    .entry(to.clone())
                    .or_insert_with(|| shown.clone());
                if counts {
                    edges
                        .entry(from.clone())
                        .or_default()
                        .entry(to)
                        .or_insert(shown);
                }
            };
            for used in &module.uses {
                // Used here, or only passed on (a re-export)?
                let counts = match &used.name {
                    Some(name) => name == "_" || module.words.contains(name),
                    None => !used.public,
                };
                name(&used.path, counts);
            }
            for written in &module.paths {
                name(written, true);
            }
        }
        // A file's module is the outermost one written in it (not its inline `mod tests`).
        let modules = self
            .modules
            .iter()
            .rev()
            .map(|(path, module)| (module.file.clone(), path.clone()))
            .collect();
        Graph {
            edges,
            named,
            other_crates,
            modules,
        }
    }
}

/// Reads a `use` tree from `i` (just past `use`) to its `;`, appending its
/// leaves to `out`; returns the index past the `;`.
fn use_tree(tokens: &[Token], i: usize, out: &mut Vec<Use>) -> usize {
    let end = leaves(tokens, i, Vec::new(), out);
    match tokens.get(end) {
        Some(Token::Punct(';')) => end + 1,
        _ => end,
    }
}

fn leaves(tokens: &[Token], mut i: usize, mut path: Vec<String>, out: &mut Vec<Use>) -> usize {
    loop {
        match tokens.get(i) {
            Some(Token::Colons) => i += 1,
            Some(Token::Ident(segment)) => {
                path.push(segment.clone());
                i += 1;
                if tokens.get(i) == Some(&Token::Colons) {
                    continue;
                }
                if path.last().map(String::as_str) == Some("self") {
                    path.pop();
                }
                let mut name = path.last().cloned();
                if tokens.get(i) == Some(&Token::Ident("as".into())) {
                    if let Some(Token::Ident(alias)) = tokens.get(i + 1) {
                        name = Some(alias.clone());
                    }
                    i += 2;
                }
                out.push(Use {
                    name,
                    path,
                    public: false,
                });
                return i;
            }
            Some(Token::Punct('*')) => {
                out.push(Use {
                    name: None,
                    path,
                    public: false,
                });
                return i + 1;
            }
            Some(Token::Punct('{')) => {
                i += 1;
                loop {
                    match tokens.get(i) {
                        Some(Token::Punct('}')) => return i + 1,
                        Some(Token::Punct(',')) => i += 1,
                        None => return i,
                        Some(_) => i = leaves(tokens, i, path.clone(), out),
                    }
                }
            }
            _ => return i,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    /// `::`
    Colons,
    Punct(char),
}

/// The source's identifiers, `::` and punctuation; comments, strings,
/// characters, lifetimes and numbers dropped.
fn tokens(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut nesting = 0;
            loop {
                if at(i) == '/' && at(i + 1) == '*' {
                    nesting += 1;
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    nesting -= 1;
                    i += 2;
                    if nesting == 0 {
                        break;
                    }
                } else if i >= chars.len() {
                    break;
                } else {
                    i += 1;
                }
            }
        } else if let Some(end) = raw_string(&chars, i) {
            i = end;
        } else if c == '"' || (c == 'b' && at(i + 1) == '"') {
            i += if c == 'b' { 2 } else { 1 };
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' || (c == 'b' && at(i + 1) == '\'') {
            i += if c == 'b' { 1 } else { 0 };
            if at(i + 1) == '\\' {
                i += 3;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                // A lifetime: its name is no path.
                i += 1;
                while at(i).is_alphanumeric() || at(i) == '_' {
                    i += 1;
                }
            }
        } else if c.is_alphabetic() || c == '_' {
            if c == 'r' && at(i + 1) == '#' {
                i += 2;
            }
            let start = i;
            while at(i).is_alphanumeric() || at(i) == '_' {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() {
            while at(i).is_alphanumeric() || at(i) == '_' {
                i += 1;
            }
        } else if c == ':' && at(i + 1) == ':' {
            out.push(Token::Colons);
            i += 2;
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    out
}

/// The index past a raw string (`r"…"`, `r#"…"#`, `br"…"`) starting at `i`.
fn raw_string(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|c| **c == '#').count();
    j += hashes;
    if chars.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < chars.len() {
        if chars[j] == '"'
            && chars[j + 1..]
                .iter()
                .take(hashes)
                .filter(|c| **c == '#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(j)
}
