//! Exercise 09: write `Countdown::poll`: a future that says "not yet" `left` times
//! before it is ready, and wakes its own task each time. Check yourself with
//! `cargo run -- exercises 09 start`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pycoro::prelude::native::*;
use pycoro::trace::PyRepr;

/// Ready after `left` polls that say "not yet".
struct Countdown {
    out: Out,
    name: &'static str,
    left: u32,
}

impl Future for Countdown {
    type Output = PyResult<&'static str>;

    /// Prints `NAME: LEFT, not yet` and is pending while `left` is not 0; then prints
    /// `NAME: liftoff` and is ready with its name.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!("and who will poll this task again?")
    }
}

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
