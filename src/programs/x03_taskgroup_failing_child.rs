//! x03-taskgroup-failing-child: three fetches in an `asyncio.TaskGroup`. `small` is done
//! before anything goes wrong; `flaky` raises `ConnectionError` partway. The group then
//! cancels what is still running: `big`, and the block's own await in `main`. The block
//! waits for the cancelled tasks to end, and raises an `ExceptionGroup` of the failures,
//! which `main` takes apart with `except*`.

use crate::clock::Clock;
use crate::event_loop::get_running_loop;
use crate::exceptions::{
    CancelledError, ConnectionError, ExceptionExt, PyResult, except_star, exception_name,
    exception_repr, object,
};
use crate::native::{TaskGroup, current_task, run_with_clock, sleep};
use crate::pyprint;
use crate::trace::{Out, PyRepr};

// ANCHOR: program
/// Seconds since `start` on the running loop's clock.
fn now(start: f64) -> PyResult<f64> {
    Ok(get_running_loop()?.time() - start)
}

// ANCHOR: fetch
// async def fetch(name, seconds, fails=False):
//     print('[%s] fetching at %.1f' % (name, now()))
//     try:
//         await asyncio.sleep(seconds)
//         if fails:
//             raise ConnectionError('%s: connection reset' % name)
//     except asyncio.CancelledError:
//         print('[%s] cancelled at %.1f' % (name, now()))
//         raise
//     print('[%s] done at %.1f' % (name, now()))
//     return '%s page' % name
async fn fetch(
    out: Out,
    start: f64,
    name: &'static str,
    seconds: f64,
    fails: bool,
) -> PyResult<String> {
    pyprint!(out, "[{name}] fetching at {:.1}", now(start)?);
    let fetched: PyResult<()> = async {
        sleep(seconds).await?;
        if fails {
            return Err(ConnectionError::new(format!("{name}: connection reset")).into());
        }
        Ok(())
    }
    .await;
    if let Err(e) = &fetched
        && e.is::<CancelledError>()
    {
        pyprint!(out, "[{name}] cancelled at {:.1}", now(start)?);
    }
    fetched?;
    pyprint!(out, "[{name}] done at {:.1}", now(start)?);
    Ok(format!("{name} page"))
}
// ANCHOR_END: fetch

// ANCHOR: main
async fn main(out: Out) -> PyResult<()> {
    let start = get_running_loop()?.time();
    // The tasks outlive the block, as Python's names do: the body hands them out.
    let mut fetches = None;
    // async with asyncio.TaskGroup() as tg:
    let tg = TaskGroup::new();
    let outcome = tg
        .run(async {
            let small = tg.create_task(fetch(out.clone(), start, "small", 0.1, false))?;
            let big = tg.create_task(fetch(out.clone(), start, "big", 1.0, false))?;
            tg.create_task(fetch(out.clone(), start, "flaky", 0.3, true))?;
            fetches = Some((small, big));
            pyprint!(out, "[main] three fetches started");
            // the block's own work
            match sleep(2.0).await {
                Err(e) if e.is::<CancelledError>() => {
                    pyprint!(out, "[main] the block is cancelled at {:.1}", now(start)?);
                    Err(e)
                }
                other => {
                    other?;
                    pyprint!(out, "[main] the block is done");
                    Ok(())
                }
            }
        })
        .await;
    // except* ConnectionError as eg:
    if let Err(e) = outcome {
        let (handled, rest) = except_star(&e, |e| e.isinstance::<ConnectionError>());
        if let Some(eg) = handled {
            pyprint!(
                out,
                "[main] except* ConnectionError at {:.1}: {}",
                now(start)?,
                exception_repr(&eg)
            );
            for e in object(&eg).and_then(|o| o.exceptions()).unwrap_or_default() {
                pyprint!(out, "[main]   {}: {e}", exception_name(e));
            }
        }
        if let Some(rest) = rest {
            return Err(rest);
        }
    }
    if let Some((small, big)) = fetches {
        pyprint!(
            out,
            "[main] small gave {}; big was cancelled: {}",
            small.result()?.py_repr(),
            big.cancelled().py_repr()
        );
    }
    let cancelling = current_task().map_or(0, |task| task.cancelling());
    pyprint!(
        out,
        "[main] the group took its cancellation back: cancelling() is {cancelling}"
    );
    Ok(())
}
// ANCHOR_END: main

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main(out.clone()), clock.clone())
}
// ANCHOR_END: program
