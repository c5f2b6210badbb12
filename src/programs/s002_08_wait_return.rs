//! s002-08-wait-return: `return await asyncio.wait(tasks)`; the caller iterates `done`.
//! Python's `done` is a set, so its order varies; pycoro's is the argument order.

use crate::clock::Clock;
use crate::event_loop::EventLoop;
use crate::exceptions::PyResult;
use crate::native::{ReturnWhen, create_task, sleep, wait};
use crate::pyprint;
use crate::trace::Out;

// ANCHOR: program
async fn do_some_work(out: Out, x: u64) -> PyResult<String> {
    pyprint!(out, "waiting: {x}");
    sleep(x as f64).await?;
    Ok(format!("Done after {x}s"))
}

async fn main(
    out: Out,
) -> PyResult<(
    Vec<crate::native::Task<String>>,
    Vec<crate::native::Task<String>>,
)> {
    let tasks = vec![
        create_task(do_some_work(out.clone(), 1))?,
        create_task(do_some_work(out.clone(), 2))?,
        create_task(do_some_work(out.clone(), 4))?,
    ];
    wait(tasks, None, ReturnWhen::AllCompleted).await
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    let start = clock.time();
    let event_loop = EventLoop::new(clock.clone());
    let (done, _pending) =
        event_loop.run_until_complete(event_loop.create_native_task(main(out.clone()))?)?;
    for task in done {
        pyprint!(out, "Task ret: {}", task.result()?);
    }
    pyprint!(out, "Time: {:?}", clock.time() - start);
    Ok(())
}
// ANCHOR_END: program
