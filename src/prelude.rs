//! What a program of each generation imports, in one line.
//!
//! ```
//! #![feature(coroutines)]
//! use pycoro::prelude::*; // Generation 1: generators
//!
//! // def squares():
//! //     for i in range(1, 4):
//! //         yield i * i
//! let squares: Generator<i32> = Generator::new(#[coroutine] |_| {
//!     for i in 1..=3 {
//!         yield_!(i * i)?;
//!     }
//!     Ok(())
//! });
//! assert_eq!(squares.collect::<PyResult<Vec<_>>>()?, [1, 4, 9]); // list(squares())
//! # Ok::<(), Exception>(())
//! ```
//!
//! A Generation 2 program adds `use pycoro::prelude::yield_from::*;` (its `sleep`, `run`
//! and `Task` are asyncio 3.4's, for generator-based coroutines); a Generation 3 program
//! `use pycoro::prelude::native::*;` (`async fn` tasks, `gather` and `gather!`, task
//! groups, timeouts, `shield`, queues and locks, streams, `async_with`, and `futures`'
//! `StreamExt`, whose `next` is `async for`: every name in the cheat sheet's Generation 3
//! table). The two are not meant to be imported together: each has its own `sleep`, `run`
//! and `Task`, as asyncio's generator-based and native coroutines each had theirs.

mod common {
    pub use crate::clock::Clock;
    pub use crate::exceptions::raise;
    pub use crate::exceptions::{
        self, CancelledError, Exception, ExceptionExt, GeneratorExit, KeyboardInterrupt, PyResult,
        Raise, RuntimeError, StopIteration, TimeoutError, TypeError, ValueError, format_exception,
        format_exception_only,
    };
    pub use crate::generators::{Generator, GeneratorState, Resume, Step};
    pub use crate::trace::{Out, PyRepr};
    pub use crate::value::Value;
    pub use crate::{py_exception, pyprint, try_, yield_};
}

mod event_loop {
    pub use crate::event_loop::{
        EventLoop, ExceptionContext, Future, Handle, get_event_loop, get_running_loop,
        new_event_loop, set_event_loop,
    };
}

pub use common::*;

/// Generation 2: `yield from` and asyncio 3.4's generator-based coroutines.
///
/// ```
/// #![feature(coroutines)]
/// use pycoro::prelude::yield_from::*;
///
/// fn answer() -> Coroutine<i32> {
///     coroutine(#[coroutine] |_| {
///         yield_from!(sleep(1.0))?;
///         Ok(42)
///     })
/// }
/// assert_eq!(run_with_clock(answer(), Clock::new_virtual())?, 42);
/// # Ok::<(), Exception>(())
/// ```
pub mod yield_from {
    pub use super::common::*;
    pub use super::event_loop::*;
    pub use crate::yield_from;
    pub use crate::yield_from::{
        Coroutine, Delegate, Task, coroutine, ensure_future, iter, run, run_with_clock, sleep,
    };
}

/// Generation 3: `async`/`await` on the same loop.
///
/// ```
/// use pycoro::prelude::native::*;
///
/// async fn numbers() -> PyResult<Vec<u32>> {
///     // async for n in ticker(3, 0.5): ...
///     let mut seen = Vec::new();
///     let mut ticks = std::pin::pin!(ticker(3, 0.5));
///     while let Some(n) = ticks.next().await {
///         seen.push(n?);
///     }
///     Ok(seen)
/// }
/// assert_eq!(run_with_clock(numbers(), Clock::new_virtual())?, [0, 1, 2]);
/// # Ok::<(), Exception>(())
/// ```
pub mod native {
    pub use super::common::*;
    pub use super::event_loop::*;
    /// `async with`, whose context managers include an async generator's.
    pub use crate::contextlib::{aclosing, async_with, asynccontextmanager};
    pub use crate::native::{
        AsyncGenBody, AsyncGenerator, AsyncIterable, AsyncIterator, Barrier, BoundedSemaphore,
        BrokenBarrierError, Condition, Event, LifoQueue, Lock, PriorityQueue, Queue, QueueEmpty,
        QueueFull, Semaphore, StopAsyncIteration, aiter, anext, anext_or,
    };
    pub use crate::native::{
        LoopThread, ReturnWhen, StreamReader, StreamWriter, Task, TaskGroup, TaskRef, Timeout,
        all_tasks, as_completed, create_task, current_task, gather, gather_return_exceptions,
        open_connection, run, run_coroutine_threadsafe, run_with_clock, shield, sleep,
        sleep_with_result, start_server, ticker, timeout, timeout_at, to_thread, wait, wait_for,
    };
    // `gather!(a, b)`: `await asyncio.gather(a, b)` of awaitables of different types.
    pub use crate::gather;
    pub use futures::{StreamExt, TryStreamExt};
}
