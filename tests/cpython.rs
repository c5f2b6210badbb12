//! CPython is the oracle: each program's Rust trace must equal what `python3` prints
//! for the repository's Python version (`python/ID.py`): byte for byte; or once times
//! and addresses are masked (PROGRAMS.md's "lines"); or, where threads or Python's sets
//! give another order, line for line in some order ("shape").

use pycoro::clock::Clock;
use pycoro::exceptions::format_exception_only;
use pycoro::programs::cpython::{run_python, run_rust, same_output};
use pycoro::programs::{Compare, PROGRAMS};

#[test]
fn every_rust_trace_equals_cpython_output_as_closely_as_the_program_allows() {
    let programs: Vec<_> = PROGRAMS.iter().collect();
    // CPython runs on the real clock (the programs sleep), so all at once.
    let outputs: Vec<_> = std::thread::scope(|scope| {
        let runs: Vec<_> = programs
            .iter()
            .map(|program| scope.spawn(|| run_python(program)))
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("no panic"))
            .collect()
    });
    let mut compared = 0;
    for (program, python) in programs.iter().zip(outputs) {
        let Some(python) = python.expect("python3 could not be run") else {
            eprintln!("SKIPPED: python3 is not installed, so the CPython comparison cannot run");
            return;
        };
        let rust = run_rust(program, &Clock::new_virtual());
        // A program may be meant to fail (s002-05 on Python 3.11): then both must raise
        // the same exception, as the last line of CPython's traceback shows it.
        let python_error = (!python.success).then(|| {
            let stderr = String::from_utf8_lossy(&python.stderr);
            pycoro::programs::cpython::last_exception_line(&stderr)
        });
        let rust_error = rust.error.as_ref().map(format_exception_only);
        assert_eq!(
            rust_error, python_error,
            "{}: the Rust program (left) and CPython (right) do not end the same way",
            program.id
        );
        let (rust, python) = (
            String::from_utf8_lossy(&rust.trace),
            String::from_utf8_lossy(&python.stdout),
        );
        if program.compare == Compare::Exact {
            assert_eq!(
                rust, python,
                "{}: the Rust trace (left) differs from CPython's output (right)",
                program.id
            );
        }
        assert!(
            same_output(program.compare, &python, &rust),
            "{}: the Rust trace does not match CPython's output:\n{rust}\n---\n{python}",
            program.id
        );
        compared += 1;
    }
    assert!(compared >= 15, "only {compared} programs compared");
}

/// Runs one of `python/rules/*.py`, whose asserts state what the book says CPython does.
fn rules_hold_on_cpython(file: &str) {
    let rules = format!("{}/python/rules/{file}", env!("CARGO_MANIFEST_DIR"));
    match std::process::Command::new("python3").arg(&rules).output() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("SKIPPED: python3 is not installed, so the CPython rules cannot run");
        }
        Err(e) => panic!("python3 could not be run: {e}"),
        Ok(output) => assert!(
            output.status.success(),
            "a rule in {file} does not hold on CPython:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

#[test]
fn the_generation_1_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("generators.py");
}

#[test]
fn the_delegation_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("yield_from.py");
}
