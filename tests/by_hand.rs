//! The book's hand-driven machines, each a real example with its trace kept here.
#![feature(coroutines, coroutine_trait, stmt_expr_attributes)]

#[allow(dead_code, unused_attributes)]
#[path = "../examples/bare-coroutine.rs"]
mod bare_coroutine;
#[allow(dead_code, unused_attributes)]
#[path = "../examples/poll-by-hand.rs"]
mod poll_by_hand;
#[allow(dead_code, unused_attributes)]
#[path = "../examples/toy-executor.rs"]
mod toy_executor;

use pycoro::trace::Out;

#[test]
fn a_bare_coroutine_runs_to_each_yield_and_gets_each_resume_argument() {
    let (out, trace) = Out::capture();
    bare_coroutine::run(&out);
    snapshot(
        "bare-coroutine",
        "a bare std::ops::Coroutine, resumed by hand",
        &trace.text(),
    );
}

#[test]
fn an_async_fn_polled_by_hand_returns_pending_then_ready() {
    let (out, trace) = Out::capture();
    poll_by_hand::run(&out);
    snapshot(
        "poll-by-hand",
        "an async fn polled by hand with a no-op waker",
        &trace.text(),
    );
}

#[test]
fn an_async_fn_lowered_by_hand_to_a_coroutine_prints_the_same_trace() {
    let (out, trace) = Out::capture();
    poll_by_hand::run(&out);
    let (lowered_out, lowered) = Out::capture();
    poll_by_hand::run_lowered(&lowered_out);
    assert_eq!(lowered.text(), trace.text());
}

/// `python/toy/await-by-hand.py` under CPython: its trace is a snapshot too, and its
/// coroutines print what the Rust `async fn`s print; only the drivers' lines differ.
#[test]
fn a_native_coroutine_driven_by_send_prints_what_the_polled_async_fn_prints() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/toy/await-by-hand.py");
    let output = match std::process::Command::new("python3").arg(&file).output() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("SKIPPED: python3 is not installed, so await-by-hand.py cannot run");
            return;
        }
        Err(e) => panic!("python3 could not be run: {e}"),
        Ok(output) => output,
    };
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let python = String::from_utf8(output.stdout).expect("UTF-8");
    snapshot(
        "await-by-hand",
        "a native coroutine driven by hand with send(None), under CPython",
        &python,
    );
    let (out, trace) = Out::capture();
    poll_by_hand::run(&out);
    let rust = trace.text();
    let coroutines = |trace: &str| -> Vec<String> {
        trace
            .lines()
            .filter(|l| !l.starts_with("driver:") && !l.starts_with("f:"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(coroutines(&rust), coroutines(&python));
    assert_eq!(rust.lines().count(), python.lines().count());
}

#[test]
fn a_toy_executor_polls_a_task_only_when_its_waker_was_woken() {
    let (out, trace) = Out::capture();
    toy_executor::run(&out);
    snapshot(
        "toy-executor",
        "a mini-tokio: wakers that queue their task's id, timers on a virtual clock",
        &trace.text(),
    );
}

fn snapshot(name: &str, description: &str, trace: &str) {
    insta::with_settings!({
        description => description,
        omit_expression => true,
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, trace);
    });
}
