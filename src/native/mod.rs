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
    AnyFuture, EventLoop, Future, Handle, Ready, get_running_loop, no_running_loop,
    with_running_loop,
};
use crate::exceptions::{CancelledError, Object, PyResult, Raise, TimeoutError, clone_exception};
pub use asyncgen::{
    Aclose, Asend, AsyncGenerator, AsyncIterable, AsyncIterator, Athrow, Co, StopAsyncIteration,
    Yield, aiter, anext, anext_or,
};
pub use iteration::{AsyncClose, async_with, ticker};
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
        task::check_cancelled()?;
        let delay = match &self.0 {
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

/// Runs `f` when dropped.
fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}

/// `asyncio.gather(*tasks)`: their results in argument order, whatever the order they
/// finish in. The first exception is raised at once (the other tasks go on). Cancelling
/// the task that awaits it cancels the tasks gathered, as in Python.
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
pub fn gather<T: Clone + 'static>(tasks: impl IntoIterator<Item = Task<T>>) -> Waiting<Vec<T>> {
    gathering(tasks, |outer, child, all, cancel_requested| {
        if let Some(Err(e)) = child.map(|child| child.result()) {
            let _ = outer.set_exception(e); // the first to fail, `CancelledError` included
        } else if let Some(all) = all {
            // Every task succeeded; if the gather was cancelled, they swallowed it.
            let results = match cancel_requested {
                true => Err(last_cancelled_error(all)),
                false => all.iter().map(|t| t.result()).collect::<PyResult<Vec<T>>>(),
            };
            let _ = match results {
                Ok(values) => outer.set_result(values),
                Err(e) => outer.set_exception(e),
            };
        }
    })
}

/// The exception a cancelled gather ends with: as Python's `gather`, the last task's
/// `_make_cancelled_error()` (the `CancelledError` it ended with, if it was cancelled).
fn last_cancelled_error<T: Clone + 'static>(tasks: &[Task<T>]) -> crate::exceptions::Exception {
    match tasks.last() {
        Some(last) => last.awaited().make_cancelled_error(),
        None => CancelledError::default().into(),
    }
}

/// [`last_cancelled_error`] for futures of any types.
fn last_cancelled_error_of(children: &[Awaited]) -> crate::exceptions::Exception {
    match children.last() {
        Some(last) => last.make_cancelled_error(),
        None => CancelledError::default().into(),
    }
}

/// `asyncio.gather(*tasks, return_exceptions=True)`: every task's outcome in argument
/// order, an exception (`CancelledError` for a task cancelled) as a value, not raised.
/// Cancelling the task that awaits it cancels the tasks gathered, and then raises
/// `CancelledError`, as in Python.
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
pub async fn gather_return_exceptions<T: Clone + 'static>(
    tasks: impl IntoIterator<Item = Task<T>>,
) -> PyResult<Vec<PyResult<T>>> {
    let tasks: Vec<Task<T>> = tasks.into_iter().collect();
    gathering(tasks.clone(), |outer, _, all, cancel_requested| {
        if let Some(all) = all {
            let _ = match cancel_requested {
                true => outer.set_exception(last_cancelled_error(all)),
                false => outer.set_result(()),
            };
        }
    })
    .await?;
    Ok(tasks.iter().map(|task| task.gathered_outcome()).collect())
}

/// What [`gather!`](crate::gather) takes: a task, a pycoro future, or a coroutine (which
/// becomes a task at once, as `asyncio.gather` wraps it), each with a result type of its own.
pub trait IntoGathered {
    /// The task or future it becomes.
    type Gathered: Gathered;
    /// `ensure_future(aw)`.
    fn into_gathered(self) -> PyResult<Self::Gathered>;
}

/// A task or future inside a [`gather!`](crate::gather): what the gather waits on, and its
/// outcome once done.
pub trait Gathered {
    /// Its result type.
    type Output;
    /// What the gather waits on, and cancels when it is cancelled.
    fn awaited(&self) -> Pin<Rc<dyn AnyFuture>>;
    /// Its outcome, once done.
    fn outcome(&self) -> PyResult<Self::Output>;
}

impl<T: Clone + 'static> IntoGathered for Task<T> {
    type Gathered = Task<T>;

    fn into_gathered(self) -> PyResult<Task<T>> {
        Ok(self)
    }
}

impl<T: Clone + 'static> IntoGathered for Future<T> {
    type Gathered = Future<T>;

    fn into_gathered(self) -> PyResult<Future<T>> {
        Ok(self)
    }
}

impl<T: Clone + 'static, F: StdFuture<Output = PyResult<T>> + 'static> IntoGathered for F {
    type Gathered = Task<T>;

