//! Every document program's trace, as an insta snapshot: the executable documentation
//! of what each program prints. `cargo insta review` shows a changed trace.

use pycoro::clock::Clock;
use pycoro::programs::{PROGRAMS, cpython::run_rust};

#[test]
fn every_program_trace_matches_its_snapshot() {
    for program in PROGRAMS {
        let trace = run_rust(program, &Clock::new_virtual()).transcript();
        // Addresses and ids change from run to run; all else is exact on the virtual clock.
        let trace = pycoro::programs::cpython::mask_unstable(&trace);
        insta::with_settings!({
            description => program.summary,
            omit_expression => true,
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!(program.id, trace);
        });
    }
}

#[test]
fn every_program_has_an_example_named_after_its_id() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for program in PROGRAMS {
        let example = examples.join(format!("{}.rs", program.id));
        let source = std::fs::read_to_string(&example)
            .unwrap_or_else(|e| panic!("{}: {e}", example.display()));
        assert!(
            source.contains(&format!("programs::main(\"{}\")", program.id)),
            "{} should call pycoro::programs::main(\"{}\")",
            example.display(),
            program.id
        );
    }
}

#[test]
fn the_loop_steps_trace_matches_its_snapshot() {
    let (out, trace) = pycoro::trace::Out::capture();
    pycoro::programs::loop_steps::run(&out, &Clock::new_virtual()).unwrap();
    insta::with_settings!({
        description => "s003-01 with the generator-based loop's trace mode on",
        omit_expression => true,
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("loop-steps", trace.text());
    });
}

#[test]
fn the_three_substrates_trace_matches_its_snapshot() {
    let (out, trace) = pycoro::trace::Out::capture();
    pycoro::programs::three_substrates::run(&out).unwrap();
    insta::with_settings!({
        description => "s000-02 on nightly, genawaiter and corosensei, with what each keeps",
        omit_expression => true,
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("three-substrates", trace.text());
    });
}
