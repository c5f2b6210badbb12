//! Generation 3: native `async`/`await` (PEP 492) on an asyncio-like event loop.
//!
//! Book: chapter "Generation 3: async/await".
//!
//! | Python                                   | pycoro                                           |
//! |------------------------------------------|--------------------------------------------------|
//! | `async def add(a, b): ...`               | `async fn add(a: i32, b: i32) -> PyResult<i32>`  |
//! | `await asyncio.sleep(1)`                 | `sleep(1.0).await?`                              |
//! | `asyncio.create_task(coro)`              | `create_task(coro)?`                             |
//! | `loop.create_task(coro)`                 | `event_loop.create_native_task(coro)?`           |
//! | `await task`                             | `task.await?`                                    |
//! | `await asyncio.gather(a(), b())`         | `gather([create_task(a())?, create_task(b())?]).await?` |
//! | `gather(*tasks, return_exceptions=True)` | `gather_return_exceptions(tasks).await?`               |
//! | `done, pending = await asyncio.wait(ts)` | `let (done, pending) = wait(ts, None, ReturnWhen::AllCompleted).await?` |
//! | `for f in asyncio.as_completed(ts): await f` | `for f in as_completed(ts, None)? { f.await?; }` |
//! | `await asyncio.wait_for(aw, 1)`          | `wait_for(task, 1.0).await?`                     |
//! | `task.cancel()`, `except CancelledError:` | `task.cancel()`, `Err(e) if e.is::<CancelledError>()` |
//! | `q = asyncio.Queue(); await q.get()`     | `let q = Queue::new(0); q.get().await?`          |
//! | `async with lock:`                       | `let _guard = lock.acquire().await?;`            |
//! | `asyncio.run(main())`                    | `run(main())`                                    |
//!
//! The loop is the one Generation 2 runs on, [`crate::event_loop`]: since Python 3.5
//! asyncio's loop has run both kinds of coroutine, and so does pycoro's. A native [`Task`]
//! polls a Rust `Future`; its result lives in the loop's [`Future`]. The loop owns a native
//! task and steps it by id; it knows the task only through a small trait, so this module
//! depends on the loop and not the other way round. `use pycoro::prelude::native::*;`
//! brings what a program needs.
//!
//! **Cancellation** is Python's, not Rust's: `task.cancel()` makes the next await of a
//! pycoro awaitable inside the task return `Err(CancelledError)`, which the coroutine may
//! catch. (Rust's own cancellation, dropping a future, also works: a dropped `sleep`
//! cancels its timer.)
//!
//! ```
//! use pycoro::clock::Clock;
//! use pycoro::exceptions::PyResult;
//! use pycoro::native::{create_task, gather, run_with_clock, sleep};
//!
//! async fn slow_double(x: i32, seconds: f64) -> PyResult<i32> {
//!     sleep(seconds).await?;
//!     Ok(2 * x)
//! }
//!
//! async fn main_() -> PyResult<Vec<i32>> {
//!     let slow = create_task(slow_double(1, 2.0))?;
//!     let fast = create_task(slow_double(2, 1.0))?;
//!     gather([slow, fast]).await // argument order, whatever the finishing order
//! }
//!
//! assert_eq!(run_with_clock(main_(), Clock::new_virtual())?, [2, 4]);
//! # Ok::<(), pycoro::exceptions::Exception>(())
//! ```

mod asyncgen;
mod iteration;
mod locks;
mod queues;
pub mod streams;
pub(crate) mod task;
mod taskgroups;
mod threads;
mod timeouts;
mod waiters;

use std::cell::{Cell, RefCell};
use std::future::{Future as StdFuture, IntoFuture};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::clock::Clock;
use crate::event_loop::tasks::Awaited;
use crate::event_loop::{
    AnyFuture, EventLoop, Future, Handle, Ready, get_event_loop, get_running_loop, no_running_loop,
    with_running_loop,
};
use crate::exceptions::{
    CancelledError, Object, PyResult, Raise, TimeoutError, ValueError, clone_exception,
};
pub use asyncgen::{
    Aclose, Asend, AsyncGenBody, AsyncGenerator, AsyncIterable, AsyncIterator, Athrow, Co,
    StopAsyncIteration, Yield, aiter, anext, anext_or,
};
pub use iteration::{AsyncClose, ticker};
pub use locks::{
    Barrier, BoundedSemaphore, BrokenBarrierError, Condition, Event, Guard, Lock, Release,
    Semaphore, Truthy,
};
pub use queues::{LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull};
pub use streams::{Server, StreamReader, StreamWriter, open_connection, start_server};
pub use task::{Task, TaskRef, Waiting, current_task};
pub use taskgroups::TaskGroup;
pub use threads::{ConcurrentFuture, LoopThread, run_coroutine_threadsafe};
pub use timeouts::{Timeout, timeout, timeout_at};

/// `asyncio.create_task(coro)`: a task on the running loop.
pub fn create_task<T: Clone + 'static>(
    coro: impl StdFuture<Output = PyResult<T>> + 'static,
) -> PyResult<Task<T>> {
    get_running_loop()?.create_native_task(coro)
}

/// `asyncio.all_tasks()`: the native tasks of the running loop that are not done.
pub fn all_tasks() -> PyResult<Vec<TaskRef>> {
    Ok(get_running_loop()?.all_tasks())
}

