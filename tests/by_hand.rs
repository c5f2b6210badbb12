//! The book's hand-driven machines, each a real example with its trace kept here.
#![feature(coroutines, coroutine_trait, stmt_expr_attributes)]

#[allow(dead_code, unused_attributes)]
#[path = "../examples/bare-coroutine.rs"]
mod bare_coroutine;

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

fn snapshot(name: &str, description: &str, trace: &str) {
    insta::with_settings!({
        description => description,
        omit_expression => true,
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, trace);
    });
}
