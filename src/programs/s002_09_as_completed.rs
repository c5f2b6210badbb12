//! s002-09-as-completed: `asyncio.as_completed`: the results in the order the tasks finish.

use crate::clock::Clock;
use crate::event_loop::EventLoop;
use crate::exceptions::PyResult;
use crate::native::{as_completed, create_task, sleep};
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
    for task in as_completed(tasks, None)? {
        let result = task.await?;
        pyprint!(out, "Task ret: {result}");
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
