//! CPython is the oracle: each program's Rust trace must equal what `python3` prints
//! for the repository's Python version (`python/ID.py`): byte for byte; or once times
//! and addresses are masked (`Compare::Lines`); or, where threads or Python's sets give
//! another order, line for line in some order (`Compare::Shape`).

use pycoro::clock::Clock;
use pycoro::exceptions::format_exception_only;
use pycoro::programs::PROGRAMS;
use pycoro::programs::cpython::{run_python, run_rust, same_output};

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
        let Some(mut python) = python.expect("python3 could not be run") else {
            eprintln!("SKIPPED: python3 is not installed, so the CPython comparison cannot run");
            return;
        };
        if String::from_utf8_lossy(&python.stderr).contains("No module named 'aiohttp'") {
            eprintln!(
                "SKIPPED: {}: aiohttp is not installed (pip install aiohttp), so CPython cannot run it",
                program.id
            );
            continue;
        }
        let rust = run_rust(program, &Clock::new_virtual());
        // CPython runs on the real clock, and a loaded machine can change what a
        // timing-sensitive program prints: s003-04's two one-second timers fire in one
        // pass of the loop unless epoll's millisecond rounding falls between them. The
        // Rust side is deterministic; CPython gets two more runs before a mismatch counts.
        let mut verdict = compare(program, &python, &rust);
        for _ in 0..2 {
            if verdict.is_ok() {
                break;
            }
            python = run_python(program)
                .expect("python3 ran before")
                .expect("python3");
            verdict = compare(program, &python, &rust);
        }
        if let Err(mismatch) = verdict {
            panic!("{mismatch}");
        }
        compared += 1;
    }
    assert!(compared >= 15, "only {compared} programs compared");
}

/// Whether `rust` ends as CPython's run did and prints what it printed, as closely as
/// the program's `compare` asks; the mismatch, explained, if not.
fn compare(
    program: &pycoro::programs::Program,
    python: &pycoro::programs::cpython::PythonOutput,
    rust: &pycoro::programs::cpython::RustRun,
) -> Result<(), String> {
    // A program may be meant to fail (s002-05 on Python 3.11): then both must raise
    // the same exception, as the last line of CPython's traceback shows it.
    let python_error = (!python.success).then(|| {
        let stderr = String::from_utf8_lossy(&python.stderr);
        pycoro::programs::cpython::last_exception_line(&stderr)
    });
    let rust_error = rust.error.as_ref().map(format_exception_only);
    if rust_error != python_error {
        return Err(format!(
            "{}: the Rust program ends with {rust_error:?}, CPython with {python_error:?}",
            program.id
        ));
    }
    let (rust, python) = (
        String::from_utf8_lossy(&rust.trace),
        String::from_utf8_lossy(&python.stdout),
    );
    if same_output(program.compare, &python, &rust) {
        Ok(())
    } else {
        Err(format!(
            "{}: the Rust trace differs from CPython's output ({:?} comparison):\n{rust}\n---\n{python}",
            program.id, program.compare
        ))
    }
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

#[test]
fn the_tree_walk_the_book_shows_holds_on_cpython() {
    rules_hold_on_cpython("tree_walk.py");
}

#[test]
fn the_cancellation_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("cancellation.py");
}

#[test]
fn the_task_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("tasks.py");
}

#[test]
fn the_gather_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("gather.py");
}

#[test]
fn the_timer_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("timers.py");
}

#[test]
fn the_types_coroutine_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("types_coroutine.py");
}

#[test]
fn the_aiohttp_limits_the_book_states_hold_where_aiohttp_is_installed() {
    rules_hold_on_cpython("aiohttp_limits.py");
}

#[test]
fn the_async_generator_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("async_generators.py");
}

#[test]
fn the_context_manager_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("context_managers.py");
}
