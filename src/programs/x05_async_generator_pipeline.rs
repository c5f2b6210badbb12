//! x05-async-generator-pipeline: an async generator that awaits between its yields
//! (PEP 525), a second one that filters and transforms it with `async for`, `async for`
//! over the pipeline, and an async comprehension with a condition. The loop's clock shows
//! when each value arrives: a value is pulled through the pipeline, not pushed.

use std::future::ready;

use futures::TryStreamExt;

use crate::clock::Clock;
use crate::event_loop::get_running_loop;
use crate::exceptions::PyResult;
use crate::native::{AsyncGenerator, run_with_clock, sleep};
use crate::pyprint;
use crate::trace::{Out, PyRepr};

// ANCHOR: program
/// Seconds since `start` on the running loop's clock.
fn now(start: f64) -> PyResult<f64> {
    Ok(get_running_loop()?.time() - start)
}

// ANCHOR: ticker
// async def ticker(n, delay):
//     for i in range(n):
//         await asyncio.sleep(delay)
//         print('[ticker] yield %d at %.1f' % (i, now()))
//         yield i
fn ticker(out: Out, start: f64, n: u32, delay: f64) -> AsyncGenerator<u32> {
    AsyncGenerator::new(async move |co| {
        for i in 0..n {
            sleep(delay).await?;
            pyprint!(out, "[ticker] yield {i} at {:.1}", now(start)?);
            co.yield_(i).await?;
        }
        Ok(())
    })
}
// ANCHOR_END: ticker

// ANCHOR: squares
// async def squares_of_evens(source):
//     async for i in source:
//         if i % 2 == 0:
//             print('[squares] got %d, yield its square' % i)
//             yield i * i
fn squares_of_evens(out: Out, mut source: AsyncGenerator<u32>) -> AsyncGenerator<u32> {
    AsyncGenerator::new(async move |co| {
        while let Some(i) = source.try_next().await? {
            if i % 2 == 0 {
                pyprint!(out, "[squares] got {i}, yield its square");
                co.yield_(i * i).await?;
            }
        }
        Ok(())
    })
}
// ANCHOR_END: squares

// ANCHOR: main
async fn main(out: Out) -> PyResult<()> {
    let start = get_running_loop()?.time();
    // async for square in squares_of_evens(ticker(5, 0.5)):
    let mut squares = squares_of_evens(out.clone(), ticker(out.clone(), start, 5, 0.5));
    while let Some(square) = squares.try_next().await? {
        pyprint!(out, "[main] received {square} at {:.1}", now(start)?);
    }
    // evens = [i async for i in ticker(4, 0.1) if i % 2 == 0]
    let evens: Vec<u32> = ticker(out.clone(), start, 4, 0.1)
        .try_filter(|i| ready(i % 2 == 0))
        .try_collect()
        .await?;
    pyprint!(
        out,
        "[main] [i async for i in ticker(4, 0.1) if i % 2 == 0] = {}",
        evens.py_repr()
    );
    Ok(())
}
// ANCHOR_END: main

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main(out.clone()), clock.clone())
}
// ANCHOR_END: program
