//! s002-02-add: `run_until_complete` of a coroutine.
//!
//! The document's `add` calls `asyncio.sleep(1)` without `await`: the sleep coroutine
//! is made and thrown away, so no second passes (CPython warns "coroutine 'sleep' was
//! never awaited"). Rust refuses to let that pass quietly (a future is `#[must_use]`);
//! this program drops the future on purpose to do what CPython really does.

use crate::clock::Clock;
use crate::event_loop::EventLoop;
use crate::exceptions::PyResult;
use crate::native::sleep;
use crate::pyprint;
use crate::trace::Out;

// ANCHOR: program
async fn add(out: Out, a: i32, b: i32) -> PyResult<i32> {
    drop(sleep(1.0)); // asyncio.sleep(1), never awaited: it does nothing
    pyprint!(out, "add result:  {}", a + b);
    Ok(a + b)
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    let start = clock.wall_time();
    let event_loop = EventLoop::new(clock.clone());
    let coroutine = add(out.clone(), 1, 2);
    event_loop.run_until_complete(event_loop.create_native_task(coroutine)?)?; // 这里也可以返回执行结果
    pyprint!(out, "time:  {:?}", clock.wall_time() - start);
    Ok(())
}
// ANCHOR_END: program
