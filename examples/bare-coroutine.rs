//! A coroutine with nothing around it: the closure rustc compiles, resumed by hand.
//!
//! Before `pycoro::generators::Generator` adds Python's rules, this is all there is:
//! `resume(arg)` runs the body to its next `yield` or to its end, and `arg` is what
//! the `yield` it was suspended at evaluates to. The book's Generation 1 chapter reads
//! it; `tests/by_hand.rs` keeps its trace.
//!
//!     cargo run --example bare-coroutine
#![feature(coroutines, coroutine_trait, stmt_expr_attributes)]

use std::ops::{Coroutine, CoroutineState};
use std::pin::pin;

use pycoro::{pyprint, trace::Out};

/// Resumes a bare coroutine three times, printing what goes in and what comes out.
pub fn run(out: &Out) {
    // ANCHOR: bare
    let body_out = out.clone();
    let mut body = pin!(
        #[coroutine]
        move |first: &'static str| {
            // The first resume's argument is the closure's parameter: no `yield` waits yet.
            pyprint!(body_out, "body: started with {first:?}");
            let second = yield 1;
            pyprint!(body_out, "body: the first yield gave {second:?}");
            let third = yield 2;
            pyprint!(body_out, "body: the second yield gave {third:?}");
            "done"
        }
    );
    for arg in ["a", "b", "c"] {
        pyprint!(out, "caller: resume({arg:?})");
        match body.as_mut().resume(arg) {
            CoroutineState::Yielded(y) => pyprint!(out, "caller: Yielded({y})"),
            CoroutineState::Complete(r) => pyprint!(out, "caller: Complete({r:?})"),
        }
    }
    // A fourth resume would panic: "coroutine resumed after completion".
    // ANCHOR_END: bare
}

fn main() {
    run(&Out::stdout());
}
