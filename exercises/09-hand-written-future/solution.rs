//! Exercise 09, a solution: a future written by hand, which wakes its own task.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pycoro::prelude::native::*;
use pycoro::trace::PyRepr;

// ANCHOR: countdown
/// Ready after `left` polls that say "not yet".
struct Countdown {
    out: Out,
    name: &'static str,
    left: u32,
}

impl Future for Countdown {
    type Output = PyResult<&'static str>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.left == 0 {
            pyprint!(self.out, "{}: liftoff", self.name);
            return Poll::Ready(Ok(self.name));
        }
        pyprint!(self.out, "{}: {}, not yet", self.name, self.left);
        self.left -= 1;
        // Nothing else will wake this task: it wakes itself, to be polled again on the
        // loop's next pass (Python's bare `yield` in `__await__`).
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
// ANCHOR_END: countdown

async fn launch(out: Out, name: &'static str, n: u32) -> PyResult<&'static str> {
    Countdown { out, name, left: n }.await
}

async fn main_(out: Out) -> PyResult<()> {
    let tasks = vec![
        create_task(launch(out.clone(), "a", 3))?,
        create_task(launch(out.clone(), "b", 1))?,
        create_task(launch(out.clone(), "c", 2))?,
    ];
    let results = gather(tasks).await?;
    pyprint!(out, "{}", results.py_repr());
    Ok(())
}

/// `asyncio.run(main())`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main_(out.clone()), clock.clone())
}