    fn into_gathered(self) -> PyResult<Task<T>> {
        create_task(self)
    }
}

impl<T: Clone + 'static> Gathered for Task<T> {
    type Output = T;

    fn awaited(&self) -> Pin<Rc<dyn AnyFuture>> {
        Task::awaited(self)
    }

    fn outcome(&self) -> PyResult<T> {
        self.result()
    }
}

impl<T: Clone + 'static> Gathered for Future<T> {
    type Output = T;

    fn awaited(&self) -> Pin<Rc<dyn AnyFuture>> {
        self.as_awaited()
    }

    fn outcome(&self) -> PyResult<T> {
        self.result()
    }
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
                return;
            }
            let _ = match this.error() {
                Some(e) => outer.set_exception(e), // the first to fail, `CancelledError` included
                None if left.get() > 0 => return,
                None if cancel_requested.get() => {
                    outer.set_exception(last_cancelled_error_of(&all))
                }
                None => outer.set_result(()),
            };
        }));
    }
    let target = Gathering {
        outer: outer.clone(),
        children,
        cancel_requested,
    };
    let target: Pin<Rc<Gathering<()>>> = Pin::new(Rc::new(target));
    Waiting::cancelling(outer, target).await?;
    members.outcomes()
}

/// What both gathers share: a future that `child_done` completes, told as each task
/// finishes which task (none if there are no tasks), every task once all are done, and
/// whether the gather was cancelled; awaiting it, a task's `cancel` reaches the tasks.
fn gathering<T: Clone + 'static, R: Clone + 'static>(
    tasks: impl IntoIterator<Item = Task<T>>,
    child_done: impl Fn(&Future<R>, Option<&Task<T>>, Option<&[Task<T>]>, bool) + 'static,
) -> Waiting<R> {
    let tasks: Rc<[Task<T>]> = tasks.into_iter().collect();
    let event_loop = match tasks.first() {
        Some(task) => task.get_loop(),
        None => match get_running_loop() {
            Ok(event_loop) => event_loop,
            Err(e) => return failed(e),
        },
    };
    let outer = event_loop.create_future::<R>();
    let left = Rc::new(Cell::new(tasks.len()));
    let cancel_requested = Rc::new(Cell::new(false));
    let child_done = Rc::new(child_done);
    for task in tasks.iter() {
        let (outer, left, all, child) = (outer.clone(), left.clone(), tasks.clone(), task.clone());
        let (cancel_requested, child_done) = (cancel_requested.clone(), child_done.clone());
        task.add_done_callback(move |_| {
            left.set(left.get() - 1);
            if !outer.done() {
                let all = (left.get() == 0).then_some(&*all);
                child_done(&outer, Some(&child), all, cancel_requested.get());
            }
        });
    }
    if tasks.is_empty() {
        child_done(&outer, None, Some(&[]), false);
    }
    let target = Gathering {
        outer: outer.clone(),
        children: tasks.iter().map(|task| task.awaited()).collect(),
        cancel_requested,
    };
    let target: Pin<Rc<Gathering<R>>> = Pin::new(Rc::new(target));
    Waiting::cancelling(outer, target)
}

// ANCHOR: gather
/// A gather as the task awaiting it sees it. Python's `_GatheringFuture.cancel`:
/// cancelling it cancels the tasks gathered, which then end the gather with their
/// `CancelledError` (or with one of its own, if they all swallowed it).
struct Gathering<R> {
    outer: Future<R>,
    children: Rc<[Awaited]>,
    cancel_requested: Rc<Cell<bool>>,
}

