//! [`Task`]: a native coroutine (a Rust `Future`) driven by the event loop.
//!
//! A native task is stepped the way asyncio steps a Python coroutine: each step polls
//! the coroutine once. When the coroutine awaits a pycoro future (a task, `sleep`, a
//! `gather`...), that future gets a done callback that takes the task's next step, as
//! Python's `Task.__wakeup` does, so tasks interleave exactly as they do in CPython.
//! A future from elsewhere (a `futures` channel, say) wakes the task through an
//! ordinary `Waker`.

use std::cell::Cell;
use std::fmt;
use std::future::{Future as StdFuture, IntoFuture};
use std::ops::Deref;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use futures::task::{ArcWake, waker_ref};
use pin_cell::{PinCell, PinMut};

use crate::clock::Clock;
use crate::event_loop::executor::catch_panic;
use crate::event_loop::tasks::{Awaited, Running, RunningRef, TaskId};
use crate::event_loop::{
    AnyFuture, EnsureFuture, EventLoop, Future, Ready, cancelled_error, failure_of,
    get_running_loop, with_running_loop,
};
use crate::exceptions::{
    CancelledError, Exception, KeyboardInterrupt, Object, PyClass, PyResult, RuntimeError,
    SystemExit, clone_exception, matches, write_unraisable_message,
};
use crate::trace::PyRepr;

/// `asyncio.Task` for a native coroutine. It derefs to the [`Future`] holding its
/// result (a Python `Task` is a `Future`); `.await` gives `PyResult<T>`.
pub struct Task<T>(Pin<Rc<dyn TaskOf<T>>>);

/// A task seen through its result type only: what a [`Task`] handle holds. The
/// coroutine's type is known to the task's own code, so a step polls the coroutine with
/// a direct call that the compiler can inline, not through a second vtable.
trait TaskOf<T>: Running + AnyFuture {
    fn future(&self) -> &Future<T>;
    /// The coroutine's type name (`crate::module::work::{{closure}}`).
    fn coro_type(&self) -> &'static str;
}

// ANCHOR: inner
pin_project_lite::pin_project! {
    struct Inner<T, F> {
        future: Future<T>,
        // `N` in its name `Task-N`, and its slot in the loop (see `TaskId`), kept apart
        // so that they, `must_cancel`, `started` and `cancels` share eight bytes: every
        // field counts, a million times.
        number: u64,
        slot: u32,
        must_cancel: MustCancel,
        // Its coroutine has been polled: a task cancelled before then never runs it.
        started: Cell<bool>,
        // `task.cancelling()`: the cancellation requests not taken back by `uncancel()`.
        cancels: Cell<u16>,
        // `cancel(msg)`'s message, for the `CancelledError` raised at the next await.
        // Boxed: most tasks are never cancelled with one.
        cancel_message: Cell<Option<Box<Object>>>,
        // The pycoro future the coroutine waits for, which `cancel` cancels too.
        waiting_on: Cell<Option<Awaited>>,
        // The waker its coroutine kept, once it has kept one (see `lend_waker`): the
        // `Arc` alone, half a `Waker`'s size; each step lends a `Waker` that borrows it.
        waker: std::cell::OnceCell<Arc<TaskWaker>>,
        // The coroutine, in the task's own allocation (so the task is pinned): borrowed
        // while it is polled (a step inside a step finds it borrowed, and does nothing),
        // `None` once it is done. A `PinCell` is a `RefCell` that lends only `Pin<&mut>`.
        #[pin]
        coro: PinCell<Option<F>>,
    }

    // Nothing is lost without a word: a task that goes before it is done says so, as
    // asyncio's `Task.__del__` does (the loop closed with it pending, say).
    impl<T, F> PinnedDrop for Inner<T, F> {
        fn drop(this: Pin<&mut Self>) {
            if !AnyFuture::done(&*this.future.0) {
                let task = format!("task: {}", this.describe_as(this.pending_state()));
                write_unraisable_message("Task was destroyed but it is pending!", &task);
            }
        }
    }
}
// ANCHOR_END: inner

impl<T, F> Inner<T, F> {
    fn id(&self) -> TaskId {
        TaskId {
            slot: self.slot as usize,
            number: self.number,
        }
    }

