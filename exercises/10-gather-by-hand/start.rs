//! Exercise 10: write `my_gather` with a future of your own and a done callback on
//! each task. Check yourself with `cargo run -- exercises 10 start`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use pycoro::prelude::native::*;
use pycoro::trace::PyRepr;

/// Waits for every task; their results in the order of `tasks`, whichever ends first.
/// Each task's done callback prints `done callback: task I finished, N to go`.
async fn my_gather(out: &Out, tasks: Vec<Task<String>>) -> PyResult<Vec<String>> {
    todo!("get_running_loop()?.create_future(), then task.add_done_callback(..) on each")
}

async fn work(out: Out, name: &'static str, delay: f64) -> PyResult<String> {
    pyprint!(out, "{name}: start");
    sleep(delay).await?;
    pyprint!(out, "{name}: done");
    Ok(name.to_uppercase())
}

async fn main_(out: Out) -> PyResult<()> {
    let tasks = vec![
        create_task(work(out.clone(), "slow", 0.3))?,
        create_task(work(out.clone(), "fast", 0.1))?,
        create_task(work(out.clone(), "middle", 0.2))?,
    ];
    pyprint!(out, "{}", my_gather(&out, tasks).await?.py_repr());
    Ok(())
}

/// `asyncio.run(main())`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main_(out.clone()), clock.clone())
}
