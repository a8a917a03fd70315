//! The modules of `live/src` import one way: each top-level module may use only modules on
//! a lower floor (docs/architecture.md, "The layers"). Reads the sources as text: every
//! `crate::<module>` path outside comments and test code is an import.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level modules by floor, highest first; a module may import only lower floors.
const FLOORS: &[&[&str]] = &[
    &["lib", "prelude", "__private", "client", "testing"],
    &["server"],
    &["runtime"],
    &["component"],
    &["room", "cluster", "config"],
    &["security", "upload"],
    &["protocol", "state", "typescript", "metrics"],
    &["support"],
];

fn floor(module: &str) -> Option<usize> {
    FLOORS.iter().position(|floor| floor.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file before its `#[cfg(test)]` module, without comment lines.
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .take_while(|line| !line.trim_start().starts_with("#[cfg(test)]"))
        .filter(|line| !line.trim_start().starts_with("//"))
}

/// Every module named as `crate::<name>` in `line`.
fn imported_modules(line: &str) -> Vec<String> {
    line.match_indices("crate::")
        .filter(|(at, _)| {
            // `$crate::` and `::live::` are not this crate's own paths.
            !line[..*at].ends_with('$')
        })
        .flat_map(|(at, found)| {
            let rest = &line[at + found.len()..];
            // `crate::{a::X, b}` names several modules (on one line).
            let items: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group.split('}').next().unwrap_or("").split(',').collect(),
                None => vec![rest],
            };
            items
                .into_iter()
                .map(|item| {
                    item.trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

#[test]
fn modules_import_only_lower_floors() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() > 50,
        "found only {} files under {src:?}",
        files.len()
    );

    let mut violations = BTreeSet::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap_or(file);
        let name = relative.to_string_lossy();
        if name.ends_with("tests.rs") || name.contains("_tests") {
            continue;
        }
        let top = relative
            .components()
            .next()
            .map(|first| {
                first
                    .as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_owned()
            })
            .unwrap_or_default();
        let Some(from) = floor(&top) else {
            violations.insert(format!("{name}: module `{top}` has no floor in FLOORS"));
            continue;
        };
        if from == 0 {
            continue; // the top floor may use anything
        }
        let text = fs::read_to_string(file).unwrap_or_default();
        for line in code_lines(&text) {
            for target in imported_modules(line) {
                if target == top {
                    continue;
                }
                match floor(&target) {
                    Some(to) if to > from => {}
                    Some(_) => {
                        violations.insert(format!("{name}: `{top}` imports `{target}`"));
                    }
                    // Items of lib.rs itself (`crate::BoxFuture`, macros) sit on the top floor.
                    None => {
                        violations.insert(format!(
                            "{name}: `{top}` uses `crate::{target}` from lib.rs; import it from its module"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports that run up or sideways:\n{}",
        violations.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_checker_sees_an_import_that_runs_up() {
    assert_eq!(
        imported_modules("use crate::runtime::rooms::Rooms;"),
        ["runtime"]
    );
    assert_eq!(
        imported_modules("fn f() -> crate::room::RoomError { crate::support::now_ms() }"),
        ["room", "support"]
    );
    assert_eq!(
        imported_modules("use crate::{room::X, state::Y};"),
        ["room", "state"]
    );
    assert!(imported_modules("$crate::x").is_empty());
    assert!(floor("component") > floor("runtime"));
}
