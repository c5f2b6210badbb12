//! `async for` and `async with` (PEP 492, 525), which document 003 mentions.
//!
//! An async generator is a `futures::Stream`: `async for x in agen` is
//! `while let Some(x) = stream.next().await`. An async context manager is a resource
//! with an async `close`; [`async_with`] runs a body and then closes it, whatever the
//! body did, as `async with` calls `__aexit__`.

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

/// A resource with an async close: Python's `__aexit__`.
pub trait AsyncClose {
    /// Releases the resource; may await.
    fn close(&self) -> impl StdFuture<Output = PyResult<()>>;
}

/// `async with resource as r: body(r)`: runs `body`, then closes the resource even if
/// `body` failed. The body's exception wins over one raised while closing, as in Python.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use pycoro::clock::Clock;
/// use pycoro::exceptions::{PyResult, ValueError};
/// use pycoro::native::{AsyncClose, async_with, run_with_clock, sleep};
///
/// struct Connection(Rc<RefCell<Vec<&'static str>>>);
/// impl AsyncClose for Connection {
///     async fn close(&self) -> PyResult<()> {
///         sleep(0.5).await?; // closing takes a while
///         self.0.borrow_mut().push("closed");
///         Ok(())
///     }
/// }
///
/// let log = Rc::new(RefCell::new(Vec::new()));
/// let conn = Connection(log.clone());
/// let result: PyResult<()> = run_with_clock(async move {
///     async_with(conn, async |c: &Connection| {
///         c.0.borrow_mut().push("used");
///         Err(ValueError::new("failed inside").into())
///     }).await
/// }, Clock::new_virtual());
/// assert_eq!(result.unwrap_err().to_string(), "failed inside");
/// assert_eq!(*log.borrow(), ["used", "closed"]);
/// ```
pub async fn async_with<R: AsyncClose, T>(
    resource: R,
    body: impl AsyncFnOnce(&R) -> PyResult<T>,
) -> PyResult<T> {
    let result = body(&resource).await;
    let closed = resource.close().await;
    match (result, closed) {
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e),
        (Ok(value), Ok(())) => Ok(value),
    }
}