/// `asyncio.sleep(delay)`: finishes `delay` seconds later on the running loop's clock.
///
/// `sleep(0)` is Python's bare `yield`: the task gives every other ready task one turn.
/// Dropping the future (Rust's cancellation) cancels its timer.
// ANCHOR: sleep
pub fn sleep(delay: f64) -> Sleep {
    Sleep(Sleeping::NotYet(delay))
}

/// The future of [`sleep`]. Python's `sleep` is a future that a timer completes, and the
/// future's done callback steps the task on the next pass. Here the timer steps the task
/// itself, on the pass it fires (one pass earlier): no future, no callback, no handle,
/// only a place in the loop's heap of timers.
///
/// Like every future, it does nothing unless awaited, and the compiler says so
/// (`unused_must_use`), as CPython warns of a coroutine never awaited:
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// pycoro::native::sleep(1.0); // asyncio.sleep(1) without await
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep(Sleeping);

enum Sleeping {
    NotYet(f64),
    /// `sleep(0)`: the other ready tasks are having their turn.
    Yielded,
    /// In a task: the loop's timer `sequence`, due at `when` nanoseconds, steps it.
    Timer {
        when: u64,
        sequence: u64,
    },
    /// Polled outside a pycoro task: a timer wakes its waker.
    Waker(Handle),
    Over,
}

impl StdFuture for Sleep {
    type Output = PyResult<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PyResult<()>> {
        // A cancellation the task already has is not raised before it sleeps: as in
        // Python, where the future it awaits is cancelled, it comes at its next step,
        // after the others ready now (its `cancel()` queued that step).
        if !matches!(self.0, Sleeping::NotYet(_)) {
            task::check_cancelled()?;
        }
        let delay = match &self.0 {
            // The task cancelled itself: as Python cancels the future it would sleep on,
            // it yields once, and raises at its next step.
            Sleeping::NotYet(_) if task::cancellation_pending() => 0.0,
            Sleeping::NotYet(delay) => *delay,
            Sleeping::Yielded | Sleeping::Over => {
                self.0 = Sleeping::Over;
                return Poll::Ready(Ok(()));
            }
            Sleeping::Timer { when, .. } => {
                let fired =
                    with_running_loop(|event_loop| event_loop.map(|lp| lp.timer_fired(*when)));
                if !fired.ok_or_else(no_running_loop)? {
                    return Poll::Pending; // stepped early: still sleeping
                }
                self.0 = Sleeping::Over;
                return Poll::Ready(Ok(()));
            }
            Sleeping::Waker(timer) if timer.has_run() => {
                self.0 = Sleeping::Over;
                return Poll::Ready(Ok(()));
            }
            Sleeping::Waker(_) => return Poll::Pending,
        };
        let event_loop = get_running_loop()?;
        // The task's id is all a timer needs: no `Rc` of the task is taken.
        let task = task::current_id();
        if delay <= 0.0 {
            match task {
                Some(id) => event_loop.schedule(Ready::Wake(id))?,
                None => cx.waker().wake_by_ref(),
            }
            self.0 = Sleeping::Yielded;
            return Poll::Pending;
        }
        let when = event_loop.time() + delay;
        self.0 = match task {
            Some(id) => {
                let (when, sequence) = event_loop.step_at(when, id)?;
                Sleeping::Timer { when, sequence }
            }
            None => {
                let waker = cx.waker().clone();
                Sleeping::Waker(event_loop.call_at(when, move || waker.wake())?)
            }
        };
        Poll::Pending
    }
}

impl Drop for Sleep {
    /// Cancelled while sleeping (or dropped, Rust's cancellation): the timer need not fire.
    fn drop(&mut self) {
        match &self.0 {
            Sleeping::Timer { when, sequence } => {
                // A task's `sleep` is dropped in one of the loop's steps, or when the
                // loop closes (and its timers go with it).
                if let Ok(event_loop) = get_running_loop() {
                    event_loop.drop_sleep(*when, *sequence);
                }
            }
            Sleeping::Waker(timer) => timer.cancel(),
            _ => {}
        }
    }
}

// ANCHOR_END: sleep

/// `asyncio.gather(*aws)`: their results in argument order, whatever the order they
/// finish in. Each awaitable may be a task, a future, a gather, or a coroutine (which
/// becomes a task at once, as Python wraps it). The first exception is the gather's at
/// once (the others go on). Cancelling the gather, or the task that awaits it, cancels
/// what it gathers, as in Python.
///
/// What it gives is Python's gathering future ([`GatheringFuture`]): awaited, it gives
/// the list; it also answers `done()`, `result()`, `cancel()` and the like. An error
/// Python raises at the call (no loop for a coroutine, a future of another loop) is that
/// future's exception here.
///
/// ```
/// use pycoro::clock::Clock;
/// use pycoro::native::{create_task, gather, run_with_clock, sleep};
///
/// let results = run_with_clock(
///     async {
///         let slow = create_task(async { sleep(2.0).await.map(|()| "slow") })?;
///         let fast = create_task(async { sleep(1.0).await.map(|()| "fast") })?;
///         gather([slow, fast]).await
///     },
///     Clock::new_virtual(),
/// )?;
/// assert_eq!(results, ["slow", "fast"]);
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
pub fn gather<A: IntoGathered>(
    aws: impl IntoIterator<Item = A>,
) -> GatheringFuture<Vec<<A::Gathered as Gathered>::Output>> {
    gathering(aws, false, |children| {
        children.iter().map(Gathered::outcome).collect()
    })
}

