//! x04-timeout-slow-work: `asyncio.timeout()` around work that takes too long. At the
//! deadline the task is cancelled: the work's `except` and `finally` run, and the block's
//! `CancelledError` leaves it as `TimeoutError`. In the second block the work reports
//! progress halfway and `main` moves the deadline with `cm.reschedule()`, so it finishes.
//! Last, `asyncio.wait_for()` does the same with the work in a task of its own.

use crate::clock::Clock;
use crate::event_loop::get_running_loop;
use crate::exceptions::{CancelledError, ExceptionExt, PyResult, TimeoutError, exception_repr};
use crate::native::{Timeout, create_task, run_with_clock, sleep, timeout, wait_for};
use crate::pyprint;
use crate::trace::{Out, PyRepr};

// ANCHOR: program
/// Seconds since `start` on the running loop's clock.
fn now(start: f64) -> PyResult<f64> {
    Ok(get_running_loop()?.time() - start)
}

/// `cm.when() - start`. A timeout with no deadline (`when()` is `None`) never expires:
/// its deadline is infinitely far.
fn deadline(cm: &Timeout, start: f64) -> f64 {
    cm.when().unwrap_or(f64::INFINITY) - start
}

// ANCHOR: work
// async def work(name, seconds):
//     print('[%s] starts at %.1f, needs %.1f s' % (name, now(), seconds))
//     try:
//         await asyncio.sleep(seconds)
//         print('[%s] done at %.1f' % (name, now()))
//         return '%s result' % name
//     except asyncio.CancelledError:
//         print('[%s] cancelled at %.1f' % (name, now()))
//         raise
//     finally:
//         print('[%s] cleans up at %.1f' % (name, now()))
async fn work(out: Out, start: f64, name: &'static str, seconds: f64) -> PyResult<String> {
    pyprint!(
        out,
        "[{name}] starts at {:.1}, needs {seconds:.1} s",
        now(start)?
    );
    let worked: PyResult<String> = async {
        sleep(seconds).await?;
        pyprint!(out, "[{name}] done at {:.1}", now(start)?);
        Ok(format!("{name} result"))
    }
    .await;
    if let Err(e) = &worked
        && e.is::<CancelledError>()
    {
        pyprint!(out, "[{name}] cancelled at {:.1}", now(start)?);
    }
    // finally: (however the try ended)
    pyprint!(out, "[{name}] cleans up at {:.1}", now(start)?);
    worked
}
// ANCHOR_END: work

// ANCHOR: main
async fn main(out: Out) -> PyResult<()> {
    let event_loop = get_running_loop()?;
    let start = event_loop.time();

    // try:
    //     async with asyncio.timeout(1.0) as cm:
    //         await work('report', 1.5)
    // except TimeoutError as e:
    let cm = timeout(Some(1.0))?;
    match cm.run(work(out.clone(), start, "report", 1.5)).await {
        Err(e) if e.isinstance::<TimeoutError>() => pyprint!(
            out,
            "[main] {} at {:.1}; expired() is {}",
            exception_repr(&e),
            now(start)?,
            cm.expired().py_repr()
        ),
        other => drop(other?),
    }

    // async with asyncio.timeout(1.0) as cm:
    let cm = timeout(Some(1.0))?;
    let result = cm
        .run(async {
            let (at, deadline_at) = (now(start)?, deadline(&cm, start));
            pyprint!(out, "[main] at {at:.1} the deadline is {deadline_at:.1}");
            work(out.clone(), start, "part 1", 0.6).await?;
            cm.reschedule(Some(event_loop.time() + 2.0))?;
            pyprint!(
                out,
                "[main] part 1 is done: deadline moved to {:.1}; expired() is {}",
                deadline(&cm, start),
                cm.expired().py_repr()
            );
            work(out.clone(), start, "part 2", 0.8).await
        })
        .await?;
    pyprint!(
        out,
        "[main] got {} at {:.1}; expired() is {}",
        result.py_repr(),
        now(start)?,
        cm.expired().py_repr()
    );

    // try:
    //     await asyncio.wait_for(work('upload', 1.5), 1.0)
    // except TimeoutError as e:
    let upload = create_task(work(out.clone(), start, "upload", 1.5))?;
    match wait_for(upload, 1.0).await {
        Err(e) if e.isinstance::<TimeoutError>() => pyprint!(
            out,
            "[main] wait_for raised {} at {:.1}",
            exception_repr(&e),
            now(start)?
        ),
        other => drop(other?),
    }
    Ok(())
}
// ANCHOR_END: main

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main(out.clone()), clock.clone())
}
// ANCHOR_END: program
