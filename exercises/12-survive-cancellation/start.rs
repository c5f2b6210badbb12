//! Exercise 12: make `worker` survive its cancellation: catch it, clean up, and return
//! `"survived"`. Check yourself with `cargo run -- exercises 12 start`.

use pycoro::prelude::native::*;
use pycoro::trace::repr_str;

async fn worker(out: Out) -> PyResult<&'static str> {
    pyprint!(out, "worker: start, sleeping for 10 s");
    sleep(10.0).await?; // a cancellation arrives here, as Err(CancelledError)
    Ok("slept")
}

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
