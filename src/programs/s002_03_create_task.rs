//! s002-03-create-task: `loop.create_task`, the task's repr before it has run, and
//! `task.result()` after. (The same un-awaited `sleep` as s002-02.)

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
    let task = event_loop.create_native_task(coroutine)?; // 可以通过asyncio.ensure_future()来创建task
    pyprint!(out, "{task}");
    event_loop.run_until_complete(task.clone())?;
    pyprint!(out, "{}", task.result()?);
    pyprint!(out, "time:  {:?}", clock.wall_time() - start);
    Ok(())
}
// ANCHOR_END: program
