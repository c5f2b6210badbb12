//! Exercise 12, a solution: a task that catches its cancellation and survives it.

use pycoro::prelude::native::*;
use pycoro::trace::repr_str;

// ANCHOR: worker
async fn worker(out: Out) -> PyResult<&'static str> {
    pyprint!(out, "worker: start, sleeping for 10 s");
    match sleep(10.0).await {
        Err(e) if e.is::<CancelledError>() => {
            pyprint!(out, "worker: cancelled; cleaning up");
            sleep(0.1).await?; // the cancellation was delivered once: this sleep is not cut
            pyprint!(out, "worker: clean, and not giving up");
            Ok("survived")
        }
        other => {
            other?;
            Ok("slept")
        }
    }
}
// ANCHOR_END: worker

async fn main_(out: Out) -> PyResult<()> {
    let task = create_task(worker(out.clone()))?;
    sleep(0.1).await?;
    pyprint!(out, "main: cancel() -> {}", py_bool(task.cancel()));
    let result = task.clone().await?;
    pyprint!(out, "main: the task returned {}", repr_str(result));
    pyprint!(out, "main: cancelled() -> {}", py_bool(task.cancelled()));
    pyprint!(out, "main: cancel() again -> {}", py_bool(task.cancel()));
    Ok(())
}

/// `True` or `False`, as Python prints a bool.
fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// `asyncio.run(main())`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main_(out.clone()), clock.clone())
}
