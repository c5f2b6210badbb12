//! s002-04-done-callback: the thread's loop asked for twice (the same loop),
//! `ensure_future(coroutine, loop=loop)`, and a done callback that receives the task.
//!
//! The document never defines `callback`; its prose says the callback receives the
//! future, so both versions define it to print the future's result.

use crate::clock::Clock;
use crate::event_loop::{EventLoop, Future, get_event_loop, set_event_loop};
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

fn callback(out: &Out, future: &Future<i32>) {
    match future.result() {
        Ok(result) => pyprint!(out, "Callback:  {result}"),
        Err(e) => pyprint!(out, "Callback:  {e}"),
    }
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    let start = clock.wall_time();
    set_event_loop(Some(&EventLoop::new(clock.clone())));
    let event_loop = get_event_loop()?;
    let loop2 = get_event_loop()?;
    pyprint!(out, "id diff:  {} {}", event_loop.id(), loop2.id()); // 同一个线程占有相同的内存空间
    let coroutine = add(out.clone(), 1, 2);
    let task = event_loop.create_native_task(coroutine)?; // loop 是线程特定，因此可以不用传递
    pyprint!(out, "{task}");
    let callback_out = out.clone();
    task.add_done_callback(move |future| callback(&callback_out, future));
    event_loop.run_until_complete(task)?;
    pyprint!(out, "time:  {:?}", clock.wall_time() - start);
    set_event_loop(None);
    Ok(())
}
// ANCHOR_END: program
