//! The module graph flows one way (`docs/architecture.md`): every `crate::…` path in
//! `src/` is checked against the table of allowed imports, and the table itself must have
//! no cycle. A new import that reaches back up the pipeline fails here with its file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Which modules each module may import. `app::state` (the web layer's shared state) is its
/// own node: the queue's handlers read it, but nothing below the web layer may.
const ALLOWED: &[(&str, &[&str])] = &[
    ("vocab", &[]),
    ("whatsapp", &["vocab"]),
    ("triage", &["vocab"]),
    ("registry", &["vocab"]),
    ("telemetry", &["vocab"]),
    (
        "store",
        &["vocab", "whatsapp", "triage", "registry", "telemetry"],
    ),
    ("error", &["vocab", "store"]),
    (
        "notify",
        &[
            "vocab",
            "whatsapp",
            "triage",
            "registry",
            "telemetry",
            "store",
        ],
    ),
    (
        "routing",
        &[
            "vocab",
            "whatsapp",
            "triage",
            "registry",
            "telemetry",
            "store",
        ],
    ),
    (
        "config",
        &[
            "vocab",
            "whatsapp",
            "telemetry",
            "store",
            "notify",
            "routing",
        ],
    ),
    (
        "privacy",
        &[
            "vocab",
            "whatsapp",
            "registry",
            "telemetry",
            "store",
            "config",
        ],
    ),
    (
        "access",
        &["vocab", "triage", "registry", "store", "routing"],
    ),
    (
        "intake",
        &[
            "vocab",
            "whatsapp",
            "triage",
            "registry",
            "telemetry",
            "store",
            "error",
            "notify",
            "routing",
            "config",
            "privacy",
        ],
    ),
    (
        "reports",
        &[
            "vocab",
            "triage",
            "registry",
            "telemetry",
            "store",
            "error",
            "notify",
            "routing",
            "config",
            "access",
        ],
    ),
    (
        "incidents",
        &[
            "vocab",
            "whatsapp",
            "triage",
            "registry",
            "telemetry",
            "store",
            "notify",
            "routing",
            "reports",
        ],
    ),
    ("loadgen", &["vocab", "whatsapp", "store"]),
    (
        "queue",
        &[
            "vocab",
            "whatsapp",
            "triage",
            "registry",
            "telemetry",
            "store",
            "error",
            "notify",
            "routing",
            "config",
            "privacy",
            "access",
            "reports",
            "incidents",
            "app::state",
        ],
    ),
    (
        "app::state",
        &[
            "vocab",
            "whatsapp",
            "triage",
            "registry",
            "telemetry",
            "store",
            "notify",
            "routing",
            "config",
            "privacy",
            "intake",
            "reports",
            "incidents",
            "queue",
        ],
    ),
    (
        "app",
        &[
            "vocab",
            "whatsapp",
            "triage",
            "registry",
            "telemetry",
            "store",
            "error",
            "notify",
            "routing",
            "config",
            "privacy",
            "intake",
            "reports",
            "incidents",
            "queue",
            "app::state",
        ],
    ),
    (
        "cli",
        &[
            "vocab",
            "whatsapp",
            "triage",
            "registry",
            "telemetry",
            "store",
            "error",
            "notify",
            "routing",
            "config",
            "privacy",
            "access",
            "intake",
            "reports",
            "incidents",
            "queue",
            "loadgen",
            "app",
            "app::state",
        ],
    ),
];

/// The two nodes of the web layer that may import each other: `AppState` holds the queue's
/// login throttle, password budget and proxy list, and the queue's handlers read `AppState`.
const WEB_LAYER: [&str; 2] = ["queue", "app::state"];

fn src_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The node a file belongs to: its top-level module, except `app/state.rs`.
fn node_of(relative: &str) -> Option<String> {
    if relative == "app/state.rs" {
        return Some("app::state".into());
    }
    let top = relative.split('/').next()?.trim_end_matches(".rs");
    (top != "lib" && top != "main").then(|| top.to_owned())
}

/// The node a path such as `queue::auth::WebUser` or `app::state::AppState` names.
fn node_of_path(path: &str) -> String {
    let mut parts = path.split("::");
    let top = parts.next().unwrap_or_default();
    match (top, parts.next()) {
        ("app", Some("state")) => "app::state".into(),
        _ => top.to_owned(),
    }
}

/// Code without comments: doc links may name any module.
fn code_of(source: &str) -> String {
    source
        .lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every crate path a file names, from `crate::a::b` and from `use crate::{a::b, c}`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            // The items of the list at depth 0; nested lists belong to the item before them.
            let (mut depth, mut item) = (0, String::new());
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        paths.push(std::mem::take(&mut item).trim().to_owned());
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            paths.push(item.trim().to_owned());
            paths.retain(|p| !p.is_empty());
        } else {
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(after.len());
            paths.push(after[..end].to_owned());
        }
        rest = after;
    }
    paths
}

fn allowed() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    ALLOWED
        .iter()
        .map(|(m, deps)| (*m, deps.iter().copied().collect()))
        .collect()
}

/// Every import in `src/` that the table does not allow, as `file: from -> to (path)`.
fn violations() -> Vec<String> {
    let table = allowed();
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(src_dir())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let Some(from) = node_of(&relative) else {
            continue;
        };
        let deps = table
            .get(from.as_str())
            .unwrap_or_else(|| panic!("{relative}: module {from} is not in ALLOWED"));
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        for path in crate_paths(&code) {
            let to = node_of_path(&path);
            let module = to == "app::state" || table.contains_key(to.as_str());
            if module && to != from && !deps.contains(to.as_str()) {
                found.push(format!("src/{relative}: {from} -> {to} (crate::{path})"));
            }
        }
    }
    found.dedup();
    found
}

#[test]
fn no_module_imports_one_it_must_not() {
    let found = violations();
    assert!(
        found.is_empty(),
        "{} import(s) against docs/architecture.md:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn every_top_level_module_is_in_the_table() {
    let table = allowed();
    for entry in std::fs::read_dir(src_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(node) = node_of(&name) else { continue };
        assert!(
            table.contains_key(node.as_str()),
            "src/{name} is not in ALLOWED"
        );
    }
}

#[test]
fn the_allowed_graph_has_no_cycle_outside_the_web_layer() {
    let table = allowed();
    // Depth-first search with the web layer's two nodes merged into one.
    let merge = |n: &str| if WEB_LAYER.contains(&n) { "web" } else { n }.to_owned();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, deps) in &table {
        let entry = graph.entry(merge(from)).or_default();
        entry.extend(deps.iter().map(|d| merge(d)).filter(|d| *d != merge(from)));
    }
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(n) {
            return;
        }
        assert!(
            !path.iter().any(|p| p == n),
            "cycle: {} -> {n}",
            path.join(" -> ")
        );
        path.push(n.to_owned());
        for d in graph.get(n).into_iter().flatten() {
            visit(d, graph, path, done);
        }
        path.pop();
        done.insert(n.to_owned());
    }
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        visit(n, &graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn the_scanner_sees_paths_in_use_lists_and_expressions() {
    let code = "use crate::{queue::{auth::WebUser, Role}, store};\nlet f = crate::app::state::AppState::x;";
    let nodes: Vec<String> = crate_paths(code).iter().map(|p| node_of_path(p)).collect();
    assert_eq!(nodes, ["queue", "store", "app::state"]);
    assert_eq!(node_of_path("app::state::AppState"), "app::state");
    assert_eq!(node_of_path("app::AppState"), "app");
    assert_eq!(code_of("let a = 1; // crate::queue"), "let a = 1; ");
}
