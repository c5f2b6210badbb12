//! s003-01-tasks-concurrent: generator-based coroutines wrapped in tasks run
//! concurrently: both start before either finishes.

use crate::clock::Clock;
use crate::exceptions::PyResult;
use crate::trace::Out;
use crate::yield_from::{Coroutine, coroutine, ensure_future, run_with_clock, sleep};
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

pub(crate) fn main(out: Out) -> Coroutine<()> {
    coroutine(
        #[coroutine]
        move |_| {
            let task1 = ensure_future(a(out.clone()))?; // 3
            let task2 = ensure_future(b(out.clone()))?; // 4
            yield_from!(task1)?; // 5
            yield_from!(task2)?; // 6
            Ok(())
        },
    )
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    // asyncio.run(main())  # 9
    run_with_clock(main(out.clone()), clock.clone())
}
// ANCHOR_END: program