    /// A pending task's state in its `repr`: `cancelling` once asked to cancel (and not
    /// taken back by `uncancel`), as Python 3.11 shows it.
    fn pending_state(&self) -> &'static str {
        if self.cancels.get() > 0 {
            "cancelling"
        } else {
            "pending"
        }
    }

    /// `repr(task)` without its result, the task being in `state`.
    fn describe_as(&self, state: &str) -> String {
        format!(
            "<Task {state} name='{}' coro=<{}()>>",
            self.future.owner().task_name(self.number),
            crate::generators::qualified_name(std::any::type_name::<F>())
        )
    }
}

impl<T> Clone for Task<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> Deref for Task<T> {
    type Target = Future<T>;

    fn deref(&self) -> &Future<T> {
        self.0.future()
    }
}

/// A native task whatever its result type: what `current_task` and `all_tasks` give.
#[derive(Clone)]
pub struct TaskRef(pub(crate) RunningRef);

impl TaskRef {
    /// `task.get_name()`.
    pub fn name(&self) -> String {
        self.0.name()
    }

    /// `task.done()`.
    pub fn done(&self) -> bool {
        self.0.done()
    }

    /// `task.cancel()`.
    pub fn cancel(&self) -> bool {
        self.0.cancel(None)
    }

    /// `task.cancel(msg)`.
    pub fn cancel_with_message(&self, message: impl Into<Object>) -> bool {
        self.0.cancel(Some(message.into()))
    }

    /// `task.cancelling()` (Python 3.11).
    pub fn cancelling(&self) -> u32 {
        self.0.cancelling()
    }

    /// `N` in its name `Task-N`: which task it is.
    pub(crate) fn number(&self) -> u64 {
        self.0.number()
    }

    /// `task.set_name(name)`.
    pub fn set_name(&self, name: impl std::fmt::Display) {
        self.0.set_name(&name.to_string());
    }

    /// `task.uncancel()` (Python 3.11).
    pub fn uncancel(&self) -> u32 {
        self.0.uncancel()
    }
}

impl fmt::Display for TaskRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.describe())
    }
}

/// `asyncio.current_task()`: the native task running on this thread, if any.
pub fn current_task() -> Option<TaskRef> {
    current().map(TaskRef)
}

std::thread_local! {
    // The id of the task being stepped, swapped at every step: two integers, not an `Rc`
    // whose count a step would raise and lower (the task is found in the running loop's
    // slab when asked for, which is less often than it steps).
    static CURRENT: Cell<Option<TaskId>> = const { Cell::new(None) };
}

std::thread_local! {
    // How many tasks on this thread have a cancellation to raise at their next await
    // (`_must_cancel`): while none has, an await need not look its task up to ask.
    static PENDING_CANCELS: Cell<usize> = const { Cell::new(0) };
}

/// `task._must_cancel`, counted in [`PENDING_CANCELS`] while it is set.
#[derive(Default)]
struct MustCancel(Cell<bool>);

impl MustCancel {
    fn is_set(&self) -> bool {
        self.0.get()
    }

    fn set(&self) {
        if !self.0.replace(true) {
            PENDING_CANCELS.set(PENDING_CANCELS.get() + 1);
        }
    }

    /// Clears it: whether it was set.
    fn take(&self) -> bool {
        let was = self.0.replace(false);
        if was {
            PENDING_CANCELS.set(PENDING_CANCELS.get().saturating_sub(1));
        }
        was
    }
}

impl Drop for MustCancel {
    fn drop(&mut self) {
        self.take();
    }
}

/// The native task running on this thread, if any (`asyncio.current_task()`).
pub(crate) fn current() -> Option<RunningRef> {
    let id = CURRENT.get()?;
    with_running_loop(|event_loop| event_loop?.native_task(id))
}

/// At an await point of a pycoro awaitable: `Err(CancelledError)` if the running task
/// was cancelled since its last await, as Python raises it there.
// ANCHOR: check_cancelled
pub(crate) fn check_cancelled() -> PyResult<()> {
    if PENDING_CANCELS.get() == 0 {
        return Ok(()); // no task on this thread has a cancellation to take
    }
    let Some(id) = current_id() else {
        return Ok(()); // not in a task
    };
    // The task is asked in its slot, not cloned out of it: this runs at every await.
    let cancelled = with_running_loop(|event_loop| {
        event_loop?.with_native_task(id, |task| task.take_cancellation())
    });
    match cancelled.flatten() {
        Some(cancelled) => Err(cancelled),
        None => Ok(()),
    }
}
// ANCHOR_END: check_cancelled