/// `asyncio.gather(*aws, return_exceptions=True)`: every outcome in argument order, an
/// exception (`CancelledError` for one cancelled) as a value, not raised. Cancelling the
/// gather cancels what it gathers, and then raises `CancelledError`, as in Python.
///
/// ```
/// use pycoro::clock::Clock;
/// use pycoro::exceptions::{ValueError, format_exception_only};
/// use pycoro::native::{create_task, gather_return_exceptions, run_with_clock, sleep};
///
/// let outcomes = run_with_clock(
///     async {
///         let ok = create_task(async { sleep(1.0).await.map(|()| "ok") })?;
///         let fails = create_task(async { Err::<&str, _>(ValueError::new("no").into()) })?;
///         let outcomes = gather_return_exceptions([ok, fails]).await?;
///         Ok(outcomes.iter().map(|o| o.as_ref().map_err(format_exception_only).copied()).collect::<Vec<_>>())
///     },
///     Clock::new_virtual(),
/// )?;
/// assert_eq!(outcomes, [Ok("ok"), Err("ValueError: no".to_owned())]);
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
pub fn gather_return_exceptions<A: IntoGathered>(
    aws: impl IntoIterator<Item = A>,
) -> GatheringFuture<Vec<PyResult<<A::Gathered as Gathered>::Output>>> {
    gathering(aws, true, |children| {
        Ok(children.iter().map(Gathered::listed_outcome).collect())
    })
}

/// What [`gather`], [`gather!`](crate::gather), [`as_completed`] and [`shield`] take:
/// what asyncio's `ensure_future` takes. A task or a future (or a reference to one), a
/// gather, or a coroutine, which becomes a task at once.
pub trait IntoGathered {
    /// The task or future it becomes.
    type Gathered: Gathered;

    /// `ensure_future(aw)`: a coroutine becomes a task of the running loop, or else of
    /// the loop [`set_event_loop`](crate::event_loop::set_event_loop) made the default.
    fn into_gathered(self) -> PyResult<Self::Gathered>
    where
        Self: Sized,
    {
        self.into_gathered_on(None)
    }

    /// `ensure_future(aw, loop=event_loop)`: a coroutine becomes a task of `event_loop`,
    /// and a future of another loop is a `ValueError`.
    fn into_gathered_on(self, event_loop: Option<&EventLoop>) -> PyResult<Self::Gathered>;

    /// `await aw`: a task or future is awaited; a coroutine runs in place, in the task
    /// that awaits it, with no task of its own.
    fn await_in_place(
        self,
    ) -> impl StdFuture<Output = PyResult<<Self::Gathered as Gathered>::Output>>
    where
        Self: Sized,
        Self::Gathered: IntoFuture<Output = PyResult<<Self::Gathered as Gathered>::Output>>,
    {
        async move { self.into_gathered()?.await }
    }
}

/// A task or future that a gather, `wait`, `as_completed` or `shield` waits on: what it
/// waits on, and its outcome once done.
pub trait Gathered: Clone + 'static {
    /// Its result type.
    type Output: 'static;
    /// What is waited on, and cancelled when the gather is.
    fn awaited(&self) -> Pin<Rc<dyn AnyFuture>>;
    /// Its outcome, once done (`fut.result()`).
    fn outcome(&self) -> PyResult<Self::Output>;
    /// `fut.get_loop()`.
    fn get_loop(&self) -> EventLoop;
    /// `fut.cancelled()`.
    fn cancelled(&self) -> bool;
    /// What `gather(..., return_exceptions=True)` lists for it.
    fn listed_outcome(&self) -> PyResult<Self::Output> {
        self.outcome()
    }
    /// The future itself, when it is one (what `shield` of a done one gives back).
    fn as_future(&self) -> Option<Future<Self::Output>> {
        None
    }
}

/// `ensure_future(fut, loop=event_loop)` of a future: it must be of that loop.
fn on_loop(own: &EventLoop, event_loop: Option<&EventLoop>) -> PyResult<()> {
    match event_loop {
        Some(event_loop) if event_loop.id() != own.id() => Err(ValueError::new(
            "The future belongs to a different loop than the one specified as the loop argument",
        )
        .into()),
        _ => Ok(()),
    }
}

impl<T: Clone + 'static> IntoGathered for Task<T> {
    type Gathered = Task<T>;

    fn into_gathered_on(self, event_loop: Option<&EventLoop>) -> PyResult<Task<T>> {
        on_loop(self.event_loop(), event_loop)?;
        Ok(self)
    }
}

impl<T: Clone + 'static> IntoGathered for &Task<T> {
    type Gathered = Task<T>;

    fn into_gathered_on(self, event_loop: Option<&EventLoop>) -> PyResult<Task<T>> {
        self.clone().into_gathered_on(event_loop)
    }
}

impl<T: Clone + 'static> IntoGathered for Future<T> {
    type Gathered = Future<T>;

    fn into_gathered_on(self, event_loop: Option<&EventLoop>) -> PyResult<Future<T>> {
        on_loop(self.event_loop(), event_loop)?;
        Ok(self)
    }
}

impl<T: Clone + 'static> IntoGathered for &Future<T> {
    type Gathered = Future<T>;

    fn into_gathered_on(self, event_loop: Option<&EventLoop>) -> PyResult<Future<T>> {
        self.clone().into_gathered_on(event_loop)
    }
}

