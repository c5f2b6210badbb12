//! s002-05-hello-wait: four coroutines handed straight to `asyncio.wait`.
//!
//! As written the document never calls `run()`; called, Python 3.11 refuses:
//! `TypeError: Passing coroutines is forbidden, use tasks explicitly.` (coroutines in
//! `wait` were deprecated in 3.8 and forbidden in 3.11). pycoro's `wait` takes tasks,
//! so Rust refuses the same program at compile time; this version raises what CPython
//! raises, at the same point, and prints nothing before it.

use crate::clock::Clock;
use crate::event_loop::EventLoop;
use crate::exceptions::{PyResult, TypeError};
use crate::native::{ReturnWhen, create_task, wait};
use crate::pyprint;
use crate::trace::Out;

// ANCHOR: program
async fn async_add(a: i32, b: i32) -> PyResult<i32> {
    let mut c = 0;
    while c < 1_000_000 {
        c = std::hint::black_box(c + 1);
    }
    Ok(a + b)
}

async fn hello(out: Out, clock: Clock) -> PyResult<()> {
    pyprint!(out, "Hello world:  time= {:?}", clock.wall_time());
    let r = async_add(1, 3).await?; // 模拟做别的事情
    pyprint!(out, "异步返回的结果： {r} time:  {:?}", clock.wall_time());
    Ok(())
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    let event_loop = EventLoop::new(clock.clone());
    let coroutines: Vec<_> = (0..4).map(|_| hello(out.clone(), clock.clone())).collect();
    // wait(coroutines) is a type error in Rust; Python 3.11 finds it at run time:
    if !coroutines.is_empty() {
        return Err(
            TypeError::new("Passing coroutines is forbidden, use tasks explicitly.").into(),
        );
    }
    // What the program would need: tasks.
    let main = async move {
        let tasks = coroutines
            .into_iter()
            .map(create_task)
            .collect::<PyResult<Vec<_>>>()?;
        wait(tasks, None, ReturnWhen::AllCompleted).await.map(drop)
    };
    event_loop.run_until_complete(event_loop.create_native_task(main)?)
}
// ANCHOR_END: program
