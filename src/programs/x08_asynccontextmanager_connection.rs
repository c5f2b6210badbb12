//! x08-asynccontextmanager-connection: a connection made with `@asynccontextmanager`. Its
//! async generator awaits before its `yield` (connecting takes 0.1 s) and after it, in a
//! `finally` (closing takes 0.1 s too). Two tasks use it at once through `gather`; b's
//! block raises, and the exception is thrown in at the `yield`: the generator sees it, and
//! its `finally` still closes the connection before the exception goes on to `gather`.

use crate::clock::Clock;
use crate::contextlib::{AsyncGeneratorContextManager, async_with, asynccontextmanager};
use crate::event_loop::get_running_loop;
use crate::exceptions::{ConnectionResetError, Exception, ExceptionExt, PyResult, exception_repr};
use crate::native::{AsyncGenerator, create_task, gather_return_exceptions, run_with_clock, sleep};
use crate::pyprint;
use crate::trace::{Out, PyRepr};

// ANCHOR: program
/// Seconds since `start` on the running loop's clock.
fn now(start: f64) -> PyResult<f64> {
    Ok(get_running_loop()?.time() - start)
}

// ANCHOR: connect
// @asynccontextmanager
// async def connect(name):
//     print('[%s] connecting at %.1f' % (name, now()))
//     await asyncio.sleep(0.1)
//     print('[%s] connected at %.1f' % (name, now()))
//     try:
//         yield 'conn-' + name
//     except Exception as e:
//         print('[%s] the block raised %r' % (name, e))
//         raise
//     finally:
//         print('[%s] closing at %.1f' % (name, now()))
//         await asyncio.sleep(0.1)
//         print('[%s] closed at %.1f' % (name, now()))
fn connect(out: &Out, start: f64, name: &'static str) -> AsyncGeneratorContextManager<String> {
    let out = out.clone();
    asynccontextmanager(AsyncGenerator::new(async move |co| {
        pyprint!(out, "[{name}] connecting at {:.1}", now(start)?);
        sleep(0.1).await?;
        pyprint!(out, "[{name}] connected at {:.1}", now(start)?);
        // The block of `async with` runs here; if it raises, `athrow` raises it here.
        let block = match co.yield_(format!("conn-{name}")).await {
            Err(e) if e.isinstance::<Exception>() => {
                pyprint!(out, "[{name}] the block raised {}", exception_repr(&e));
                Err(e)
            }
            other => other.map(drop),
        };
        // finally: (however the block ended, and it may await)
        pyprint!(out, "[{name}] closing at {:.1}", now(start)?);
        sleep(0.1).await?;
        pyprint!(out, "[{name}] closed at {:.1}", now(start)?);
        block // its exception goes on: `async with` raises it again
    }))
}
// ANCHOR_END: connect

// ANCHOR: query
// async def query(name, seconds, fails):
//     async with connect(name) as conn:
//         print('[%s] querying on %s' % (name, conn))
//         await asyncio.sleep(seconds)
//         if fails:
//             raise ConnectionResetError('%s: the server went away' % name)
//         print('[%s] query done at %.1f' % (name, now()))
//     return 'rows from ' + name
async fn query(
    out: Out,
    start: f64,
    name: &'static str,
    seconds: f64,
    fails: bool,
) -> PyResult<String> {
    async_with(connect(&out, start, name), async |conn| {
        pyprint!(out, "[{name}] querying on {conn}");
        sleep(seconds).await?;
        if fails {
            return Err(ConnectionResetError::new(format!("{name}: the server went away")).into());
        }
        pyprint!(out, "[{name}] query done at {:.1}", now(start)?);
        Ok(())
    })
    .await?;
    Ok(format!("rows from {name}"))
}
// ANCHOR_END: query

// ANCHOR: main
async fn main(out: Out) -> PyResult<()> {
    let start = get_running_loop()?.time();
    // results = await asyncio.gather(query('a', 0.4, False), query('b', 0.2, True),
    //                                return_exceptions=True)
    let a = create_task(query(out.clone(), start, "a", 0.4, false))?;
    let b = create_task(query(out.clone(), start, "b", 0.2, true))?;
    let results = gather_return_exceptions([a, b]).await?;
    let results: Vec<String> = results
        .iter()
        .map(|result| match result {
            Ok(rows) => rows.py_repr(),
            Err(e) => exception_repr(e),
        })
        .collect();
    pyprint!(
        out,
        "[main] gather gave [{}] at {:.1}",
        results.join(", "),
        now(start)?
    );
    Ok(())
}
// ANCHOR_END: main

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main(out.clone()), clock.clone())
}
// ANCHOR_END: program
