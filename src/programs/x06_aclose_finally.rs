//! x06-aclose-finally: `aclose()` throws `GeneratorExit` into an async generator at its
//! `yield`, and its `finally` awaits (closing the connection takes half a second) before
//! `aclose()` returns. A second one, left suspended when `main` returns, is closed the
//! same way by `asyncio.run`, through the loop's `shutdown_asyncgens()`.

use std::cell::RefCell;
use std::rc::Rc;

use futures::TryStreamExt;

use crate::clock::Clock;
use crate::event_loop::get_running_loop;
use crate::exceptions::{PyResult, StopAsyncIteration};
use crate::generators::GeneratorState;
use crate::native::{AsyncGenerator, run_with_clock, sleep};
use crate::pyprint;
use crate::trace::{Out, PyRepr};

// ANCHOR: program
/// Seconds since `start` on the running loop's clock.
fn now(start: f64) -> PyResult<f64> {
    Ok(get_running_loop()?.time() - start)
}

// ANCHOR: rows
// async def rows(name):
//     print('[%s] connect at %.1f' % (name, now()))
//     try:
//         for i in range(1, 100):
//             print('[%s] yield row %d' % (name, i))
//             yield i
//     finally:
//         print('[%s] finally: closing the connection at %.1f' % (name, now()))
//         await asyncio.sleep(0.5)
//         print('[%s] finally: closed at %.1f' % (name, now()))
fn rows(out: Out, start: f64, name: &'static str) -> AsyncGenerator<u32> {
    AsyncGenerator::new(async move |co| {
        pyprint!(out, "[{name}] connect at {:.1}", now(start)?);
        // try:
        let body: PyResult<()> = async {
            for i in 1..100 {
                pyprint!(out, "[{name}] yield row {i}");
                co.yield_(i).await?; // aclose(): Err(GeneratorExit) here, raised by `?`
            }
            Ok(())
        }
        .await;
        // finally: (it runs however the body ended, and it may await)
        pyprint!(
            out,
            "[{name}] finally: closing the connection at {:.1}",
            now(start)?
        );
        sleep(0.5).await?;
        pyprint!(out, "[{name}] finally: closed at {:.1}", now(start)?);
        body // GeneratorExit goes on: aclose() sees the generator end
    })
}
// ANCHOR_END: rows

// ANCHOR: main
async fn main(out: Out, kept: Rc<RefCell<Vec<AsyncGenerator<u32>>>>) -> PyResult<()> {
    let start = get_running_loop()?.time();
    let a = rows(out.clone(), start, "a");
    pyprint!(out, "[main] got {}", a.anext().await?);
    pyprint!(out, "[main] got {}", a.anext().await?);
    a.aclose().await?;
    pyprint!(out, "[main] aclose() returned at {:.1}", now(start)?);
    match a.anext().await {
        Err(e) if e.is::<StopAsyncIteration>() => {
            pyprint!(out, "[main] a is finished: StopAsyncIteration");
        }
        other => {
            other?;
        }
    }
    let mut b = rows(out.clone(), start, "b");
    kept.borrow_mut().push(b.clone());
    // async for row in b:
    //     if row == 2:
    //         break
    while let Some(row) = b.try_next().await? {
        if row == 2 {
            break;
        }
    }
    pyprint!(out, "[main] returns with b suspended at its yield");
    Ok(())
}
// ANCHOR_END: main

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    let kept = Rc::new(RefCell::new(Vec::new()));
    run_with_clock(main(out.clone(), kept.clone()), clock.clone())?;
    let b = &kept.borrow()[0];
    pyprint!(
        out,
        "[after asyncio.run] b.ag_running = {}; b is closed: {}",
        b.ag_running().py_repr(),
        (b.state() == GeneratorState::Closed).py_repr()
    );
    Ok(())
}
// ANCHOR_END: program
