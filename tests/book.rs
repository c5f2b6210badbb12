//! The book names tests as evidence ("Test: `a_panic_in_...`"): each one it names must exist.

use std::path::Path;

fn test_names(root: &Path) -> String {
    let mut all = String::new();
    let mut stack = vec![root.join("tests"), root.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                all += &std::fs::read_to_string(&path).unwrap();
            }
        }
    }
    all
}

#[test]
fn every_test_the_book_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources = test_names(root);
    let mut named = 0;
    for entry in std::fs::read_dir(root.join("book/src")).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for (i, piece) in text.split('`').enumerate() {
            // Inside backticks, a name of four or more words joined by `_` is a test's
            // (`__cause__` is not: a dunder's words are empty).
            let is_test_name = i % 2 == 1
                && piece.split('_').count() >= 4
                && piece.split('_').all(|word| !word.is_empty())
                && piece
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if is_test_name {
                named += 1;
                assert!(
                    sources.contains(&format!("fn {piece}(")),
                    "{} names the test `{piece}`, which does not exist",
                    entry.path().display()
                );
            }
        }
    }
    assert!(named > 10, "only {named} test names found in the book");
}

/// Each program of the documents appears in its chapter with its Python original, its
/// Rust version and its trace, all three included from the real files.
#[test]
fn every_program_is_in_its_chapter_with_python_rust_and_trace() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    for program in pycoro::programs::PROGRAMS {
        let chapter = std::fs::read_to_string(root.join("book/src").join(program.chapter))
            .unwrap_or_else(|e| panic!("{}: chapter {}: {e}", program.id, program.chapter));
        let module = program.id.replace('-', "_");
        for include in [
            format!("{{{{#include ../../python/{}.py", program.id),
            format!("{{{{#include ../../src/programs/{module}.rs"),
            format!("{{{{#include ../../tests/snapshots/{}.snap", program.id),
        ] {
            if !chapter.contains(&include) {
                missing.push(format!(
                    "{}: {include}...}}}} in {}",
                    program.id, program.chapter
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "missing from the book:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_chapter_has_its_where_pycoro_differs_box_and_each_difference_names_its_test() {
    let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src");
    for chapter in [
        "generation-1",
        "generation-2",
        "generation-3",
        "io",
        "toolkit",
    ] {
        let text = std::fs::read_to_string(book.join(format!("{chapter}.md"))).unwrap();
        assert!(
            text.contains(&format!("{{{{#include differs-{chapter}.md}}}}")),
            "{chapter}.md does not include its box"
        );
        let differs = std::fs::read_to_string(book.join(format!("differs-{chapter}.md"))).unwrap();
        let differences: Vec<&str> = differs.split("\n- ").skip(1).collect();
        assert!(
            !differences.is_empty(),
            "differs-{chapter}.md lists nothing"
        );
        for difference in differences {
            // The name itself is checked by every_test_the_book_names_exists.
            assert!(
                difference.contains("Test:"),
                "differs-{chapter}.md: a difference without its test: {difference}"
            );
        }
    }
}
