//! s003-03-run-in-executor: blocking functions moved to the default thread pool with
//! `run_in_executor`; both sleep at once, so the whole takes about one second.
//!
//! On the virtual clock the two pool threads take turns (see `pycoro::clock`), so the
//! test's trace is the one interleaving CPython prints in practice.

use crate::clock::Clock;
use crate::event_loop::{EventLoop, get_running_loop};
use crate::exceptions::PyResult;
use crate::trace::Out;
use crate::yield_from::{Coroutine, coroutine};
use crate::{pyprint, yield_from};

// ANCHOR: program
fn a(out: &Out, clock: &Clock) -> PyResult<()> {
    pyprint!(out, "a start");
    clock.sleep(1.0); // time.sleep(1): blocks this thread
    pyprint!(out, "a finish");
    Ok(())
}

fn b(out: &Out, clock: &Clock) -> PyResult<()> {
    pyprint!(out, "b start");
    clock.sleep(1.0);
    pyprint!(out, "b finish");
    Ok(())
}

fn main(out: Out) -> Coroutine<()> {
    coroutine(
        #[coroutine]
        move |_| {
            let event_loop = get_running_loop()?;
            let clock = event_loop.clock().clone();
            let (out_a, clock_a) = (out.clone(), clock.clone());
            let future1 = event_loop.run_in_executor(move || a(&out_a, &clock_a))?;
            let (out_b, clock_b) = (out.clone(), clock.clone());
            let future2 = event_loop.run_in_executor(move || b(&out_b, &clock_b))?;
            yield_from!(future1)?;
            yield_from!(future2)?;
            Ok(())
        },
    )
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    let event_loop = EventLoop::new(clock.clone()); // loop = asyncio.get_event_loop()
    let result = event_loop.run_until_complete(main(out.clone()));
    event_loop.close()?;
    result
}
// ANCHOR_END: program
