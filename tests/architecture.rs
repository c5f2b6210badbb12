//! The crate's modules depend on each other one way: no circle. Read from the `use` lines
//! and paths of `src/` (`crate::a::b`, `super::b`, `$crate::a`), not from the compiler, so
//! the check is the map a reader draws. Two levels are checked: the crate's top-level
//! modules, and the files of each folder (a folder's `mod.rs` is its face: it declares
//! and re-exports its files, which may use what it defines, so it takes no part).
//! `cargo test --test architecture -- --nocapture` prints the map.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Each source file's module path (`event_loop::reactor`), and its text without comments
/// and without its `#[cfg(test)]` module (tests may use anything).
fn modules() -> BTreeMap<Vec<String>, String> {
    fn walk(dir: &Path, prefix: &[String], out: &mut BTreeMap<Vec<String>, String>) {
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if path.is_dir() {
                let mut inner = prefix.to_vec();
                inner.push(name);
                walk(&path, &inner, out);
            } else if let Some(stem) = name.strip_suffix(".rs") {
                let mut module = prefix.to_vec();
                if stem != "mod" && stem != "lib" && stem != "main" {
                    module.push(stem.to_string());
                }
                if prefix.is_empty() && (stem == "lib" || stem == "main") {
                    continue; // the crate root declares every module
                }
                out.insert(module, code_of(&fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &[],
        &mut out,
    );
    out
}

fn code_of(text: &str) -> String {
    let mut code = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        code.push_str(line.split(" // ").next().unwrap_or(line));
        code.push('\n');
    }
    code
}

/// The module paths `code` (in module `at`) names: `crate::a::b...`, `super::x`, and
/// each path of a `use` tree (`use crate::a::{b, c::{d, e}}`).
fn references(at: &[String], code: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for (start, _) in code.match_indices("crate::") {
        use_tree(Vec::new(), &code[start + "crate::".len()..], &mut found);
    }
    for (start, _) in code.match_indices("super::") {
        if code[..start].ends_with("::") {
            continue; // `super::super::` is read at its first `super`
        }
        let mut rest = &code[start..];
        let mut ups = 0;
        while let Some(more) = rest.strip_prefix("super::") {
            rest = more;
            ups += 1;
        }
        let base = at[..at.len().saturating_sub(ups)].to_vec();
        use_tree(base, rest, &mut found);
    }
    found
}

/// Reads the paths of the use tree at the start of `text`, each after `prefix`; gives
/// back how much of `text` it read.
fn use_tree(mut prefix: Vec<String>, text: &str, found: &mut Vec<Vec<String>>) -> usize {
    let mut at = 0;
    loop {
        let rest = &text[at..];
        if rest.starts_with('{') {
            at += 1;
            loop {
                let inner = text[at..].trim_start();
                at = text.len() - inner.len();
                if let Some(after) = inner.strip_prefix('}') {
                    return text.len() - after.len();
                }
                if inner.is_empty() {
                    return text.len();
                }
                at += use_tree(prefix.clone(), inner, found);
                let inner = text[at..].trim_start();
                at = text.len() - inner.len();
                if inner.starts_with(',') {
                    at += 1;
                }
            }
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        at += name.len();
        if !name.is_empty() && name != "self" {
            prefix.push(name);
        }
        if text[at..].starts_with("::") {
            at += 2;
        } else {
            found.push(prefix);
            return at;
        }
    }
}

/// The longest known module that `path` starts with.
fn module_of(path: &[String], known: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| known.contains(prefix))
}

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Edges between the modules `level` picks out of each file's module path.
fn graph(level: impl Fn(&[String]) -> Option<String>) -> Graph {
    let modules = modules();
    let known: BTreeSet<_> = modules.keys().cloned().collect();
    let mut graph = Graph::new();
    for (module, code) in &modules {
        let Some(from) = level(module) else { continue };
        graph.entry(from.clone()).or_default();
        for path in references(module, code) {
            let Some(target) = module_of(&path, &known) else {
                continue; // a macro or item of the crate root
            };
            if let Some(to) = level(&target)
                && to != from
            {
                graph.get_mut(&from).unwrap().insert(to);
            }
        }
    }
    graph
}

/// A circle in `graph`, if there is one.
fn circle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn show(graph: &Graph) {
    for (from, to) in graph {
        let to: Vec<_> = to.iter().map(String::as_str).collect();
        println!("  {from} -> {}", to.join(", "));
    }
}

#[test]
fn the_crates_top_level_modules_depend_on_each_other_without_a_circle() {
    let top = graph(|module| module.first().cloned());
    println!("top-level modules:");
    show(&top);
    assert_eq!(circle(&top), None, "a circle between top-level modules");
    // The shape the book and ARCHITECTURE.md describe: the loop knows neither generation.
    for generation in ["yield_from", "native", "programs", "web"] {
        assert!(
            !top["event_loop"].contains(generation),
            "event_loop uses {generation}"
        );
    }
    assert!(top["yield_from"].contains("event_loop") && top["native"].contains("event_loop"));
}

#[test]
fn the_files_of_each_folder_depend_on_each_other_without_a_circle() {
    let folders: BTreeSet<String> = modules()
        .keys()
        .filter(|module| module.len() >= 2)
        .map(|module| module[0].clone())
        .collect();
    for folder in folders {
        let files =
            graph(|module| (module.len() >= 2 && module[0] == folder).then(|| module[1].clone()));
        println!("{folder}/:");
        show(&files);
        assert_eq!(
            circle(&files),
            None,
            "a circle between the files of {folder}/"
        );
    }
}

#[test]
fn the_reader_of_use_lines_sees_what_it_must() {
    // The check itself can fail: a made-up circle is found.
    let at = vec!["native".to_string(), "streams".to_string()];
    let code = "use crate::event_loop::{EventLoop, reactor::Reactor};\nuse super::task::Task;";
    let refs = references(&at, code);
    assert!(refs.contains(&vec!["event_loop".into(), "EventLoop".into()]));
    assert!(refs.contains(&vec![
        "event_loop".into(),
        "reactor".into(),
        "Reactor".into()
    ]));
    assert!(refs.contains(&vec!["native".into(), "task".into(), "Task".into()]));
    let mut made_up = Graph::new();
    made_up.insert("a".into(), ["b".to_string()].into());
    made_up.insert("b".into(), ["a".to_string()].into());
    assert_eq!(
        circle(&made_up),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
}

#[test]
fn architecture_md_draws_the_layers_as_the_code_has_them() {
    let map =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md")).unwrap();
    let block = map
        .split("Each line below uses only the lines under it:")
        .nth(1)
        .and_then(|after| after.split("```text\n").nth(1))
        .and_then(|block| block.split("```").next())
        .expect("ARCHITECTURE.md has the layers");
    // `programs  prelude          every program...`: the names, then the words.
    let mut layer_of = BTreeMap::new();
    for (layer, line) in block.lines().enumerate() {
        let names = line.split("   ").next().unwrap_or("");
        for name in names.split_whitespace() {
            layer_of.insert(name.to_string(), layer);
        }
    }
    let top = graph(|module| module.first().cloned());
    for (from, uses) in &top {
        let here = layer_of
            .get(from)
            .unwrap_or_else(|| panic!("ARCHITECTURE.md's layers do not name {from}"));
        for to in uses {
            assert!(
                layer_of[to] > *here,
                "{from} uses {to}, which ARCHITECTURE.md draws on its line or above"
            );
        }
    }
}
