//! Generation 2: `yield from` delegation (PEP 380) and asyncio 3.4's generator-based
//! event loop (`@asyncio.coroutine`).
//!
//! Book: chapter "Generation 2: yield from".
//!
//! | Python                                   | pycoro                                               |
//! |------------------------------------------|------------------------------------------------------|
//! | `r = yield from sub`                     | `let r = yield_from!(sub)?;`                         |
//! | `yield from range(3)`                    | `yield_from!(iter(0..3))?;`                          |
//! | `@asyncio.coroutine def a(): ...`        | `fn a() -> Coroutine<T> { coroutine(#[coroutine] \|_\| { ... }) }` |
//! | `yield from asyncio.sleep(1)`            | `yield_from!(sleep(1.0))?;`                          |
//! | `asyncio.Future()`, `loop.create_future()` | `event_loop.create_future::<T>()`                  |
//! | `yield from future`                      | `yield_from!(future)?` (suspends only if not done)   |
//! | `loop.create_task(coro)`, `ensure_future` | `event_loop.create_task(coro)?`, `ensure_future(coro)?` |
//! | `loop.call_soon/call_later/call_at`      | the same names                                       |
//! | `loop.run_until_complete(main())`        | `event_loop.run_until_complete(main())?`             |
//! | `asyncio.run(main())`                    | `run(main())` (or `run_with_clock(main(), clock)`)   |
//! | `loop.run_in_executor(None, f)`          | `event_loop.run_in_executor(f)?`                     |
//!
//! **Delegation** is [`yield_from!`](macro@crate::yield_from): a loop inside the delegating
//! generator's body that forwards every `next`, `send`, `throw` and `close` to the
//! sub-iterator (anything that is a [`Delegate`]: a generator, a future, a plain
//! iterator through [`iter`]) and evaluates to its return value. Document 003 calls it
//! "a transparent pipe" between the caller and the sub-generator.
//!
//! **The event loop** is asyncio 3.4's, in three parts: a
//! [`Future`](crate::event_loop::Future) (a result that will be set later, with done
//! callbacks), a [`Task`] (a future that steps a coroutine, one step per future it
//! yields), and the [`EventLoop`] (a ready queue, then
//! timers). The future and the loop live in [`crate::event_loop`], which Generation 3
//! shares; this module adds the generator-driven [`Task`], `loop.create_task` for it,
//! [`sleep`] and [`run`]. A coroutine here is a Generation 1 generator that yields the
//! futures it waits for: `Coroutine<T>`. The dependencies go one way: this module uses
//! the loop, which knows nothing of it.
//!
//! ```
//! #![feature(coroutines)]
//! use pycoro::clock::Clock;
//! use pycoro::event_loop::get_running_loop;
//! use pycoro::yield_from::{Coroutine, coroutine, run_with_clock, sleep};
//! use pycoro::yield_from;
//!
//! // @asyncio.coroutine
//! // def slow_add(a, b):
//! //     yield from asyncio.sleep(1)
//! //     return a + b
//! fn slow_add(a: i32, b: i32) -> Coroutine<i32> {
//!     coroutine(#[coroutine] move |_| {
//!         yield_from!(sleep(1.0))?;
//!         Ok(a + b)
//!     })
//! }
//! fn main_() -> Coroutine<(i32, f64)> {
//!     coroutine(#[coroutine] |_| {
//!         let sum = yield_from!(slow_add(1, 2))?;
//!         Ok((sum, get_running_loop()?.time()))
//!     })
//! }
//! assert_eq!(run_with_clock(main_(), Clock::new_virtual())?, (3, 1.0));
//! # Ok::<(), pycoro::exceptions::Exception>(())
//! ```

mod delegate;
mod task;

pub use delegate::{Delegate, Iter, iter};
pub use task::{Coroutine, Task};

use std::ops::Coroutine as RustCoroutine;

use crate::clock::Clock;
use crate::event_loop::{EventLoop, FutureRef, get_running_loop};
use crate::exceptions::PyResult;
use crate::generators::{Generator, Resume};

/// `@asyncio.coroutine`: makes a generator-based coroutine of a `#[coroutine]` closure
/// (a [`Generator`] that yields futures and returns a `T`).
pub fn coroutine<T, C>(body: C) -> Coroutine<T>
where
    C: RustCoroutine<Resume<()>, Yield = FutureRef, Return = PyResult<T>> + 'static,
{
    Generator::new(body)
}

// ANCHOR: sleep
/// `asyncio.sleep(delay)`: a coroutine that finishes `delay` seconds later on the
/// running loop's clock.
///
/// `sleep(0)` does what Python 3.11's bare `yield` does, by yielding a future already
/// done: every other ready task gets one turn, and it resumes on the next pass, without a timer.
pub fn sleep(delay: f64) -> Coroutine<()> {
    coroutine(
        #[coroutine]
        move |_| {
            let event_loop = get_running_loop()?;
            let future = event_loop.create_future::<()>();
            if delay <= 0.0 {
                // An already-done future: the task's done callback is scheduled at once.
                future.set_result(())?;
                crate::yield_!(future.as_ref())?;
                return Ok(());
            }
            let wake = future.clone();
            let timer = event_loop.call_later(delay, move || {
                if !wake.cancelled() {
                    let _ = wake.set_result(());
                }
            })?;
            let result = crate::yield_from!(future.clone());
            timer.cancel(); // cancelled while sleeping: the timer need not fire
            result
        },
    )
}
// ANCHOR_END: sleep
/// `asyncio.ensure_future(coro)`: wraps a coroutine in a task on the running loop.
pub fn ensure_future<T: Clone + 'static>(coro: Coroutine<T>) -> PyResult<Task<T>> {
    get_running_loop()?.create_task(coro)
}

/// `asyncio.run(main)`, asyncio 3.7's shortcut, on the real clock: a new loop, run
/// until `main` is done, closed.
pub fn run<T: Clone + 'static>(main: Coroutine<T>) -> PyResult<T> {
    run_with_clock(main, Clock::real())
}

/// [`run`] on a given clock (a test passes a virtual one).
pub fn run_with_clock<T: Clone + 'static>(main: Coroutine<T>, clock: Clock) -> PyResult<T> {
    let event_loop = EventLoop::new(clock);
    let result = event_loop.run_until_complete(main);
    let cleanup = event_loop.cancel_all_tasks();
    event_loop.close()?;
    let value = result?;
    cleanup?;
    Ok(value)
}