impl<R: 'static> IntoGathered for GatheringFuture<R> {
    type Gathered = GatheringFuture<R>;

    fn into_gathered_on(self, event_loop: Option<&EventLoop>) -> PyResult<GatheringFuture<R>> {
        on_loop(self.outer.event_loop(), event_loop)?;
        Ok(self)
    }
}

impl<R: 'static> IntoGathered for &GatheringFuture<R> {
    type Gathered = GatheringFuture<R>;

    fn into_gathered_on(self, event_loop: Option<&EventLoop>) -> PyResult<GatheringFuture<R>> {
        self.clone().into_gathered_on(event_loop)
    }
}

impl<T: Clone + 'static, F: StdFuture<Output = PyResult<T>> + 'static> IntoGathered for F {
    type Gathered = Task<T>;

    fn into_gathered_on(self, event_loop: Option<&EventLoop>) -> PyResult<Task<T>> {
        match event_loop {
            Some(event_loop) => event_loop.create_native_task(self),
            None => get_event_loop()?.create_native_task(self),
        }
    }

    fn await_in_place(self) -> impl StdFuture<Output = PyResult<T>> {
        self
    }
}

/// [`Gathered`] for a task and a future, which differ only in what is waited on: a task
/// itself, so that cancelling the gather reaches its coroutine.
macro_rules! gathered_futures {
    ($($kind:ident: $awaited:path;)+) => {$(
        impl<T: Clone + 'static> Gathered for $kind<T> {
            type Output = T;

            fn awaited(&self) -> Pin<Rc<dyn AnyFuture>> {
                $awaited(self)
            }

            fn outcome(&self) -> PyResult<T> {
                self.result()
            }

            fn get_loop(&self) -> EventLoop {
                Future::get_loop(self)
            }

            fn cancelled(&self) -> bool {
                Future::cancelled(self)
            }

            fn listed_outcome(&self) -> PyResult<T> {
                self.gathered_outcome()
            }

            fn as_future(&self) -> Option<Future<T>> {
                Some(Future::clone(self))
            }
        }
    )+};
}

gathered_futures! {
    Task: Task::awaited;
    Future: Future::as_awaited;
}

/// The tuples [`gather!`](crate::gather) makes: each member's outcome, in argument order.
pub trait GatherTuple {
    /// The tuple of results.
    type Output;
    #[doc(hidden)]
    fn children(&self) -> PyResult<Vec<Pin<Rc<dyn AnyFuture>>>>;
    #[doc(hidden)]
    fn outcomes(&self) -> PyResult<Self::Output>;
}

macro_rules! gather_tuples {
    ($( ($($member:ident $index:tt),+) )+) => {$(
        impl<$($member: Gathered),+> GatherTuple for ($(PyResult<$member>,)+) {
            type Output = ($($member::Output,)+);

            fn children(&self) -> PyResult<Vec<Pin<Rc<dyn AnyFuture>>>> {
                let mut children = Vec::new();
                $(match &self.$index {
                    Ok(member) => children.push(member.awaited()),
                    Err(e) => return Err(clone_exception(e)),
                })+
                Ok(children)
            }

            fn outcomes(&self) -> PyResult<Self::Output> {
                Ok(($(match &self.$index {
                    Ok(member) => member.outcome()?,
                    Err(e) => return Err(clone_exception(e)),
                },)+))
            }
        }
    )+};
}

gather_tuples! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
}

/// Under [`gather!`](crate::gather): waits as [`gather`] does (for all, or the first to
/// fail; a cancellation reaches them all), then gives the tuple of results.
#[doc(hidden)]
pub async fn gather_tuple<G: GatherTuple>(members: G) -> PyResult<G::Output> {
    let children: Rc<[Awaited]> = members.children()?.into();
    let event_loop = get_running_loop()?;
    let outer = event_loop.create_future::<()>();
    let left = Rc::new(Cell::new(children.len()));
    let cancel_requested = Rc::new(Cell::new(false));
    for child in children.iter() {
        let (outer, left, this) = (outer.clone(), left.clone(), child.clone());
        let (cancel_requested, all) = (cancel_requested.clone(), children.clone());
        child.on_done(Box::new(move || {
            left.set(left.get() - 1);
            if outer.done() {
                if !this.cancelled() {
                    drop(this.error()); // its exception counts as retrieved
                }
                return;
            }
            let _ = match this.error() {
                Some(e) => outer.set_exception(e), // the first to fail, `CancelledError` included
                None if left.get() > 0 => return,
                None if cancel_requested.get() => outer.set_exception(last_cancelled_error(&all)),
                None => outer.set_result(()),
            };
        }));
    }
    let target = Gathering {
        outer: outer.clone(),
        children,
        cancel_requested,
    };
    let target: Pin<Rc<Gathering>> = Pin::new(Rc::new(target));
    Waiting::cancelling(outer, target).await?;
    members.outcomes()
}

/// The exception a cancelled gather ends with: as Python's `gather`, the last child's
/// `_make_cancelled_error()` (the `CancelledError` it ended with, if it was cancelled).
fn last_cancelled_error(children: &[Awaited]) -> crate::exceptions::Exception {
    match children.last() {
        Some(last) => last.make_cancelled_error(),
        None => CancelledError::default().into(),
    }
}

