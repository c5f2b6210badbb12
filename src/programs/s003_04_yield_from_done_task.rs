//! s003-04-yield-from-done-task: document 003's open question. After `main` resumes
//! from `yield from task1`, `task2` is already done: does `yield from task2` give up
//! control and come back, or go straight on? A ticker task, created just before,
//! prints each time it runs: it shows that `main` goes straight on.

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
            yield_from!(sleep(1.0))?;
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
            yield_from!(sleep(1.0))?;
            pyprint!(out, "b finish");
            Ok(())
        },
    )
}

fn ticker(out: Out) -> Coroutine<()> {
    coroutine(
        #[coroutine]
        move |_| {
            for i in 0..3 {
                pyprint!(out, "  ticker {i}");
                yield_from!(sleep(0.0))?;
            }
            Ok(())
        },
    )
}

fn main(out: Out) -> Coroutine<()> {
    coroutine(
        #[coroutine]
        move |_| {
            let task1 = ensure_future(a(out.clone()))?;
            let task2 = ensure_future(b(out.clone()))?;
            yield_from!(task1)?;
            let done = if task2.done() { "True" } else { "False" };
            pyprint!(out, "task1 done; task2.done() = {done}");
            ensure_future(ticker(out.clone()))?;
            yield_from!(task2)?;
            pyprint!(out, "main resumed after yield from task2");
            yield_from!(sleep(0.0))?;
            pyprint!(out, "after one explicit suspension");
            Ok(())
        },
    )
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main(out.clone()), clock.clone())
}
// ANCHOR_END: program
