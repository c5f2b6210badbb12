//! Exercise 13, a solution: `wait_for`, written with `wait`: on timeout, cancel the task
//! and wait for the cancellation to be delivered.

use pycoro::prelude::native::*;
use pycoro::trace::repr_str;

// ANCHOR: wait_for
async fn my_wait_for<T: Clone + 'static>(task: Task<T>, timeout: f64) -> PyResult<T> {
    let (done, _) = wait(vec![task.clone()], Some(timeout), ReturnWhen::AllCompleted).await?;
    if !done.is_empty() {
        return task.await;
    }
    task.cancel();
    match task.await {
        // Until the task has taken its CancelledError (and cleaned up).
        Err(e) if e.is::<CancelledError>() => {}
        other => {
            other?;
        }
    }
    Err(TimeoutError::default().into())
}
// ANCHOR_END: wait_for

async fn slow_op(out: Out, name: &'static str, seconds: f64) -> PyResult<&'static str> {
    pyprint!(out, "{name}: working for {seconds:?} s");
    match sleep(seconds).await {
        Err(e) if e.is::<CancelledError>() => {
            pyprint!(out, "{name}: cancelled, cleaning up");
            return Err(e);
        }
        other => other?,
    }
    pyprint!(out, "{name}: finished");
    Ok(name)
}

async fn main_(out: Out) -> PyResult<()> {
    for (name, seconds) in [("quick", 0.1), ("slow", 1.0)] {
        let task = create_task(slow_op(out.clone(), name, seconds))?;
        match my_wait_for(task.clone(), 0.3).await {
            Ok(result) => pyprint!(out, "main: got {}", repr_str(result)),
            Err(e) if e.is::<TimeoutError>() => {
                let cancelled = if task.cancelled() { "True" } else { "False" };
                pyprint!(out, "main: {name} timed out; cancelled() -> {cancelled}");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `asyncio.run(main())`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main_(out.clone()), clock.clone())
}