impl<R: Clone + 'static> AnyFuture for Gathering<R> {
    fn done(&self) -> bool {
        self.outer.done()
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

/// An awaitable that raises `e` (for a call that cannot even start).
fn failed<T: Clone + 'static>(e: crate::exceptions::Exception) -> Waiting<T> {
    // A future needs a loop; without one, a fresh loop's future carries the error.
    let event_loop = EventLoop::new(Clock::new_virtual());
    let future = event_loop.create_future();
    let _ = future.set_exception(e);
    future.into_future()
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

/// `asyncio.wait(tasks, timeout=, return_when=)`: `(done, pending)`, each in argument
/// order (Python returns sets, whose order varies).
pub async fn wait<T: Clone + 'static>(
    tasks: Vec<Task<T>>,
    timeout: Option<f64>,
    return_when: ReturnWhen,
) -> PyResult<(Vec<Task<T>>, Vec<Task<T>>)> {
    let event_loop = get_running_loop()?;
    let waiter = event_loop.create_future::<()>();
    let finished = move |tasks: &[Task<T>]| {
        let done = tasks.iter().filter(|t| t.done()).count();
        let failed = tasks
            .iter()
            .any(|t| t.done() && !t.cancelled() && matches!(t.exception(), Ok(Some(_))));
        match return_when {
            ReturnWhen::FirstCompleted => done > 0,
            ReturnWhen::FirstException => failed || done == tasks.len(),
            ReturnWhen::AllCompleted => done == tasks.len(),
        }
    };
    if !finished(&tasks) {
        let shared = Rc::new(tasks.clone());
        for task in &tasks {
            let (waiter, shared) = (waiter.clone(), shared.clone());
            task.add_done_callback(move |_| {
                if !waiter.done() && finished(&shared) {
                    let _ = waiter.set_result(());
                }
            });
        }
        let _timer = match timeout {
            Some(seconds) => {
                let waiter = waiter.clone();
                let timer = event_loop.call_later(seconds, move || {
                    if !waiter.done() {
                        let _ = waiter.set_result(());
                    }
                })?;
                Some(scopeguard(move || timer.cancel()))
            }
            None => None,
        };
        waiter.await?;
    }
    Ok(tasks.into_iter().partition(|t| t.done()))
}

/// `asyncio.as_completed(tasks, timeout=..)`: awaitables that give the tasks' results in
/// the order the tasks finish. Once `timeout` seconds have passed, every one not yet
/// given raises `TimeoutError` (the tasks go on).
pub fn as_completed<T: Clone + 'static>(
    tasks: Vec<Task<T>>,
    timeout: Option<f64>,
) -> PyResult<Vec<Waiting<T>>> {
    let Some(first) = tasks.first() else {
        return Ok(Vec::new());
    };
    let event_loop = first.get_loop();
    let slots: Vec<Future<T>> = tasks.iter().map(|_| event_loop.create_future()).collect();
    let next_slot = Rc::new(RefCell::new(slots.clone().into_iter()));
    let timer = match timeout {
        Some(timeout) => {
            let left = next_slot.clone();
            Some(event_loop.call_later(timeout, move || {
                for slot in left.borrow_mut().by_ref() {
                    let _ = slot.set_exception(TimeoutError::default());
                }
            })?)
        }
        None => None,
    };
    for task in &tasks {
        let (next_slot, timer) = (next_slot.clone(), timer.clone());
        task.add_done_callback(move |finished| {
            let mut slots = next_slot.borrow_mut();
            if let Some(slot) = slots.next() {
                let _ = match finished.result() {
                    Ok(value) => slot.set_result(value),
                    Err(e) => slot.set_exception(e),
                };
            }
            if slots.len() == 0
                && let Some(timer) = &timer
            {
                timer.cancel();
            }
        });
    }
    Ok(slots.into_iter().map(IntoFuture::into_future).collect())
}

// ANCHOR: wait_for
/// `asyncio.wait_for(aw, timeout)`, as Python 3.11 has it: the outcome of `aw` (a task, a
/// pycoro future, or a coroutine, which becomes a task), or, after `timeout` seconds, `aw`
/// cancelled **and waited for** (its clean-up runs first), then `TimeoutError` raised
/// from the `CancelledError`. A task that swallows the cancellation and returns gives its
/// value instead, and one that raises something else raises that. A `timeout` of zero or
/// less cancels at once; `None` waits as long as it takes. Cancelling the task that awaits
/// `wait_for` cancels `aw` too, and waits for it, before the `CancelledError` goes on.
///
/// With no timeout a coroutine still becomes a task, where Python awaits it in place: its
/// outcome is the same, but it starts on the loop's next pass, as a task of its own.
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
        return aw.into_gathered()?.await;
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
/// `asyncio.shield(task)`: a future with the task's outcome, which a cancellation of
/// whoever awaits it does not pass on: cancelling the awaiting task cancels the shield's
/// future, and the task runs on.
pub fn shield<T: Clone + 'static>(task: &Task<T>) -> PyResult<Future<T>> {
    let inner = Future::clone(task);
    if inner.done() {
        return Ok(inner);
    }
    let outer = get_running_loop()?.create_future::<T>();
    let shielded = outer.clone();
    inner.add_done_callback(move |inner| {
        if shielded.cancelled() {
            return;
        }
        // The shield's future is pending (it was not cancelled), so none of these fails.
        let _ = match inner.result() {
            Ok(value) => shielded.set_result(value),
            Err(e) if e.is::<CancelledError>() => Ok(_ = shielded.cancel()),
            Err(e) => shielded.set_exception(e),
        };
    });
    Ok(outer)
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
