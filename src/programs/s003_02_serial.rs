//! s003-02-serial: the coroutines are delegated to directly with `yield from`, one
//! after the other, in the same task: serial, 1 s + 1 s.

use crate::clock::Clock;
use crate::exceptions::PyResult;
use crate::trace::Out;
use crate::yield_from::{Coroutine, coroutine, run_with_clock, sleep};
use crate::{pyprint, yield_from};

// ANCHOR: program
fn a(out: Out) -> Coroutine<()> {
    coroutine(
        #[coroutine]
        move |_| {
            pyprint!(out, "a start");
            yield_from!(sleep(1.0))?; // 1
            pyprint!(out, "a finish");
            Ok(())
        },
    )
}

fn b(out: Out) -> Coroutine<()> {
    coroutine(
        #[coroutine]
        move |_| {
            pyprint!(out, "b start");
            yield_from!(sleep(1.0))?; // 2
            pyprint!(out, "b finish");
            Ok(())
        },
    )
}

fn main(out: Out) -> Coroutine<()> {
    coroutine(
        #[coroutine]
        move |_| {
            yield_from!(a(out.clone()))?; // 7
            yield_from!(b(out.clone()))?; // 8
            Ok(())
        },
    )
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main(out.clone()), clock.clone()) // 9
}
// ANCHOR_END: program