/// Whether the running task has a cancellation waiting for its next await.
pub(crate) fn cancellation_pending() -> bool {
    if PENDING_CANCELS.get() == 0 {
        return false;
    }
    let Some(id) = current_id() else {
        return false;
    };
    with_running_loop(|event_loop| event_loop?.with_native_task(id, |task| task.cancel_pending()))
        .unwrap_or(false)
}

/// The id of the native task being stepped on this thread, if any.
pub(crate) fn current_id() -> Option<TaskId> {
    CURRENT.get()
}

std::thread_local! {
    // A waker no task has kept, to lend to the next step (see `lend_waker`).
    static SPARE_WAKER: Cell<Option<Arc<TaskWaker>>> = const { Cell::new(None) };
}

/// A waker for one step of task `id`, and a handle to it. Most steps never use their
/// waker: pycoro's own awaitables step the task through the loop, not through it. So a
/// task gets a waker of its own only when its coroutine keeps a clone (a channel, a
/// foreign future); until then it borrows the thread's spare one, and a million tasks
/// make no million wakers.
#[inline]
fn lend_waker(id: TaskId, clock: &Clock) -> Arc<TaskWaker> {
    match SPARE_WAKER.take() {
        // Nobody kept a clone of the spare, so it can be renamed. Its id is two atomics,
        // not a field behind `Arc::get_mut`, whose uniqueness check is an atomic
        // read-modify-write at every step.
        Some(spare) if Arc::strong_count(&spare) == 1 && spare.clock.same(clock) => {
            spare.slot.store(id.slot, Ordering::Relaxed);
            spare.number.store(id.number, Ordering::Relaxed);
            spare
        }
        _ => Arc::new(TaskWaker {
            slot: AtomicUsize::new(id.slot),
            number: AtomicU64::new(id.number),
            clock: clock.clone(),
        }),
    }
}

/// Wakes a native task from anywhere (a foreign future's `Waker`): the step is queued
/// on the loop's thread through its clock.
struct TaskWaker {
    /// The task's [`TaskId`], which changes while the waker is the thread's spare.
    slot: AtomicUsize,
    number: AtomicU64,
    clock: Clock,
}

impl TaskWaker {
    fn id(&self) -> TaskId {
        TaskId {
            slot: self.slot.load(Ordering::Relaxed),
            number: self.number.load(Ordering::Relaxed),
        }
    }
}

impl ArcWake for TaskWaker {
    fn wake_by_ref(this: &Arc<Self>) {
        let id = this.id();
        // Woken on the loop's own thread (a channel between two of its tasks): no lock
        // and no box, the step goes straight into the ready queue.
        let on_its_loop = with_running_loop(|event_loop| match event_loop {
            Some(event_loop) if event_loop.clock().same(&this.clock) => {
                // As Python's `call_soon` of the task's wake-up: it runs on the next pass.
                event_loop.wake(id);
                true
            }
            _ => false,
        });
        if on_its_loop {
            return;
        }
        this.clock.call_in(Box::new(move || {
            if let Ok(event_loop) = get_running_loop()
                && let Some(task) = event_loop.native_task(id)
            {
                task.as_ref().step();
            }
        }));
    }
}

