//! s002-05b-hello-wait-tasks: s002-05 with tasks, as 3.11 requires. No coroutine ever
//! suspends (`async_add` awaits nothing), so each `hello` runs from start to end before
//! the next begins: the two lines of each come together, four times.

use crate::clock::Clock;
use crate::event_loop::EventLoop;
use crate::exceptions::PyResult;
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
    let r = async_add(1, 3).await?;
    pyprint!(out, "异步返回的结果： {r} time:  {:?}", clock.wall_time());
    Ok(())
}

async fn main(out: Out, clock: Clock) -> PyResult<()> {
    let tasks = (0..4)
        .map(|_| create_task(hello(out.clone(), clock.clone())))
        .collect::<PyResult<Vec<_>>>()?;
    wait(tasks, None, ReturnWhen::AllCompleted).await?;
    Ok(())
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    let event_loop = EventLoop::new(clock.clone());
    event_loop.run_until_complete(event_loop.create_native_task(main(out.clone(), clock.clone()))?)
}
// ANCHOR_END: program
