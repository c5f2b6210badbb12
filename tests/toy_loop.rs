//! The book's toy loop, stage by stage (`examples/toy-loop-*.rs`): each stage's trace
//! is a snapshot, and equals what its Python twin (`python/toy/toy-loop-*.py`) prints
//! under CPython.
#![feature(coroutines)]

use std::path::Path;
use std::process::Command;

use pycoro::exceptions::PyResult;
use pycoro::trace::Out;

#[allow(dead_code, unused_attributes)]
#[path = "../examples/toy-loop-1-ready-deque.rs"]
mod stage_1;
#[allow(dead_code, unused_attributes)]
#[path = "../examples/toy-loop-2-timers.rs"]
mod stage_2;
#[allow(dead_code, unused_attributes)]
#[path = "../examples/toy-loop-3-future-task.rs"]
mod stage_3;
#[allow(dead_code, unused_attributes)]
#[path = "../examples/toy-loop-4-sleep.rs"]
mod stage_4;

/// The trace of one stage, as its example prints it.
fn trace(run: fn(&Out) -> PyResult<()>) -> String {
    let (out, trace) = Out::capture();
    run(&out).expect("the stage runs to its end");
    trace.text()
}

/// What `python3 FILE` prints, or `None` (with a message) if there is no `python3`.
fn cpython(file: &str) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    match Command::new("python3").arg(&path).output() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("SKIPPED: python3 is not installed, so {file} cannot be compared");
            None
        }
        Err(e) => panic!("python3 could not be run: {e}"),
        Ok(output) => {
            assert!(
                output.status.success(),
                "{file} failed under CPython:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            Some(String::from_utf8(output.stdout).expect("UTF-8"))
        }
    }
}

/// The stage's trace is its snapshot, and CPython prints the same for its twin.
fn check(name: &str, description: &str, run: fn(&Out) -> PyResult<()>) {
    let rust = trace(run);
    insta::with_settings!({
        description => description,
        omit_expression => true,
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, rust);
    });
    if let Some(python) = cpython(&format!("python/toy/{name}.py")) {
        assert_eq!(
            rust, python,
            "{name}: the Rust trace (left) differs from CPython's"
        );
    }
}

#[test]
fn stage_1_a_ready_deque_runs_generators_round_robin_as_cpython_does() {
    check(
        "toy-loop-1-ready-deque",
        "toy loop, stage 1: a ready deque of generators, round-robin",
        stage_1::run,
    );
}

#[test]
fn stage_2_sleeping_tasks_wait_in_a_heap_and_wake_in_deadline_order() {
    check(
        "toy-loop-2-timers",
        "toy loop, stage 2: timers in a heap, on a virtual clock",
        stage_2::run,
    );
}

#[test]
fn stage_3_a_task_steps_its_generator_from_a_futures_done_callback() {
    check(
        "toy-loop-3-future-task",
        "toy loop, stage 3: a loop of callbacks, Future, Task.step",
        stage_3::run,
    );
}

#[test]
fn stage_4_sleep_is_a_future_a_timer_and_yield_from() {
    check(
        "toy-loop-4-sleep",
        "toy loop, stage 4: sleep, its future carried up by yield from",
        stage_4::run,
    );
}