impl<T: Clone + 'static> Task<T> {
    /// `loop.create_task(coro)` for a native coroutine: schedules its first step.
    /// `started` says that its first step polls `coro` even if the task is cancelled by
    /// then (see [`EventLoop::create_awaitable_task`]).
    fn spawn(
        event_loop: &EventLoop,
        coro: impl StdFuture<Output = PyResult<T>> + 'static,
        id: TaskId,
        started: bool,
    ) -> PyResult<Self> {
        let slot = u32::try_from(id.slot)
            .map_err(|_| RuntimeError::new("more than 4,294,967,295 tasks at once"))?;
        let future = event_loop.create_future();
        future.0.set_task_number(id.number);
        let task = Self(Rc::pin(Inner {
            future,
            number: id.number,
            slot,
            must_cancel: MustCancel::default(),
            started: Cell::new(started),
            cancels: Cell::new(0),
            cancel_message: Cell::new(None),
            waiting_on: Cell::default(),
            waker: std::cell::OnceCell::new(),
            coro: PinCell::new(Some(coro)),
        }));
        event_loop.schedule(Ready::Step(task.as_running()))?;
        Ok(task)
    }

    /// `task.get_name()`: `Task-1`, ..., or the name it was given.
    pub fn name(&self) -> String {
        Running::name(&*self.0)
    }

    /// `task.set_name(name)`, and `create_task(coro, name=name)` after `create_task`.
    ///
    /// ```
    /// use pycoro::native::{create_task, run, sleep};
    ///
    /// run(async {
    ///     let task = create_task(sleep(0.0))?;
    ///     assert_eq!(task.name(), "Task-2");
    ///     task.set_name("yolo");
    ///     assert_eq!(task.name(), "yolo");
    ///     assert!(task.to_string().starts_with("<Task pending name='yolo' coro=<"));
    ///     task.await
    /// })?;
    /// # Ok::<(), pycoro::exceptions::Exception>(())
    /// ```
    pub fn set_name(&self, name: impl std::fmt::Display) {
        self.get_loop()
            .set_task_name(self.0.number(), &name.to_string());
    }

    /// `task.add_done_callback(fn)`: `fn(task)` is scheduled with `call_soon` when the
    /// task is done (at once, if it already is), given the task itself, as Python gives
    /// it (its name, its result, its exception). Callbacks run in the order added.
    ///
    /// ```
    /// use pycoro::prelude::native::*;
    /// use std::{cell::RefCell, rc::Rc};
    ///
    /// let seen = Rc::new(RefCell::new(Vec::new()));
    /// let log = seen.clone();
    /// run_with_clock(async move {
    ///     let task = create_task(async { Ok(10) })?;
    ///     task.set_name("compute");
    ///     // def report(task): log.append(f'{task.get_name()}: {task.result()}')
    ///     task.add_done_callback(move |task| {
    ///         log.borrow_mut().push(format!("{}: {}", task.name(), task.result().unwrap()))
    ///     });
    ///     task.await?;
    ///     sleep(0.0).await // the callback's turn
    /// }, Clock::new_virtual())?;
    /// assert_eq!(*seen.borrow(), ["compute: 10"]);
    /// # Ok::<(), Exception>(())
    /// ```
    pub fn add_done_callback(&self, callback: impl FnOnce(&Task<T>) + 'static) {
        let task = self.clone();
        self.0.future().add_done_callback(move |_| callback(&task));
    }

    /// The name of the coroutine function it runs.
    pub fn coro_name(&self) -> &'static str {
        crate::generators::function_name(self.0.coro_type())
    }

    /// `task.cancel()`: the coroutine gets `CancelledError` at the await it is suspended
    /// in (or its next one); it may catch it. False if the task is already done.
    pub fn cancel(&self) -> bool {
        Running::cancel(&*self.0, None)
    }

    /// `task.cancel(msg)`: as [`cancel`](Self::cancel), and the `CancelledError` says
    /// `msg`: the coroutine sees `CancelledError(msg)`, and so does whoever awaits the
    /// task if the coroutine lets it go.
    ///
    /// ```
    /// use pycoro::exceptions::{CancelledError, exception_repr};
    /// use pycoro::native::{create_task, run, sleep};
    ///
    /// run(async {
    ///     let task = create_task(async {
    ///         sleep(10.0).await?;
    ///         Ok(())
    ///     })?;
    ///     sleep(0.0).await?;
    ///     task.cancel_with_message("shutting down");
    ///     let e = task.await.unwrap_err();
    ///     assert!(e.is::<CancelledError>());
    ///     assert_eq!(exception_repr(&e), "CancelledError('shutting down')");
    ///     Ok(())
    /// })?;
    /// # Ok::<(), pycoro::exceptions::Exception>(())
    /// ```
    pub fn cancel_with_message(&self, message: impl Into<Object>) -> bool {
        Running::cancel(&*self.0, Some(message.into()))
    }

    /// `task.cancelling()` (Python 3.11): how many cancellation requests it has had,
    /// less those taken back by [`uncancel`](Self::uncancel).
    pub fn cancelling(&self) -> u32 {
        Running::cancelling(&*self.0)
    }

    /// `task.uncancel()` (Python 3.11): takes one cancellation request back, and gives
    /// how many are left. `TaskGroup` and `timeout` use it to tell their own
    /// cancellations from the ones meant for the task.
    pub fn uncancel(&self) -> u32 {
        Running::uncancel(&*self.0)
    }

    fn as_running(&self) -> RunningRef {
        self.0.clone()
    }

    /// The task whatever its result type, as `current_task()` gives it.
    pub fn as_task_ref(&self) -> TaskRef {
        TaskRef(self.as_running())
    }

    /// The task as what another waits on (so that a cancellation reaches it).
    pub(crate) fn awaited(&self) -> Awaited {
        self.0.clone()
    }
}