/// What `asyncio.gather` returns (Python's `_GatheringFuture`): a future of the list of
/// results, which [`gather`] and [`gather_return_exceptions`] make. Awaiting it gives the
/// list; cancelling it (or the task awaiting it) cancels what it gathers. Cloning it
/// shares it.
pub struct GatheringFuture<R> {
    /// Done when the gather is, with its exception if it has one.
    outer: Future<()>,
    gathering: Pin<Rc<Gathering>>,
    /// The list, from the children, once `outer` has its result.
    results: Rc<dyn Fn() -> PyResult<R>>,
}

impl<R> Clone for GatheringFuture<R> {
    fn clone(&self) -> Self {
        Self {
            outer: self.outer.clone(),
            gathering: self.gathering.clone(),
            results: self.results.clone(),
        }
    }
}

impl<R: 'static> GatheringFuture<R> {
    /// `fut.done()`.
    pub fn done(&self) -> bool {
        self.outer.done()
    }

    /// `fut.cancelled()`: never true of a gather with something to gather, which ends
    /// with a `CancelledError` as its exception when cancelled, as Python's does.
    pub fn cancelled(&self) -> bool {
        self.outer.cancelled()
    }

    /// `fut.result()`: the list, the exception the gather ended with, or
    /// `InvalidStateError` while pending.
    pub fn result(&self) -> PyResult<R> {
        self.outer.result()?;
        (self.results)()
    }

    /// `fut.exception()`.
    pub fn exception(&self) -> PyResult<Option<crate::exceptions::Exception>> {
        self.outer.exception()
    }

    /// `fut.cancel()`: cancels every child not yet done; true if one of them was. The
    /// gather then ends when they do, with a `CancelledError`.
    pub fn cancel(&self) -> bool {
        self.gathering.cancel(None)
    }

    /// `fut.cancel(msg)`: as [`cancel`](Self::cancel), the children getting `msg`.
    pub fn cancel_with_message(&self, message: impl Into<Object>) -> bool {
        self.gathering.cancel(Some(message.into()))
    }

    /// `fut.add_done_callback(fn)`: `fn(fut)` is scheduled when the gather is done.
    pub fn add_done_callback(&self, callback: impl FnOnce(&GatheringFuture<R>) + 'static) {
        let this = self.clone();
        self.outer.add_done_callback(move |_| callback(&this));
    }

    /// `fut.get_loop()`.
    pub fn get_loop(&self) -> EventLoop {
        self.outer.get_loop()
    }
}

impl<R: 'static> Gathered for GatheringFuture<R> {
    type Output = R;

    fn awaited(&self) -> Pin<Rc<dyn AnyFuture>> {
        self.gathering.clone()
    }

    fn outcome(&self) -> PyResult<R> {
        self.result()
    }

    fn get_loop(&self) -> EventLoop {
        GatheringFuture::get_loop(self)
    }

    fn cancelled(&self) -> bool {
        GatheringFuture::cancelled(self)
    }
}

/// `await gathering_future`.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct AwaitGathering<R> {
    waiting: Waiting<()>,
    results: Rc<dyn Fn() -> PyResult<R>>,
}

impl<R> StdFuture for AwaitGathering<R> {
    type Output = PyResult<R>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PyResult<R>> {
        match Pin::new(&mut self.waiting).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok(())) => Poll::Ready((self.results)()),
        }
    }
}

impl<R: 'static> IntoFuture for GatheringFuture<R> {
    type Output = PyResult<R>;
    type IntoFuture = AwaitGathering<R>;

    fn into_future(self) -> AwaitGathering<R> {
        (&self).into_future()
    }
}

impl<R: 'static> IntoFuture for &GatheringFuture<R> {
    type Output = PyResult<R>;
    type IntoFuture = AwaitGathering<R>;

    fn into_future(self) -> AwaitGathering<R> {
        AwaitGathering {
            waiting: Waiting::cancelling(self.outer.clone(), self.gathering.clone()),
            results: self.results.clone(),
        }
    }
}

/// Python's `gather`: the children made of `aws` (one loop for all), and a future that
/// their done callbacks complete, then `results` makes the list of.
fn gathering<A: IntoGathered, R: 'static>(
    aws: impl IntoIterator<Item = A>,
    return_exceptions: bool,
    results: impl Fn(&[A::Gathered]) -> PyResult<R> + 'static,
) -> GatheringFuture<R> {
    let mut event_loop: Option<EventLoop> = None;
    let mut children = Vec::new();
    for aw in aws {
        match aw.into_gathered_on(event_loop.as_ref()) {
            Ok(child) => {
                event_loop.get_or_insert_with(|| child.get_loop());
                children.push(child);
            }
            Err(e) => return failed_gathering(e),
        }
    }
    let event_loop = match event_loop.map_or_else(get_event_loop, Ok) {
        Ok(event_loop) => event_loop,
        Err(e) => return failed_gathering(e),
    };
    let children: Rc<[A::Gathered]> = children.into();
    let awaited: Rc<[Awaited]> = children.iter().map(Gathered::awaited).collect();
    let outer = event_loop.create_future::<()>();
    let cancel_requested = Rc::new(Cell::new(false));
    if children.is_empty() {
        let _ = outer.set_result(());
    }
    let left = Rc::new(Cell::new(children.len()));
    for (child, waited) in children.iter().zip(awaited.iter()) {
        let (outer, left, child) = (outer.clone(), left.clone(), child.clone());
        let (all, awaited, cancel_requested) =
            (children.clone(), awaited.clone(), cancel_requested.clone());
        waited.on_done(Box::new(move || {
            left.set(left.get() - 1);
            if outer.done() {
                if !child.cancelled() {
                    drop(child.outcome()); // its exception counts as retrieved
                }
                return;
            }
            if !return_exceptions && let Err(e) = child.outcome() {
                let _ = outer.set_exception(e); // the first to fail, `CancelledError` included
                return;
            }
            if left.get() > 0 {
                return;
            }
            for child in all.iter().filter(|child| !child.cancelled()) {
                drop(child.outcome()); // listed, so retrieved
            }
            let _ = match cancel_requested.get() {
                // Cancelled, yet all ended without raising: the gather raises anyway.
                true => outer.set_exception(last_cancelled_error(&awaited)),
                false => outer.set_result(()),
            };
        }));
    }
    let gathering = Gathering {
        outer: outer.clone(),
        children: awaited,
        cancel_requested,
    };
    GatheringFuture {
        outer,
        gathering: Pin::new(Rc::new(gathering)),
        results: Rc::new(move || results(&children)),
    }
}

