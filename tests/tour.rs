//! The guided tour (`cargo run`), run as a user runs it: the real binary.

use std::process::{Command, Output};

use pycoro::programs::{PROGRAMS, REPEATS};

fn tour(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pycoro"))
        .args(args)
        .output()
        .expect("the tour runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_tour_lists_every_program_and_every_repeat() {
    let out = tour(&[]);
    assert!(out.status.success());
    let listing = text(&out.stdout);
    for id in PROGRAMS
        .iter()
        .map(|p| p.id)
        .chain(REPEATS.iter().map(|(id, _)| *id))
    {
        assert!(listing.contains(id), "{id} missing from the tour");
    }
}

#[test]
fn the_tour_runs_one_program_by_id_or_prefix() {
    let out = tour(&["s000-01"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "1\n2\nx\ny\n3\nz\n");
}

#[test]
fn bad_arguments_get_a_clear_message_and_exit_2_never_a_panic() {
    for (args, says) in [
        (
            &["no-such-program"][..],
            "no program named 'no-such-program'",
        ),
        (
            &["s002-05"][..],
            "could be s002-05-hello-wait or s002-05b-hello-wait-tasks",
        ),
        (&["compare"][..], "unexpected arguments: compare"),
        (&["compare", "x", "y"][..], "unexpected arguments"),
        (&["--frobnicate"][..], "unexpected arguments: --frobnicate"),
    ] {
        let out = tour(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(stderr.contains("usage:"), "{args:?}");
        assert!(!stderr.contains("panicked"), "{args:?}");
    }
}

#[test]
fn compare_sets_python_beside_rust_and_gives_a_verdict() {
    let out = tour(&["compare", "s001-01"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("python/s001-01-counter.py"));
    assert!(stdout.contains("src/programs/s001_01_counter.rs"));
    if stdout.contains("python3 is not installed") {
        eprintln!("SKIPPED: python3 is not installed, so no verdict");
        return;
    }
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("verdict: identical (6 lines, byte for byte)"),
        "{stdout}"
    );
}