impl<T: Clone + 'static, F> Inner<T, F> {
    /// Schedules the task's step to raise its cancellation, unless it is the task running
    /// now (it cancelled itself): its next await sees the cancellation, as in Python.
    fn wake_unless_running(&self) {
        if current_id() != Some(self.id()) {
            self.future.event_loop().wake(self.id());
        }
    }

    // ANCHOR: cancel
    /// Python's `Task.cancel`. `wake` schedules the task's step.
    fn request_cancel(&self, message: Option<Object>, wake: impl FnOnce()) -> bool {
        // Asked to cancel, even too late, the caller has seen the task: as Python's
        // `cancel` clears `_log_traceback`, its exception is not reported as unretrieved.
        self.future.0.mark_retrieved();
        if self.future.done() {
            return false;
        }
        self.cancels.set(self.cancels.get().saturating_add(1));
        // The cancellation goes to what the task waits for, which then wakes it: a
        // future is cancelled, a task is cancelled in turn (its coroutine gets
        // `CancelledError` and may clean up). A task that catches it and returns gives
        // this one its result, as in Python; it stays the one waited for, so that a
        // second `cancel` reaches it again.
        let waiting_on = self.waiting_on.take();
        let passed_on = waiting_on
            .as_ref()
            .is_some_and(|future| future.cancel(message.clone()));
        self.waiting_on.set(waiting_on);
        if !passed_on {
            // Nothing to pass it to: raised at the task's next await, in a step now.
            self.must_cancel.set();
            self.cancel_message.set(message.map(Box::new));
            wake();
        }
        true
    }
    // ANCHOR_END: cancel
}

/// A task seen as the future it is: what another task awaiting it waits on, so that
/// cancelling that task cancels this one (Python's `Task.cancel` of its `_fut_waiter`),
/// not only its result.
impl<T: Clone + 'static, F> AnyFuture for Inner<T, F> {
    fn done(&self) -> bool {
        self.future.done()
    }

    fn cancelled(&self) -> bool {
        self.future.cancelled()
    }

    fn cancel(&self, message: Option<Object>) -> bool {
        self.request_cancel(message, || self.wake_unless_running())
    }

    fn on_done(&self, callback: Box<dyn FnOnce()>) {
        self.future.0.on_done(callback)
    }

    fn error(&self) -> Option<Exception> {
        self.future.0.error()
    }

    fn describe(&self) -> String {
        self.future.0.describe()
    }

    fn make_cancelled_error(&self) -> Exception {
        self.future.0.make_cancelled_error()
    }
}

impl<T, F> TaskOf<T> for Inner<T, F>
where
    T: Clone + 'static,
    F: StdFuture<Output = PyResult<T>> + 'static,
{
    fn future(&self) -> &Future<T> {
        &self.future
    }

    fn coro_type(&self) -> &'static str {
        std::any::type_name::<F>()
    }
}