/// A gather that cannot start: its future holds the error Python raises at the call.
fn failed_gathering<R: 'static>(e: crate::exceptions::Exception) -> GatheringFuture<R> {
    // A future needs a loop; without one, a fresh loop's future carries the error.
    let event_loop = EventLoop::new(Clock::new_virtual());
    let outer = event_loop.create_future::<()>();
    let kept = clone_exception(&e);
    let _ = outer.set_exception(e);
    GatheringFuture {
        outer: outer.clone(),
        gathering: Pin::new(Rc::new(Gathering {
            outer,
            children: Rc::new([]),
            cancel_requested: Rc::default(),
        })),
        results: Rc::new(move || Err(clone_exception(&kept))),
    }
}

// ANCHOR: gather
/// A gather as the task awaiting it sees it. Python's `_GatheringFuture.cancel`:
/// cancelling it cancels the tasks gathered, which then end the gather with their
/// `CancelledError` (or with one of its own, if they all swallowed it).
struct Gathering {
    outer: Future<()>,
    children: Rc<[Awaited]>,
    cancel_requested: Rc<Cell<bool>>,
}

impl AnyFuture for Gathering {
    fn done(&self) -> bool {
        self.outer.done()
    }

    fn cancelled(&self) -> bool {
        self.outer.cancelled()
    }

    fn cancel(&self, message: Option<Object>) -> bool {
        if self.outer.done() {
            return false;
        }
        let mut cancelled = false;
        for child in self.children.iter() {
            cancelled |= child.cancel(message.clone()); // every one, even after the first says yes
        }
        if cancelled {
            self.cancel_requested.set(true);
        }
        cancelled
    }

    fn on_done(&self, callback: Box<dyn FnOnce()>) {
        self.outer.0.on_done(callback)
    }

    fn error(&self) -> Option<crate::exceptions::Exception> {
        self.outer.0.error()
    }

    fn describe(&self) -> String {
        self.outer.0.describe()
    }

    fn make_cancelled_error(&self) -> crate::exceptions::Exception {
        self.outer.0.make_cancelled_error()
    }
}
// ANCHOR_END: gather

/// `aws` without repeats, in the order first given (Python makes a set of them).
fn unique<G: Gathered>(aws: impl IntoIterator<Item = G>) -> Vec<G> {
    let mut seen = std::collections::HashSet::new();
    aws.into_iter()
        .filter(|aw| seen.insert(identity(&aw.awaited())))
        .collect()
}

/// Which future it is (`id(fut)`).
fn identity(awaited: &Awaited) -> usize {
    (&**awaited as *const dyn AnyFuture).cast::<()>() as usize
}

/// When `wait` returns (`asyncio.FIRST_COMPLETED`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as any task is done.
    FirstCompleted,
    /// As soon as any task raises (or all are done).
    FirstException,
    /// When all are done.
    AllCompleted,
}

/// `asyncio.wait(fs, timeout=, return_when=)`: `(done, pending)`, each in argument order
/// (Python returns sets, whose order varies), a task or future given twice once. As in
/// Python 3.11, it takes tasks and futures, not coroutines; none at all is a `ValueError`.
/// The tasks are not cancelled when the wait is, nor when it times out.
pub async fn wait<G: Gathered>(
    fs: impl IntoIterator<Item = G>,
    timeout: Option<f64>,
    return_when: ReturnWhen,
) -> PyResult<(Vec<G>, Vec<G>)> {
    let fs = unique(fs);
    if fs.is_empty() {
        return Err(ValueError::new("Set of Tasks/Futures is empty.").into());
    }
    let event_loop = get_running_loop()?;
    for f in &fs {
        on_loop(&f.get_loop(), Some(&event_loop))?;
    }
    // Python's `_wait`: a waiter that a timer, or the futures' done callbacks, complete.
    let waiter = event_loop.create_future::<()>();
    let timeout_handle = match timeout {
        Some(seconds) => Some(event_loop.call_later(seconds, release(&waiter))?),
        None => None,
    };
    let counter = Rc::new(Cell::new(fs.len()));
    // Python removes the callbacks once the waiter is done; here they are told.
    let removed = Rc::new(Cell::new(false));
    for f in &fs {
        let (f, waiter, counter) = (f.clone(), waiter.clone(), counter.clone());
        let (removed, timeout_handle) = (removed.clone(), timeout_handle.clone());
        f.awaited().on_done(Box::new(move || {
            if removed.get() {
                return;
            }
            counter.set(counter.get() - 1);
            let wakes = counter.get() == 0
                || return_when == ReturnWhen::FirstCompleted
                || return_when == ReturnWhen::FirstException
                    && !f.cancelled()
                    && f.awaited().error().is_some();
            if wakes {
                if let Some(handle) = &timeout_handle {
                    handle.cancel();
                }
                release(&waiter)();
            }
        }));
    }
    let waited = waiter.await;
    removed.set(true);
    if let Some(handle) = timeout_handle {
        handle.cancel();
    }
    waited?;
    Ok(fs.into_iter().partition(|f| f.awaited().done()))
}

