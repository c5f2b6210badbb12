//! s004-03-hello: `asyncio.run` of a coroutine that sleeps one second in the middle.

use crate::clock::Clock;
use crate::exceptions::PyResult;
use crate::native::{run_with_clock, sleep};
use crate::pyprint;
use crate::trace::Out;

// ANCHOR: program
async fn hello(out: Out) -> PyResult<()> {
    pyprint!(out, "Hello world!");
    // 异步调用asyncio.sleep(1):
    sleep(1.0).await?;
    pyprint!(out, "Hello again!");
    Ok(())
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(hello(out.clone()), clock.clone())
}
// ANCHOR_END: program