impl<T, F> Inner<T, F>
where
    T: Clone + 'static,
    F: StdFuture<Output = PyResult<T>> + 'static,
{
    // ANCHOR: step
    /// One step (`Task.__step`): polls the coroutine once and, if it finished, settles
    /// the task's future and leaves the loop.
    fn step_task(self: Pin<&Self>) {
        let this = self.project_ref();
        if this.future.done() {
            return;
        }
        let event_loop = this.future.event_loop();
        this.waiting_on.replace(None);
        let polled = {
            // Borrowed: a step inside a step; gone: abandoned at the loop's close. Either
            // way there is nothing to do.
            let Ok(mut coro) = this.coro.try_borrow_mut() else {
                return;
            };
            if coro.is_none() {
                return;
            }
            if !this.started.replace(true) && this.must_cancel.is_set() {
                // Cancelled before its first step: Python throws `CancelledError` into a
                // coroutine that has not started, which raises it without running a line.
                PinMut::as_mut(&mut coro).set(None);
                self.take_cancellation().map(Err)
            } else {
                self.poll_coroutine(coro)
            }
        };
        match polled {
            None => {
                if event_loop.tracing() {
                    event_loop.trace(format_args!("{} awaits", Running::name(&*self)));
                }
                return;
            }
            // A coroutine that returns while a cancellation is pending (it cancelled its
            // own task, say) ends cancelled, as `Task.__step` decides; one that raises
            // keeps its exception.
            Some(Ok(_)) if this.must_cancel.take() => {
                let message = this.cancel_message.take().map(|message| *message);
                this.future.set_task_cancelled(message, None);
            }
            Some(Ok(value)) => {
                let _ = this.future.set_task_outcome(Ok(value));
            }
            // Kept, as Python's `_cancelled_exc`: whoever awaits the task first gets this
            // very exception, message and all.
            Some(Err(e)) if e.is::<CancelledError>() => {
                this.future.set_task_cancelled(None, Some(e));
            }
            // Python's `Task.__step` lets these out of the loop, after making them the
            // task's exception.
            Some(Err(e)) if matches(&e, &[SystemExit::CLASS, KeyboardInterrupt::CLASS]) => {
                let coroutine = crate::generators::function_name(std::any::type_name::<F>());
                let _ = this
                    .future
                    .set_task_exception(clone_exception(&e), coroutine);
                event_loop.escape(e);
            }
            Some(Err(e)) => {
                let coroutine = crate::generators::function_name(std::any::type_name::<F>());
                let _ = this.future.set_task_exception(e, coroutine);
            }
        }
        event_loop.forget_native_task(self.id());
    }

    /// Polls the coroutine once, as the current task: its result, once it has one.
    #[inline(always)]
    fn poll_coroutine(self: Pin<&Self>, mut coro: PinMut<'_, Option<F>>) -> Option<PyResult<T>> {
        let this = self.project_ref();
        let event_loop = this.future.event_loop();
        let previous = CURRENT.replace(Some(self.id()));
        let mut lent = None;
        let waker = match this.waker.get() {
            Some(kept) => kept,
            None => lent.insert(lend_waker(self.id(), event_loop.clock())),
        };
        // A `Waker` that borrows the `Arc`: no count to raise and lower at each step.
        let waker = waker_ref(waker);
        let mut cx = Context::from_waker(&waker);
        // The coroutine's result, once it has one. Kept out of the value the poll
        // returns: a step that suspends then passes one word, not a 16-byte result
        // that was stored in halves and loaded whole (a store-forwarding stall, found
        // with `perf annotate`, at every step).
        let mut finished = None;
        // A panic inside the coroutine becomes the task's exception, and the loop goes on.
        let panicked = catch_panic(|| {
            if let Some(coro) = PinMut::as_mut(&mut coro).as_pin_mut()
                && let Poll::Ready(result) = coro.poll(&mut cx)
            {
                finished = Some(result);
            }
            Ok(())
        });
        if let Some(spare) = lent {
            if Arc::strong_count(&spare) > 1 {
                // The coroutine kept a clone: this waker is the task's from now on.
                let _ = this.waker.set(spare);
            } else {
                SPARE_WAKER.set(Some(spare));
            }
        }
        let polled = match panicked {
            Err(e) => Some(Err(e)),
            Ok(()) => finished,
        };
        if polled.is_some() {
            // Done: the coroutine's frame goes with its last poll, not when the last
            // handle to the task goes, and while the task is still the current one
            // (as a Python frame's locals go when it returns).
            PinMut::as_mut(&mut coro).set(None);
        }
        CURRENT.set(previous);
        polled
    }
    // ANCHOR_END: step
}