/// `asyncio.as_completed(fs, timeout=..)`: one awaitable per task or future (a coroutine
/// becomes a task, as in Python; one given twice counts once). Whichever is awaited first
/// gives the outcome of the first to finish, the next the next, and so on. Once `timeout`
/// seconds have passed, every one not yet given raises `TimeoutError` (the tasks go on).
pub fn as_completed<A: IntoGathered>(
    fs: impl IntoIterator<Item = A>,
    timeout: Option<f64>,
) -> PyResult<Vec<impl StdFuture<Output = PyResult<<A::Gathered as Gathered>::Output>> + 'static>> {
    let event_loop = get_event_loop()?;
    let todo = fs
        .into_iter()
        .map(|f| f.into_gathered_on(Some(&event_loop)))
        .collect::<PyResult<Vec<_>>>()?;
    let todo = Rc::new(RefCell::new(unique(todo)));
    let count = todo.borrow().len();
    // What finished, in order; `None` for each one the timeout left.
    let done = Queue::<Option<A::Gathered>>::new(0);
    let timeout_handle: Rc<Cell<Option<Handle>>> = Rc::default();
    for f in todo.borrow().iter() {
        let (todo, done, timeout_handle, this) = (
            todo.clone(),
            done.clone(),
            timeout_handle.clone(),
            f.clone(),
        );
        f.awaited().on_done(Box::new(move || {
            let mut todo = todo.borrow_mut();
            let me = identity(&this.awaited());
            let Some(position) = todo.iter().position(|f| identity(&f.awaited()) == me) else {
                return; // the timeout came first
            };
            todo.remove(position);
            let _ = done.put_nowait(Some(this));
            if todo.is_empty()
                && let Some(handle) = timeout_handle.take()
            {
                handle.cancel();
            }
        }));
    }
    if let Some(timeout) = timeout
        && count > 0
    {
        let (todo, done) = (todo.clone(), done.clone());
        timeout_handle.set(Some(event_loop.call_later(timeout, move || {
            for _ in todo.borrow_mut().drain(..) {
                let _ = done.put_nowait(None);
            }
        })?));
    }
    Ok((0..count)
        .map(|_| {
            let done = done.clone();
            async move {
                match done.get().await? {
                    Some(f) => f.outcome(),
                    None => Err(TimeoutError::default().into()),
                }
            }
        })
        .collect())
}

// ANCHOR: wait_for
/// `asyncio.wait_for(aw, timeout)`, as Python 3.11 has it: the outcome of `aw` (a task, a
/// pycoro future, or a coroutine, which becomes a task when there is a timeout), or,
/// after `timeout` seconds, `aw` cancelled **and waited for** (its clean-up runs first),
/// then `TimeoutError` raised from the `CancelledError`. A task that swallows the
/// cancellation and returns gives its value instead, and one that raises something else
/// raises that. A `timeout` of zero or less cancels at once; `None` awaits `aw` as it is
/// (a coroutine runs in place, in the task that awaits `wait_for`). Cancelling the task
/// that awaits `wait_for` cancels `aw` too, and waits for it, before the
/// `CancelledError` goes on.
pub async fn wait_for<A>(
    aw: A,
    timeout: impl Into<Option<f64>>,
) -> PyResult<<A::Gathered as Gathered>::Output>
where
    A: IntoGathered,
    A::Gathered: IntoFuture<Output = PyResult<<A::Gathered as Gathered>::Output>>,
{
    let event_loop = get_running_loop()?;
    let Some(timeout) = timeout.into() else {
        return aw.await_in_place().await; // `return await fut`
    };
    if timeout <= 0.0 {
        let fut = aw.into_gathered()?;
        let awaited = fut.awaited();
        if awaited.done() {
            return fut.outcome();
        }
        cancel_and_wait(&event_loop, &awaited).await?;
        return timed_out(fut.outcome());
    }
    let waiter = event_loop.create_future::<()>();
    let timer = event_loop.call_later(timeout, release(&waiter))?;
    let fut = aw.into_gathered()?;
    let awaited = fut.awaited();
    awaited.on_done(Box::new(release(&waiter)));
    let waited = waiter.await;
    timer.cancel();
    if awaited.done() {
        return fut.outcome();
    }
    cancel_and_wait(&event_loop, &awaited).await?;
    match waited {
        Err(cancelled) => Err(cancelled), // the awaiting task was cancelled: so it stays
        Ok(()) => timed_out(fut.outcome()),
    }
}
// ANCHOR_END: wait_for

/// A callback that completes `waiter` (asyncio's `_release_waiter`).
fn release(waiter: &Future<()>) -> impl FnOnce() + 'static {
    let waiter = waiter.clone();
    move || {
        if !waiter.done() {
            let _ = waiter.set_result(());
        }
    }
}

