//! Exercise 10, a solution: `gather` by hand, with a future and done callbacks.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use pycoro::prelude::native::*;
use pycoro::trace::PyRepr;

// ANCHOR: gather
/// Waits for every task; their results in the order of `tasks`, whichever ends first.
async fn my_gather(out: &Out, tasks: Vec<Task<String>>) -> PyResult<Vec<String>> {
    let outer: Future<Vec<String>> = get_running_loop()?.create_future();
    let results = Rc::new(RefCell::new(vec![String::new(); tasks.len()]));
    let remaining = Rc::new(Cell::new(tasks.len()));
    for (i, task) in tasks.iter().enumerate() {
        let (out, outer, results, remaining) =
            (out.clone(), outer.clone(), results.clone(), remaining.clone());
        task.add_done_callback(move |done| {
            match done.result() {
                Ok(result) => results.borrow_mut()[i] = result,
                Err(e) => {
                    let _ = outer.set_exception(e); // the first exception is gather's
                    return;
                }
            }
            remaining.set(remaining.get() - 1);
            pyprint!(out, "done callback: task {i} finished, {} to go", remaining.get());
            if remaining.get() == 0 {
                let _ = outer.set_result(results.take());
            }
        });
    }
    outer.await
}
// ANCHOR_END: gather

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
