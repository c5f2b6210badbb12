//! `async for` and `async with` (PEP 492, 525), which document 003 mentions.
//!
//! An async generator is a `futures::Stream`: `async for x in agen` is
//! `while let Some(x) = stream.next().await`. `async with` is
//! [`contextlib::async_with`](crate::contextlib::async_with), over Python's protocol of
//! `__aenter__` and `__aexit__`; a thing with an async `close` ([`AsyncClose`]) is what
//! `contextlib.aclosing` closes.

use std::future::Future as StdFuture;

use futures::Stream;

use super::sleep;
use crate::exceptions::PyResult;

/// An async generator: `async def ticker(n, delay): for i in range(n): yield i; await
/// asyncio.sleep(delay)`. Each item is a `PyResult`, as an `async for` can raise.
///
/// ```
/// use futures::StreamExt;
/// use pycoro::clock::Clock;
/// use pycoro::event_loop::get_running_loop;
/// use pycoro::native::{run_with_clock, ticker};
///
/// let seen = run_with_clock(async {
///     let mut seen = Vec::new();
///     let mut ticks = std::pin::pin!(ticker(3, 1.0));
///     while let Some(tick) = ticks.next().await {   // async for tick in ticker(3, 1):
///         seen.push((tick?, get_running_loop()?.time()));
///     }
///     Ok(seen)
/// }, Clock::new_virtual())?;
/// assert_eq!(seen, [(0, 0.0), (1, 1.0), (2, 2.0)]);
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
pub fn ticker(n: u32, delay: f64) -> impl Stream<Item = PyResult<u32>> {
    futures::stream::unfold(0, move |i| async move {
        if i >= n {
            return None;
        }
        if i > 0
            && let Err(e) = sleep(delay).await
        {
            return Some((Err(e), n)); // raised inside the generator: the last item
        }
        Some((Ok(i), i + 1))
    })
}

/// A thing with an async close, Python's `aclose()`: what
/// [`aclosing`](crate::contextlib::aclosing) closes.
pub trait AsyncClose {
    /// Releases the resource; may await.
    fn close(&self) -> impl StdFuture<Output = PyResult<()>>;
}