impl<T, F> Running for Inner<T, F>
where
    T: Clone + 'static,
    F: StdFuture<Output = PyResult<T>> + 'static,
{
    fn step(self: Pin<&Self>) {
        self.step_task();
    }

    fn number(&self) -> u64 {
        self.number
    }

    fn abandon(self: Pin<&Self>) {
        if let Ok(mut coro) = self.project_ref().coro.try_borrow_mut() {
            PinMut::as_mut(&mut coro).set(None);
        }
        drop(self.waiting_on.take());
    }

    fn step_if(self: Pin<&Self>, number: u64) {
        if self.number == number {
            self.step();
        }
    }

    fn cancel_pending(&self) -> bool {
        self.must_cancel.is_set()
    }

    fn take_cancellation(&self) -> Option<Exception> {
        if !self.must_cancel.take() {
            return None;
        }
        // The message stays, as Python's `_cancel_message` does, for a later request.
        let message = self.cancel_message.take();
        let cancelled = cancelled_error(message.as_deref());
        self.cancel_message.set(message);
        Some(cancelled)
    }

    fn wait_on(&self, future: Awaited) {
        self.waiting_on.replace(Some(future));
    }

    fn pass_cancellation_to(&self, future: &Awaited) -> bool {
        if !self.must_cancel.is_set() {
            return false;
        }
        let message = self.cancel_message.take();
        let passed = future.cancel(message.as_deref().cloned());
        self.cancel_message.set(message);
        if passed {
            self.must_cancel.take();
        }
        passed
    }

    fn cancel(&self, message: Option<Object>) -> bool {
        self.request_cancel(message, || self.wake_unless_running())
    }

    fn cancelling(&self) -> u32 {
        self.cancels.get().into()
    }

    fn uncancel(&self) -> u32 {
        let left = self.cancels.get().saturating_sub(1);
        self.cancels.set(left);
        left.into()
    }

    fn done(&self) -> bool {
        self.future.done()
    }

    fn on_done(&self, callback: Box<dyn FnOnce()>) {
        self.future.as_ref().on_done(callback)
    }

    fn set_name(&self, name: &str) {
        self.future.owner().set_task_name(self.number, name);
    }

    fn name(&self) -> String {
        // Made when asked for, unless `set_name` gave it one (kept by the loop): most
        // tasks are never named, and a stored name cost 16 bytes a task.
        self.future.event_loop().task_name(self.number)
    }

    fn describe(&self) -> String {
        let state = if self.future.cancelled() {
            "cancelled"
        } else if self.future.done() {
            "finished"
        } else {
            self.pending_state()
        };
        self.describe_as(state)
    }

    fn failure(&self) -> Option<(Exception, String)> {
        failure_of(&*self.future.0, Running::describe(self))
    }
}

/// `await future` from a native coroutine: suspends until the future is done, then
/// gives its result (or raises its exception).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Waiting<T> {
    future: Future<T>,
    /// What a task awaiting this waits on, for `cancel` to reach: the task itself when
    /// the future is a task's result, else the future.
    waits_on: Option<Awaited>,
    registered: bool,
}

// ANCHOR: waiting
impl<T: Clone + 'static> StdFuture for Waiting<T> {
    type Output = PyResult<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PyResult<T>> {
        if self.registered {
            check_cancelled()?;
            if self.future.done() {
                return Poll::Ready(self.future.result());
            }
            return Poll::Pending;
        }
        // Done already: Python's `await` does not yield, so a cancellation the task has
        // waits for the next await that suspends.
        if self.future.done() {
            return Poll::Ready(self.future.result());
        }
        self.registered = true;
        match current() {
            // Python's `Task.__wakeup`: the done callback steps the task directly.
            Some(task) => {
                let waits_on = self
                    .waits_on
                    .clone()
                    .unwrap_or_else(|| self.future.awaited());
                // A task that cancelled itself (say) and now blocks: what it blocks on is
                // cancelled (a task awaited ends cancelled too), or else it raises here.
                if !task.pass_cancellation_to(&waits_on)
                    && let Some(cancelled) = task.take_cancellation()
                {
                    return Poll::Ready(Err(cancelled));
                }
                task.wait_on(waits_on);
                self.future.0.when_done(Ready::Step(task));
            }
            None => {
                let waker = cx.waker().clone();
                self.future.0.on_done(Box::new(move || waker.wake()));
            }
        }
        Poll::Pending
    }
}
// ANCHOR_END: waiting

impl<T: Clone + 'static> Waiting<T> {
    /// Awaits `future`, while a `cancel` of the awaiting task goes to `waits_on` (what
    /// completes the future: a gather's tasks, say).
    pub(crate) fn cancelling(future: Future<T>, waits_on: Awaited) -> Self {
        Waiting {
            future,
            waits_on: Some(waits_on),
            registered: false,
        }
    }
}

impl<T: Clone + 'static> IntoFuture for Future<T> {
    type Output = PyResult<T>;
    type IntoFuture = Waiting<T>;

    fn into_future(self) -> Waiting<T> {
        Waiting {
            future: self,
            waits_on: None,
            registered: false,
        }
    }
}

