//! Every exercise's solution prints what its `solution.py` prints under CPython; every
//! exercise has its files and its place in the book; and the tour runs them.
#![feature(coroutines)]

use std::path::Path;

use pycoro::clock::Clock;
use pycoro::exceptions::Exception;
use pycoro::exceptions::format_exception_only;
use pycoro::programs::cpython::{last_exception_line, run_python_source, same_output};
use pycoro::trace::Out;

#[allow(dead_code)]
#[path = "../exercises/mod.rs"]
mod exercises;

use exercises::EXERCISES;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What the solution printed, and the exception that ended it, if one did.
fn run_solution(exercise: &exercises::Exercise) -> (Vec<u8>, Option<Exception>) {
    let (out, trace) = Out::capture();
    let result = (exercise.solution)(&out, &Clock::new_virtual()).and_then(|()| Ok(out.finish()?));
    (trace.bytes(), result.err())
}

#[test]
fn every_solution_prints_what_its_python_twin_prints_under_cpython() {
    // CPython runs on the real clock (some exercises sleep), so all at once.
    let outputs: Vec<_> = std::thread::scope(|scope| {
        let runs: Vec<_> = EXERCISES
            .iter()
            .map(|e| scope.spawn(|| run_python_source(e.python)))
            .collect();
        runs.into_iter()
            .map(|r| r.join().expect("no panic"))
            .collect()
    });
    for (exercise, python) in EXERCISES.iter().zip(outputs) {
        let Some(python) = python.expect("python3 could not be run") else {
            eprintln!("SKIPPED: python3 is not installed, so the exercises cannot be checked");
            return;
        };
        let (rust_trace, rust_error) = run_solution(exercise);
        let python_error = (!python.success)
            .then(|| last_exception_line(&String::from_utf8_lossy(&python.stderr)));
        let rust_error = rust_error.as_ref().map(format_exception_only);
        assert_eq!(
            rust_error,
            python_error,
            "exercise {}: the Rust solution ends otherwise than CPython (stderr: {})",
            exercise.number,
            String::from_utf8_lossy(&python.stderr)
        );
        let (rust, python) = (
            String::from_utf8_lossy(&rust_trace),
            String::from_utf8_lossy(&python.stdout),
        );
        assert!(
            same_output(exercise.compare, &python, &rust),
            "exercise {}: the solution's trace differs from CPython's:\n{rust}\n---\n{python}",
            exercise.number
        );
    }
}

#[test]
fn every_exercise_folder_has_a_task_with_a_hint_a_start_a_solution_and_a_python_twin() {
    let mut folders: Vec<String> = std::fs::read_dir(root().join("exercises"))
        .expect("exercises/")
        .flatten()
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let listed: Vec<String> = EXERCISES
        .iter()
        .map(|e| format!("{}-{}", e.number, e.slug))
        .collect();
    assert_eq!(
        folders, listed,
        "every folder of exercises/ is in exercises/mod.rs, in order"
    );
    assert!(EXERCISES.len() >= 12, "only {} exercises", EXERCISES.len());
    for exercise in EXERCISES {
        let dir = root().join(exercise.dir());
        let readme = std::fs::read_to_string(dir.join("README.md")).expect("README.md");
        assert!(
            readme.starts_with(&format!("# {}. ", exercise.number)),
            "{}: the README's title starts with its number",
            exercise.dir()
        );
        assert!(
            readme.contains("<summary>Hint</summary>"),
            "{}: no hint",
            exercise.dir()
        );
        assert!(
            readme.contains(&format!("cargo run -- exercises {} start", exercise.number)),
            "{}: the README says how to check a start",
            exercise.dir()
        );
        assert_ne!(
            exercise.start_rs,
            exercise.solution_rs,
            "{}: start.rs leaves something to write",
            exercise.dir()
        );
    }
}

#[test]
fn the_exercises_chapter_includes_every_exercise_and_its_files() {
    let chapter = std::fs::read_to_string(root().join("book/src/exercises.md")).expect("chapter");
    let summary = std::fs::read_to_string(root().join("book/src/SUMMARY.md")).expect("SUMMARY");
    assert!(summary.contains("(exercises.md)"));
    for exercise in EXERCISES {
        for file in ["README.md:2:", "solution.py", "start.rs", "solution.rs"] {
            let include = format!("{{{{#include ../../{}/{file}}}}}", exercise.dir());
            assert!(chapter.contains(&include), "the chapter lacks {include}");
        }
    }
}

fn tour(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pycoro"))
        .args(args)
        .output()
        .expect("the tour runs")
}

#[test]
fn the_tour_lists_every_exercise() {
    let out = tour(&["exercises"]);
    assert!(out.status.success());
    let listing = String::from_utf8_lossy(&out.stdout);
    for exercise in EXERCISES {
        assert!(
            listing.contains(&format!("  {} ", exercise.number)) && listing.contains(exercise.slug),
            "{} missing from the tour's list",
            exercise.dir()
        );
    }
}

#[test]
fn the_tour_runs_a_solution_beside_cpython_and_a_start_that_is_not_done_yet() {
    let out = tour(&["exercises", "2"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("exercises/02-averager/solution.py"),
        "{stdout}"
    );
    assert!(
        stdout.contains("exercises/02-averager/solution.rs"),
        "{stdout}"
    );
    if stdout.contains("python3 is not installed") {
        eprintln!("SKIPPED: python3 is not installed, so no verdict");
        return;
    }
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("verdict: identical (6 lines, byte for byte)"),
        "{stdout}"
    );

    let start = tour(&["exercises", "02", "start"]);
    let stdout = String::from_utf8_lossy(&start.stdout);
    assert_eq!(start.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("exercises/02-averager/start.rs"),
        "{stdout}"
    );
    assert!(
        stdout.contains("verdict: differs: CPython ends normally, the Rust program RuntimeError: start.rs panicked: not yet implemented"),
        "{stdout}"
    );
    assert!(!String::from_utf8_lossy(&start.stderr).contains("panicked at"));
}

#[test]
fn an_unknown_exercise_gets_a_clear_message_and_exit_2() {
    let out = tour(&["exercises", "99"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no exercise numbered '99'"));
}
