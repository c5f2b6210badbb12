//! s002-06-nested-wait: `await asyncio.wait(tasks)` inside `main`, then each done task's result.
//! Python's `dones` is a set, so its order varies; pycoro's is the argument order.

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

async fn main(out: Out) -> PyResult<()> {
    let tasks = vec![
        create_task(do_some_work(out.clone(), 1))?,
        create_task(do_some_work(out.clone(), 2))?,
        create_task(do_some_work(out.clone(), 4))?,
    ];
    let (dones, _pendings) = wait(tasks, None, ReturnWhen::AllCompleted).await?;
    for task in dones {
        pyprint!(out, "Task ret: {}", task.result()?);
    }
    Ok(())
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    let start = clock.time();
    let event_loop = EventLoop::new(clock.clone());
    event_loop.run_until_complete(event_loop.create_native_task(main(out.clone()))?)?;
    pyprint!(out, "Time: {:?}", clock.time() - start);
    Ok(())
}
// ANCHOR_END: program