/// asyncio's `_cancel_and_wait`: cancels `fut` and waits until it is done, however it
/// ends (a task may swallow the cancellation).
async fn cancel_and_wait(event_loop: &EventLoop, fut: &Awaited) -> PyResult<()> {
    let waiter = event_loop.create_future::<()>();
    fut.on_done(Box::new(release(&waiter)));
    fut.cancel(None);
    waiter.await
}

/// The outcome of `aw` once `wait_for` has timed out: cancelled means `TimeoutError`,
/// raised from that `CancelledError` (`raise TimeoutError() from exc`).
fn timed_out<T>(outcome: PyResult<T>) -> PyResult<T> {
    match outcome {
        Err(e) if e.is::<CancelledError>() => Err(TimeoutError::default().raise_from(e)),
        other => other,
    }
}

// ANCHOR: shield
/// `asyncio.shield(aw)`: a future with the outcome of `aw` (a task, a future, a gather,
/// or a coroutine, which becomes a task), which a cancellation of whoever awaits it does
/// not pass on: cancelling the awaiting task cancels the shield's future, and the task
/// runs on. Already done, it is its own shield.
pub fn shield<A: IntoGathered>(aw: A) -> PyResult<Future<<A::Gathered as Gathered>::Output>>
where
    <A::Gathered as Gathered>::Output: Clone,
{
    let inner = aw.into_gathered()?;
    let awaited = inner.awaited();
    if awaited.done()
        && let Some(done) = inner.as_future()
    {
        return Ok(done);
    }
    let outer = inner.get_loop().create_future();
    if awaited.done() {
        settle(&outer, &inner); // a gather: a future with its outcome
        return Ok(outer);
    }
    // Python's `_outer_done_callback` takes the inner callback off once the shield is
    // cancelled while the inner one runs on: its outcome then goes to no one.
    let removed = Rc::new(Cell::new(false));
    let (shielded, gone) = (outer.clone(), removed.clone());
    awaited.on_done(Box::new(move || {
        if gone.get() {
            return;
        }
        if shielded.cancelled() {
            if !inner.cancelled() {
                drop(inner.awaited().error()); // retrieved
            }
            return;
        }
        settle(&shielded, &inner);
    }));
    let inner_done = awaited.clone();
    outer.add_done_callback(move |_| {
        if !inner_done.done() {
            removed.set(true);
        }
    });
    Ok(outer)
}

/// The shield's future gets the inner one's outcome (which is done).
fn settle<G: Gathered>(outer: &Future<G::Output>, inner: &G)
where
    G::Output: Clone,
{
    // The shield's future is pending, so none of these fails.
    let _ = if inner.cancelled() {
        Ok(_ = outer.cancel())
    } else {
        match inner.outcome() {
            Ok(value) => outer.set_result(value),
            Err(e) => outer.set_exception(e),
        }
    };
}
// ANCHOR_END: shield

/// `asyncio.sleep(delay, result)`: sleeps, then gives `result`.
pub async fn sleep_with_result<T>(delay: f64, result: T) -> PyResult<T> {
    sleep(delay).await?;
    Ok(result)
}

/// `asyncio.to_thread(func)` (Python 3.9): runs the blocking `func` in the loop's default
/// executor, and gives its result.
pub async fn to_thread<T: Clone + Send + 'static>(
    func: impl FnOnce() -> PyResult<T> + Send + 'static,
) -> PyResult<T> {
    get_running_loop()?.run_in_executor(func)?.await
}

/// `asyncio.run(main())` on the real clock: a new loop, run until `main` is done; the
/// tasks still pending are cancelled, the async generators still alive closed
/// ([`EventLoop::shutdown_asyncgens`]), and the loop is closed.
pub fn run<T: Clone + 'static>(
    main: impl StdFuture<Output = PyResult<T>> + 'static,
) -> PyResult<T> {
    run_with_clock(main, Clock::real())
}

/// [`run`] on a given clock (a test passes a virtual one).
pub fn run_with_clock<T: Clone + 'static>(
    main: impl StdFuture<Output = PyResult<T>> + 'static,
    clock: Clock,
) -> PyResult<T> {
    let event_loop = EventLoop::new(clock);
    let result = event_loop
        .create_native_task(main)
        .and_then(|task| event_loop.run_until_complete(task));
    let cleanup = event_loop.cancel_all_tasks();
    let shutdown = event_loop
        .create_native_task(event_loop.shutdown_asyncgens())
        .and_then(|task| event_loop.run_until_complete(task));
    event_loop.close()?;
    let value = result?;
    cleanup?;
    shutdown?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heap_lets_go_of_dropped_sleeps_once_they_are_half_of_it() -> PyResult<()> {
        let event_loop = EventLoop::new(Clock::new_virtual());
        let timers_left = event_loop.clone();
        let main = event_loop.create_native_task(async move {
            let tasks = (0..1000)
                .map(|_| create_task(sleep(10.0)))
                .collect::<PyResult<Vec<_>>>()?;
            sleep(0.0).await?; // every task is in its sleep
            assert_eq!(timers_left.timers_scheduled(), 1000);
            for task in &tasks {
                task.cancel();
            }
            sleep(0.0).await?; // every task took its cancellation
            assert!(tasks.iter().all(|task| task.cancelled()));
            Ok(timers_left.timers_scheduled())
        })?;
        let left = event_loop.run_until_complete(main)?;
        // Rebuilt whenever more than 100, and more than half, are dropped ones.
        assert!(left <= 100, "{left} timers left of 1000 dropped");
        Ok(())
    }
}