/// `await fut` on a borrowed future, which the caller keeps: `(&fut).await`, as
/// `(&task).await`. The same as awaiting a clone of the handle.
///
/// ```
/// use pycoro::prelude::native::*;
///
/// let result = run_with_clock(async {
///     let lp = get_running_loop()?;
///     let fut: Future<i32> = lp.create_future();
///     let setter = fut.clone();
///     lp.call_soon(move || setter.set_result(7).unwrap())?;
///     let got = (&fut).await?; // await fut
///     Ok((got, fut.result()?))
/// }, Clock::new_virtual())?;
/// assert_eq!(result, (7, 7));
/// # Ok::<(), Exception>(())
/// ```
impl<T: Clone + 'static> IntoFuture for &Future<T> {
    type Output = PyResult<T>;
    type IntoFuture = Waiting<T>;

    fn into_future(self) -> Waiting<T> {
        self.clone().into_future()
    }
}

impl<T: Clone + 'static> IntoFuture for Task<T> {
    type Output = PyResult<T>;
    type IntoFuture = Waiting<T>;

    fn into_future(self) -> Waiting<T> {
        (&self).into_future()
    }
}

impl<T: Clone + 'static> IntoFuture for &Task<T> {
    type Output = PyResult<T>;
    type IntoFuture = Waiting<T>;

    fn into_future(self) -> Waiting<T> {
        Waiting {
            future: self.0.future().clone(),
            waits_on: Some(self.0.clone()),
            registered: false,
        }
    }
}

/// `repr(task)`, in Python's shape: `<Task pending name='Task-1' coro=<add()>>`,
/// `<Task finished name='Task-1' coro=<add()> result=3>`.
impl<T: Clone + PyRepr + 'static> fmt::Display for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.future().fmt_task(
            f,
            &Running::name(&*self.0),
            crate::generators::function_name(self.0.coro_type()),
            self.cancelling() > 0,
        )
    }
}

impl EventLoop {
    /// `asyncio.all_tasks(loop)`: its native tasks that are not done, oldest first.
    pub fn all_tasks(&self) -> Vec<TaskRef> {
        self.owned_tasks().into_iter().map(TaskRef).collect()
    }

    /// `loop.create_task(coro)` for a native coroutine (an `async fn`'s future): the loop
    /// owns the task until it is done.
    pub fn create_native_task<T: Clone + 'static, F>(&self, coro: F) -> PyResult<Task<T>>
    where
        F: StdFuture<Output = PyResult<T>> + 'static,
    {
        self.spawn_task(coro, false)
    }

    fn spawn_task<T: Clone + 'static, F>(&self, coro: F, started: bool) -> PyResult<Task<T>>
    where
        F: StdFuture<Output = PyResult<T>> + 'static,
    {
        self.own_task(|event_loop, id| {
            let task = Task::spawn(event_loop, coro, id, started)?;
            let running = task.as_running();
            Ok((task, running))
        })
    }

    /// `loop.create_task(awaitable)` for an awaitable that takes a cancellation thrown
    /// in before its first step, as Python's `aclose()` awaitable does (it passes it to
    /// its generator's `yield`): its first step polls it, the cancellation pending, where
    /// a coroutine's would not run it at all.
    pub(crate) fn create_awaitable_task<T: Clone + 'static, F>(
        &self,
        awaitable: F,
    ) -> PyResult<Task<T>>
    where
        F: StdFuture<Output = PyResult<T>> + 'static,
    {
        self.spawn_task(awaitable, true)
    }
}

impl<T: Clone + 'static> EnsureFuture<T> for Task<T> {
    fn ensure_future(self, _: &EventLoop) -> PyResult<Future<T>> {
        Ok(Future::clone(&*self))
    }
}

/// `loop.run_until_complete(coro)` of a native coroutine: it becomes a task of that loop,
/// as `ensure_future` wraps a coroutine.
///
/// ```
/// use pycoro::clock::Clock;
/// use pycoro::event_loop::EventLoop;
///
/// let lp = EventLoop::new(Clock::new_virtual());
/// assert_eq!(lp.run_until_complete(async { Ok(42) })?, 42);
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
impl<T, F> EnsureFuture<T> for F
where
    T: Clone + 'static,
    F: StdFuture<Output = PyResult<T>> + 'static,
{
    fn ensure_future(self, event_loop: &EventLoop) -> PyResult<Future<T>> {
        let task = event_loop.create_native_task(self)?;
        Ok(Future::clone(&*task))
    }
}
