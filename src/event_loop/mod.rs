//! asyncio's event loop, shared by Generations 2 and 3: [`EventLoop`] (asyncio's
//! `base_events`), [`Future`] (`futures`), [`Handle`] and the loop functions (`events`),
//! the default executor, the epoll reactor (`selectors`) and Ctrl+C.
//!
//! Book: chapters "Generation 2: yield from" (the loop built in stages) and "IO multiplexing".
//!
//! Python has one event loop, and since Python 3.5 both kinds of coroutine run on it; so
//! does pycoro. The loop knows neither generation's task type. It keeps a queue of ready
//! callbacks and a heap of timers; one pass (`_run_once`) waits until the earliest timer is
//! due (or another thread calls in, or a socket is ready), moves the due timers into the
//! queue, and runs every callback that was ready when the pass began. A task is only what
//! the loop can step and report on (the traits in `tasks.rs`): Generation 2's
//! generator-driven task steps through done callbacks (`crate::yield_from`), Generation 3's
//! native task is owned by the loop and stepped by id (`crate::native`).
//!
//! Dependencies go one way: `yield_from` and `native` use this module, which uses neither.
//! Each generation adds its own `create_task` to [`EventLoop`] and its own `run`.
//!
//! ```text
//! native (Task, gather, streams) ──┐
//!                                  ├──> event_loop (EventLoop, Future, Handle, reactor)
//! yield_from (Task, yield from) ───┘            └──> clock, exceptions, trace
//! ```

use std::cell::{Cell, RefCell};
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashSet, VecDeque};
use std::fmt;
use std::rc::{Rc, Weak};
use std::time::Duration;

use slab::Slab;

use crate::clock::{Clock, Incoming};
use crate::exceptions::{Exception, KeyboardInterrupt, PyResult, RuntimeError, write_unraisable};
use crate::trace::Out;
use executor::{ThreadPool, catch_panic, default_max_workers, on_loop_thread};
use reactor::Reactor;
use tasks::{AnyTask, Running, RunningRef};

pub mod executor;
mod futures;
mod handles;
pub(crate) mod reactor;
pub mod signals;
pub(crate) mod tasks;

pub use futures::{AnyFuture, Future, FutureRef};
pub(crate) use futures::{cancelled_error, failure_of};
pub use handles::Handle;
pub(crate) use handles::run_reporting_panics;
pub(crate) use tasks::TaskId;

/// `asyncio.AbstractEventLoop`, asyncio 3.4 style. Cloning shares the loop.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use pycoro::clock::Clock;
/// use pycoro::event_loop::EventLoop;
///
/// let lp = EventLoop::new(Clock::new_virtual());
/// let log = Rc::new(RefCell::new(Vec::new()));
/// for (delay, name) in [(2.0, "late"), (1.0, "early"), (1.0, "early, second")] {
///     let (log, lp2) = (log.clone(), lp.clone());
///     lp.call_later(delay, move || log.borrow_mut().push(format!("{name} at {}", lp2.time())))?;
/// }
/// let stopper = lp.clone();
/// lp.call_later(3.0, move || stopper.stop())?;
/// lp.run_forever()?;
/// assert_eq!(*log.borrow(), ["early at 1", "early, second at 1", "late at 2"]);
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
#[derive(Clone)]
pub struct EventLoop(Rc<Inner>);

struct Inner {
    clock: Clock,
    ready: RefCell<VecDeque<Ready>>,
    /// A min-heap, as asyncio's `heapq`: the earliest deadline on top, timers due at
    /// the same time in the order they were scheduled.
    timers: RefCell<BinaryHeap<Reverse<Timer>>>,
    /// The sequence numbers of native `sleep`s' timers whose `sleep` was dropped before
    /// they fired (a task cancelled while sleeping): left in the heap, as asyncio leaves
    /// cancelled `TimerHandle`s, and skipped when they come to the top.
    dropped_sleeps: RefCell<HashSet<u64>>,
    /// The clock's time when this pass took its due timers, in nanoseconds: a timer due
    /// by then has fired (see [`EventLoop::timer_fired`]).
    pass_time: Cell<u64>,
    /// Passes run so far: what stamps a captured line (`trace::Stamp`).
    passes: Cell<u64>,
    running: Cell<bool>,
    stopping: Cell<bool>,
    closed: Cell<bool>,
    tasks_created: Cell<u64>,
    /// Every task created, weakly: `all_tasks`, and what `run` cancels at the end.
    tasks: RefCell<Vec<Weak<dyn AnyTask>>>,
    /// How many `tasks` were left by the last sweep of finished ones.
    tasks_swept: Cell<usize>,
    executor: RefCell<Option<ThreadPool>>,
    trace: RefCell<Option<Out>>,
    /// `trace` is set: asked at every task step, so a flag rather than a borrow.
    tracing: Cell<bool>,
    /// Native tasks not done yet, by id, so a `Waker` (which must be `Send`) can name
    /// one. Owned: a task waiting on a foreign future has no other owner, and a task
    /// must never be lost. A task leaves when it is done, all of them when the loop closes.
    /// A slab: a task's id is its slot, reused once the task is done, so the tasks
    /// alive sit side by side in memory (a hash map scattered them, and a million tasks
    /// made every insert and remove a cache miss).
    native_tasks: RefCell<Slab<RunningRef>>,
    /// Ctrl+C arrived during `run_until_complete`.
    interrupted: Cell<bool>,
    /// A `SystemExit` or `KeyboardInterrupt` a task's coroutine raised: it goes out of
    /// the loop at the end of the pass, as asyncio lets it out of `run_forever`.
    escaping: Cell<Option<crate::exceptions::Exception>>,
    /// The IO reactor, once a socket is used.
    reactor: RefCell<Option<Rc<Reactor>>>,
    /// `loop.set_exception_handler(handler)`; `None`: the default handler.
    exception_handler: RefCell<Option<ExceptionHandler>>,
    /// The coroutine of each task that finished with an exception, by task number, for
    /// the report if nobody retrieves it (a result cell keeps no name: every byte counts).
    failed_coroutines: RefCell<std::collections::HashMap<u64, &'static str>>,
    /// The names given to tasks (`task.set_name`), by task number: the others are named
    /// `Task-N`, made when asked for.
    task_names: RefCell<std::collections::HashMap<u64, Rc<str>>>,
    /// asyncio's `_asyncgens`: the async generators first iterated while this loop ran,
    /// weakly, for `shutdown_asyncgens` to close (see [`AsyncGen`]).
    asyncgens: RefCell<Vec<Weak<dyn AsyncGen>>>,
}

/// What `loop.call_exception_handler(context)` is given: asyncio's context dict, for the
/// messages pycoro's loop writes.
#[derive(Debug)]
pub struct ExceptionContext {
    /// `context['message']`.
    pub message: String,
    /// `context['exception']`, if there is one.
    pub exception: Option<crate::exceptions::Exception>,
    /// `repr(context['future'])`, if a future or task is concerned.
    pub future: Option<String>,
    /// `repr(context['task'])`, where asyncio names the task under that key.
    pub task: Option<String>,
}

/// A handler for `loop.set_exception_handler`.
pub type ExceptionHandler = Rc<dyn Fn(&EventLoop, &ExceptionContext)>;

// ANCHOR: asyncgen_hook
/// An async generator as the loop sees it: something to close at shutdown and to name in
/// a report, nothing more (its type is `native`'s). asyncio's `sys.set_asyncgen_hooks`
/// registers each async generator with the loop it is first iterated on, weakly
/// ([`EventLoop::register_asyncgen`]); `shutdown_asyncgens` closes those still alive.
pub(crate) trait AsyncGen {
    /// `agen.aclose()`.
    fn aclose(self: Rc<Self>)
    -> std::pin::Pin<Box<dyn std::future::Future<Output = PyResult<()>>>>;
    /// `repr(agen)`.
    fn repr(&self) -> String;
}
// ANCHOR_END: asyncgen_hook

/// A `call_at`, or a native `sleep`: when it is due, its place among timers due at the
/// same moment, and what it does then.
struct Timer {
    /// Nanoseconds on the loop's clock: two plain integers to compare, at every level
    /// of the heap.
    when: u64,
    sequence: u64,
    due: Due,
}

/// What a timer does when it comes due.
enum Due {
    /// `call_at`'s callback, which its handle may have cancelled.
    Call(Handle),
    /// A native `sleep`'s task takes its next step, on the pass the timer fires (asyncio's
    /// sleep future would step it one pass later, through its done callback: see the
    /// Generation 3 chapter). No handle: the task is named by its slot and number, and a
    /// `sleep` dropped early is remembered in `dropped_sleeps`.
    Step { slot: u32, number: u64 },
}

std::thread_local! {
    // Timers' sequence numbers, for every loop on the thread: a native `sleep` (which
    // cannot leave its thread) names its timer by one, so they must differ between loops.
    static TIMERS_MADE: Cell<u64> = const { Cell::new(0) };
}

fn next_timer_sequence() -> u64 {
    TIMERS_MADE.with(|made| {
        let sequence = made.get() + 1;
        made.set(sequence);
        sequence
    })
}

impl Timer {
    fn key(&self) -> (u64, u64) {
        (self.when, self.sequence)
    }

    fn when(&self) -> Duration {
        Duration::from_nanos(self.when)
    }
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Timer {}

impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timer {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// What the ready queue holds. `call_soon` gives the caller a handle to cancel; the
/// loop's own callbacks (done callbacks, task steps, calls from threads) are never
/// cancelled, so they go in without one: a task step is then no allocation at all.
pub(crate) enum Ready {
    /// From `call_soon`: may have been cancelled since.
    Handle(Handle),
    /// One of the loop's own callbacks.
    Call(Box<dyn FnOnce()>),
    /// A native task's next step.
    Step(RunningRef),
    /// A native task's next step, asked for by a `Waker`, which names it by id.
    Wake(TaskId),
}

impl Ready {
    fn run(self, event_loop: &EventLoop) {
        match self {
            Ready::Handle(handle) => {
                if !handle.cancelled() {
                    handle.run();
                }
            }
            Ready::Call(callback) => run_reporting_panics(callback),
            // A step catches the coroutine's panics itself.
            Ready::Step(task) => task.as_ref().step(),
            Ready::Wake(id) => {
                // The task in the slot, if any; its `step_if` tells whether it is the
                // one woken (not a later one in the same slot) in the same virtual call.
                let task = event_loop.0.native_tasks.borrow().get(id.slot).cloned();
                if let Some(task) = task {
                    task.as_ref().step_if(id.number);
                }
            }
        }
    }
}

/// Appends to the ready queue an entry made only once there is room. `push_back` alone
/// made it first, on the stack, since checking for room may grow the queue; copied in by a
/// wide load over its narrow stores, it was a store-forwarding stall at every wake-up
/// (`perf annotate`: 4.6% of the ping-pong benchmark). In the first branch the compiler
/// sees there is room, and writes the entry in its place.
#[inline(always)]
#[allow(clippy::if_same_then_else)] // the same call, compiled differently in each branch
fn push_ready(ready: &mut VecDeque<Ready>, entry: impl FnOnce() -> Ready) {
    if ready.len() < ready.capacity() {
        ready.push_back(entry());
    } else {
        ready.push_back(entry());
    }
}

std::thread_local! {
    // The loop running on this thread (`get_running_loop`): one at most, since a loop
    // refuses to run inside another (`run_forever`).
    static RUNNING: RefCell<Option<EventLoop>> = const { RefCell::new(None) };
}

std::thread_local! {
    // The loop `set_event_loop` made this thread's default.
    static DEFAULT: RefCell<Option<EventLoop>> = const { RefCell::new(None) };
}

/// `asyncio.new_event_loop()`: a loop on the real clock, not yet running. (A test makes
/// one on a virtual clock with [`EventLoop::new`].)
///
/// ```
/// let event_loop = pycoro::event_loop::new_event_loop();
/// assert!(!event_loop.is_running() && !event_loop.is_closed());
/// event_loop.close()?;
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
pub fn new_event_loop() -> EventLoop {
    EventLoop::new(Clock::real())
}

/// `asyncio.set_event_loop(loop)`: makes `event_loop` this thread's default loop.
pub fn set_event_loop(event_loop: Option<&EventLoop>) {
    DEFAULT.with(|default| default.replace(event_loop.cloned()));
}

/// `asyncio.get_event_loop()`: the running loop, or this thread's default loop. (Python
/// 3.11 would create a default loop; pycoro asks which clock it should live in, so
/// `set_event_loop` comes first.)
pub fn get_event_loop() -> PyResult<EventLoop> {
    get_running_loop().or_else(|_| {
        DEFAULT
            .with(|default| default.borrow().clone())
            .ok_or_else(|| {
                RuntimeError::new("There is no current event loop in thread 'MainThread'.").into()
            })
    })
}

/// Runs `f` with the loop running on this thread, if any, borrowed rather than cloned.
pub(crate) fn with_running_loop<R>(f: impl FnOnce(Option<&EventLoop>) -> R) -> R {
    RUNNING.with(|running| f(running.borrow().as_ref()))
}

/// The error of asking for the running loop where none runs.
pub(crate) fn no_running_loop() -> crate::exceptions::Exception {
    RuntimeError::new("no running event loop").into()
}

/// When a line printed now is printed: the running loop's pass and time.
fn stamp() -> Option<crate::trace::Stamp> {
    with_running_loop(|event_loop| {
        event_loop.map(|event_loop| crate::trace::Stamp {
            pass: event_loop.0.passes.get(),
            time: event_loop.time(),
        })
    })
}

/// `asyncio.get_running_loop()`: the loop running on this thread.
pub fn get_running_loop() -> PyResult<EventLoop> {
    RUNNING
        .with(|running| running.borrow().clone())
        .ok_or_else(no_running_loop)
}

impl EventLoop {
    /// `asyncio.new_event_loop()`, living in `clock`'s time.
    pub fn new(clock: Clock) -> Self {
        clock.open_incoming();
        Self(Rc::new(Inner {
            clock,
            ready: RefCell::default(),
            timers: RefCell::default(),
            dropped_sleeps: RefCell::default(),
            pass_time: Cell::new(0),
            passes: Cell::new(0),
            running: Cell::new(false),
            stopping: Cell::new(false),
            closed: Cell::new(false),
            tasks_created: Cell::new(0),
            tasks: RefCell::default(),
            tasks_swept: Cell::new(0),
            executor: RefCell::default(),
            trace: RefCell::default(),
            tracing: Cell::new(false),
            native_tasks: RefCell::default(),
            interrupted: Cell::new(false),
            escaping: Cell::new(None),
            reactor: RefCell::default(),
            exception_handler: RefCell::default(),
            failed_coroutines: RefCell::default(),
            task_names: RefCell::default(),
            asyncgens: RefCell::default(),
        }))
    }

    /// `id(loop)`: the same number for every handle to the same loop.
    pub fn id(&self) -> usize {
        Rc::as_ptr(&self.0) as usize
    }

    /// The loop's clock.
    pub fn clock(&self) -> &Clock {
        &self.0.clock
    }

    /// `loop.time()`: seconds on the loop's clock.
    pub fn time(&self) -> f64 {
        self.0.clock.time()
    }

    /// Prints the loop's own steps to `out` (`None` turns it off): each task step,
    /// each future a coroutine yields, each timer that fires.
    pub fn set_trace(&self, out: Option<Out>) {
        self.0.tracing.set(out.is_some());
        self.0.trace.replace(out);
    }

    /// Whether the loop traces its steps: a trace line whose arguments cost something
    /// to compute (a name, a repr) is built only then.
    pub(crate) fn tracing(&self) -> bool {
        self.0.tracing.get()
    }

    pub(crate) fn trace(&self, line: fmt::Arguments<'_>) {
        if !self.tracing() {
            return;
        }
        if let Some(out) = &*self.0.trace.borrow() {
            out.println(format_args!("[loop {:.3}s] {line}", self.time()));
        }
    }

    fn check_closed(&self) -> PyResult<()> {
        if self.0.closed.get() {
            return Err(RuntimeError::new("Event loop is closed").into());
        }
        Ok(())
    }

    /// `loop.call_soon(callback)`: runs it on the next pass, after those already queued.
    pub fn call_soon(&self, callback: impl FnOnce() + 'static) -> PyResult<Handle> {
        self.check_closed()?;
        let handle = Handle::new(Box::new(callback));
        self.0
            .ready
            .borrow_mut()
            .push_back(Ready::Handle(handle.clone()));
        Ok(handle)
    }

    /// Queues one of the loop's own callbacks, which nobody cancels (no handle).
    pub(crate) fn schedule(&self, ready: Ready) -> PyResult<()> {
        self.check_closed()?;
        self.0.ready.borrow_mut().push_back(ready);
        Ok(())
    }

    /// A foreign waker's wake-up of task `id`: queued by id (two integers, no `Rc` to
    /// clone), the task found when its step comes. A task done by then has none to take.
    pub(crate) fn wake(&self, id: TaskId) {
        if !self.0.closed.get() {
            push_ready(&mut self.0.ready.borrow_mut(), || Ready::Wake(id));
        }
    }

    /// `loop.call_later(delay, callback)`.
    pub fn call_later(&self, delay: f64, callback: impl FnOnce() + 'static) -> PyResult<Handle> {
        self.call_at(self.time() + delay, callback)
    }

    // ANCHOR: call_at
    /// `loop.call_at(when, callback)`: at `when` on the loop's clock; timers due at the
    /// same time run in the order they were scheduled.
    pub fn call_at(&self, when: f64, callback: impl FnOnce() + 'static) -> PyResult<Handle> {
        self.add_timer(when, Box::new(callback))
    }

    fn add_timer(&self, when: f64, callback: Box<dyn FnOnce()>) -> PyResult<Handle> {
        let handle = Handle::new(callback);
        self.push_timer(when, Due::Call(handle.clone()))?;
        Ok(handle)
    }

    /// Pushes a timer due at `when` seconds; gives its time in nanoseconds and its number.
    fn push_timer(&self, when: f64, due: Due) -> PyResult<(u64, u64)> {
        self.check_closed()?;
        let sequence = next_timer_sequence();
        // At most `END_OF_TIME`, which is `u64::MAX` nanoseconds.
        let when = crate::clock::nanoseconds(crate::clock::seconds_to_duration(when));
        self.0.timers.borrow_mut().push(Reverse(Timer {
            when,
            sequence,
            due,
        }));
        Ok((when, sequence))
    }

    /// A native `sleep`'s timer: task `id`'s next step at `when` seconds. Gives what
    /// [`timer_fired`](Self::timer_fired) and [`drop_sleep`](Self::drop_sleep) take.
    pub(crate) fn step_at(&self, when: f64, id: TaskId) -> PyResult<(u64, u64)> {
        self.push_timer(
            when,
            Due::Step {
                // `Task::spawn` refused a slot beyond `u32::MAX`.
                slot: id.slot as u32,
                number: id.number,
            },
        )
    }

    /// How many timers are in the heap, those of dropped sleeps included.
    #[cfg(test)]
    pub(crate) fn timers_scheduled(&self) -> usize {
        self.0.timers.borrow().len()
    }

    /// Whether a timer due at `when` (nanoseconds) has come due: every timer due by the
    /// time a pass looked has been taken off the heap, and its step queued.
    pub(crate) fn timer_fired(&self, when: u64) -> bool {
        when <= self.0.pass_time.get()
    }

    /// A native `sleep` is dropped before its timer fired: the timer will step nobody.
    /// As asyncio does with cancelled timers, the heap is rebuilt once they are more
    /// than half of it.
    pub(crate) fn drop_sleep(&self, when: u64, sequence: u64) {
        if self.timer_fired(when) || self.is_closed() {
            return;
        }
        let mut dropped = self.0.dropped_sleeps.borrow_mut();
        dropped.insert(sequence);
        let mut timers = self.0.timers.borrow_mut();
        if dropped.len() > 100 && dropped.len() * 2 > timers.len() {
            let mut live = std::mem::take(&mut *timers).into_vec();
            live.retain(|Reverse(timer)| !dropped.contains(&timer.sequence));
            *timers = BinaryHeap::from(live);
            dropped.clear();
        }
    }
    // ANCHOR_END: call_at

    /// `loop.call_soon_threadsafe`: a `Send` handle other threads use to queue callbacks.
    pub fn threadsafe(&self) -> ThreadsafeHandle {
        ThreadsafeHandle(self.0.clock.clone())
    }

    /// `loop.create_future()`.
    pub fn create_future<T: Clone + 'static>(&self) -> Future<T> {
        Future::new(self)
    }

    /// The next task's number: `N` in its name `Task-N`, for tasks of either generation.
    pub(crate) fn next_task_number(&self) -> u64 {
        let number = self.0.tasks_created.get() + 1;
        self.0.tasks_created.set(number);
        number
    }

    /// Takes a task the loop will own and step by id (a native task) into its slab:
    /// `make` builds the task knowing its id, and gives it back with the loop's view of it.
    pub(crate) fn own_task<T>(
        &self,
        make: impl FnOnce(&Self, TaskId) -> PyResult<(T, RunningRef)>,
    ) -> PyResult<T> {
        self.check_closed()?;
        let id = TaskId {
            slot: self.0.native_tasks.borrow().vacant_key(),
            number: self.next_task_number(),
        };
        let (task, running) = make(self, id)?;
        let slot = self.0.native_tasks.borrow_mut().insert(running);
        debug_assert_eq!(slot, id.slot, "nothing else took the slot meanwhile");
        Ok(task)
    }

    /// The native task `id`, if it is not done (its slot may hold a newer task by now).
    pub(crate) fn native_task(&self, id: TaskId) -> Option<RunningRef> {
        let tasks = self.0.native_tasks.borrow();
        tasks
            .get(id.slot)
            .filter(|task| task.number() == id.number)
            .cloned()
    }

    /// `f` of the native task `id`, if it is not done, without cloning its `Rc`. `f`
    /// must not create or end tasks (the slab is borrowed meanwhile).
    pub(crate) fn with_native_task<R>(
        &self,
        id: TaskId,
        f: impl FnOnce(&dyn Running) -> R,
    ) -> Option<R> {
        let tasks = self.0.native_tasks.borrow();
        let task = tasks
            .get(id.slot)
            .filter(|task| task.number() == id.number)?;
        Some(f(&**task))
    }

    pub(crate) fn forget_native_task(&self, id: TaskId) {
        let mut tasks = self.0.native_tasks.borrow_mut();
        if tasks
            .get(id.slot)
            .is_some_and(|task| task.number() == id.number)
        {
            tasks.remove(id.slot);
        }
    }

    /// The tasks it owns that are not done, oldest first (`asyncio.all_tasks(loop)`).
    pub(crate) fn owned_tasks(&self) -> Vec<RunningRef> {
        let mut tasks = self.native_by_age();
        tasks.retain(|task| !task.done());
        tasks
    }

    /// The native tasks, oldest first (slots are reused, so their order is not age).
    fn native_by_age(&self) -> Vec<RunningRef> {
        let mut tasks: Vec<_> = self
            .0
            .native_tasks
            .borrow()
            .iter()
            .map(|(_, task)| task.clone())
            .collect();
        tasks.sort_by_key(|task| task.number());
        tasks
    }

    pub(crate) fn register_task(&self, task: Weak<dyn AnyTask>) {
        let mut tasks = self.0.tasks.borrow_mut();
        // Forget finished tasks only when the list has doubled since the last sweep:
        // sweeping at every registration made creating n pending tasks O(n²) (the
        // stress test's 100,000 tasks took minutes).
        if tasks.len() >= self.0.tasks_swept.get().max(32) * 2 {
            tasks.retain(|t| t.upgrade().is_some_and(|t| !t.done()));
            self.0.tasks_swept.set(tasks.len());
        }
        tasks.push(task);
    }

    /// asyncio's `_asyncgen_firstiter_hook`: an async generator is iterated for the first
    /// time while this loop runs. Held weakly; the dead are swept when the list doubles.
    pub(crate) fn register_asyncgen(&self, agen: Weak<dyn AsyncGen>) {
        let mut asyncgens = self.0.asyncgens.borrow_mut();
        if asyncgens.len() >= 32 && asyncgens.len().is_power_of_two() {
            asyncgens.retain(|agen| agen.strong_count() > 0);
        }
        asyncgens.push(agen);
    }

    /// What `shutdown_asyncgens` closes: the registered async generators still alive,
    /// taken out of the registry.
    pub(crate) fn take_asyncgens(&self) -> Vec<Rc<dyn AsyncGen>> {
        let asyncgens = std::mem::take(&mut *self.0.asyncgens.borrow_mut());
        asyncgens.iter().filter_map(Weak::upgrade).collect()
    }

    /// How many tasks are not done yet (`len(asyncio.all_tasks(loop))`).
    pub fn pending_tasks(&self) -> usize {
        self.pending().len()
    }

    fn pending(&self) -> Vec<Rc<dyn AnyTask>> {
        let tasks = self.0.tasks.borrow();
        let generator_based = tasks.iter().filter_map(Weak::upgrade);
        let native = self
            .native_by_age()
            .into_iter()
            .map(|task| Rc::new(Owned(task)) as Rc<dyn AnyTask>)
            .collect::<Vec<_>>();
        generator_based
            .chain(native)
            .filter(|t| !t.done())
            .collect()
    }

    /// What `asyncio.run` does before it closes the loop (`_cancel_all_tasks`): cancel
    /// every task still pending, run the loop until they have all finished, and report
    /// through the exception handler each that ended with an exception other than its
    /// cancellation ("unhandled exception during asyncio.run() shutdown"), which counts as
    /// looking at it (asyncio's `gather(..., return_exceptions=True)` did).
    pub fn cancel_all_tasks(&self) -> PyResult<()> {
        let pending = self.pending();
        if pending.is_empty() {
            return Ok(());
        }
        for task in &pending {
            task.cancel();
        }
        let (event_loop, left) = (self.clone(), Rc::new(Cell::new(pending.len())));
        let stop_when_all_done = Rc::new(move || {
            left.set(left.get() - 1);
            if left.get() == 0 {
                event_loop.stop();
            }
        });
        for task in &pending {
            let stop = stop_when_all_done.clone();
            task.on_done(Box::new(move || stop()));
        }
        self.run_forever()?;
        for task in &pending {
            if let Some((exception, task)) = task.failure() {
                self.call_exception_handler(ExceptionContext {
                    message: "unhandled exception during asyncio.run() shutdown".to_owned(),
                    exception: Some(exception),
                    future: None,
                    task: Some(task),
                });
            }
        }
        Ok(())
    }

    /// `loop.run_in_executor(None, func)`: runs the blocking `func` on the default thread
    /// pool; the future's result arrives through a thread-safe call.
    pub fn run_in_executor<T: Clone + Send + 'static>(
        &self,
        func: impl FnOnce() -> PyResult<T> + Send + 'static,
    ) -> PyResult<Future<T>> {
        self.check_closed()?;
        let future = self.create_future();
        let completed = future.clone();
        let deliver = on_loop_thread(&self.0.clock, move |result: PyResult<T>| {
            if completed.cancelled() {
                return;
            }
            let _ = match result {
                Ok(value) => completed.set_result(value),
                Err(e) => completed.set_exception(e),
            };
        });
        let mut executor = self.0.executor.borrow_mut();
        let executor = executor
            .get_or_insert_with(|| ThreadPool::new(self.0.clock.clone(), default_max_workers()));
        executor.submit(move || deliver.send(catch_panic(func)));
        Ok(future)
    }

    // ANCHOR: exception_handler
    /// `loop.set_exception_handler(handler)`: what the loop calls with what it cannot
    /// raise to anyone (a task's exception nobody retrieved, say); `None` restores the
    /// default handler.
    pub fn set_exception_handler(&self, handler: Option<ExceptionHandler>) {
        self.0.exception_handler.replace(handler);
    }

    /// `loop.get_exception_handler()`: the handler set, `None` for the default one.
    ///
    /// ```
    /// use pycoro::clock::Clock;
    /// use pycoro::event_loop::EventLoop;
    /// use std::rc::Rc;
    ///
    /// let lp = EventLoop::new(Clock::new_virtual());
    /// assert!(lp.get_exception_handler().is_none());
    /// lp.set_exception_handler(Some(Rc::new(|_, _| {})));
    /// assert!(lp.get_exception_handler().is_some());
    /// lp.set_exception_handler(None);
    /// assert!(lp.get_exception_handler().is_none());
    /// ```
    pub fn get_exception_handler(&self) -> Option<ExceptionHandler> {
        self.0.exception_handler.borrow().clone()
    }

    /// `loop.call_exception_handler(context)`: the handler set, or the default one.
    pub fn call_exception_handler(&self, context: ExceptionContext) {
        let handler = self.0.exception_handler.borrow().clone();
        match handler {
            Some(handler) => handler(self, &context),
            None => self.default_exception_handler(&context),
        }
    }

    /// `loop.default_exception_handler(context)`: writes what asyncio's logs, through the
    /// thread's unraisable hook (stderr by default): the message, `future: <repr>`, and
    /// the exception's report, less the frame lines Rust cannot know.
    pub fn default_exception_handler(&self, context: &ExceptionContext) {
        let mut lines = Vec::new();
        // asyncio's handler writes the other keys in sorted order.
        if let Some(future) = &context.future {
            lines.push(format!("future: {future}"));
        }
        if let Some(task) = &context.task {
            lines.push(format!("task: {task}"));
        }
        if let Some(exception) = &context.exception {
            lines.push(
                crate::exceptions::format_exception(exception)
                    .trim_end()
                    .to_string(),
            );
        }
        crate::exceptions::write_unraisable_message(&context.message, &lines.join("\n"));
    }
    // ANCHOR_END: exception_handler

    /// A task numbered `number` finished with an exception: its coroutine's name, for
    /// the report if nobody retrieves the exception.
    pub(crate) fn note_failed_coroutine(&self, number: u64, coroutine: &'static str) {
        self.0
            .failed_coroutines
            .borrow_mut()
            .insert(number, coroutine);
    }

    /// `task.get_name()` of task number `number`: the name it was given, or `Task-N`.
    pub(crate) fn task_name(&self, number: u64) -> String {
        let names = self.0.task_names.borrow();
        match names.get(&number) {
            Some(name) => name.to_string(),
            None => format!("Task-{number}"),
        }
    }

    /// `task.set_name(name)` of task number `number`.
    pub(crate) fn set_task_name(&self, number: u64, name: &str) {
        self.0.task_names.borrow_mut().insert(number, name.into());
    }

    /// The name the task was given, if any, forgotten: the task goes. (Nothing is made
    /// for the others: this runs at every task's end.)
    pub(crate) fn take_task_name(&self, number: u64) -> Option<Rc<str>> {
        let mut names = self.0.task_names.borrow_mut();
        if names.is_empty() {
            return None;
        }
        names.remove(&number)
    }

    /// The name [`note_failed_coroutine`](Self::note_failed_coroutine) kept, taken back.
    pub(crate) fn take_failed_coroutine(&self, number: u64) -> Option<&'static str> {
        self.0.failed_coroutines.borrow_mut().remove(&number)
    }

    /// `loop.is_running()`.
    pub fn is_running(&self) -> bool {
        self.0.running.get()
    }

    /// `loop.is_closed()`.
    pub fn is_closed(&self) -> bool {
        self.0.closed.get()
    }

    /// `loop.stop()`: the loop stops after the current pass.
    pub fn stop(&self) {
        self.0.stopping.set(true);
    }

    /// A task's coroutine raised `exception`, a `SystemExit` or `KeyboardInterrupt`: the
    /// task has it as its exception, and `run_forever` raises it after this pass (asyncio
    /// raises it at once; here the rest of the pass runs first, so that the loop's pass
    /// checks nothing per callback).
    pub(crate) fn escape(&self, exception: crate::exceptions::Exception) {
        self.0.escaping.set(Some(exception));
    }

    /// Ctrl+C: stops the loop after this pass, and `run_until_complete` raises
    /// `KeyboardInterrupt`.
    pub(crate) fn interrupt(&self) {
        self.0.interrupted.set(true);
        self.stop();
    }

    /// `loop.close()`: drops what is scheduled and shuts the executor down.
    pub fn close(&self) -> PyResult<()> {
        if self.is_running() {
            return Err(RuntimeError::new("Cannot close a running event loop").into());
        }
        if self.0.closed.replace(true) {
            return Ok(());
        }
        self.0.ready.borrow_mut().clear();
        self.0.timers.borrow_mut().clear();
        self.0.dropped_sleeps.borrow_mut().clear();
        // What is still pending will never run: let it go (its `Rc`s point back here).
        // Each coroutine is dropped first: a task may hold another through its coroutine
        // or what it waits on, and a cycle of those would otherwise keep both for ever.
        let pending = std::mem::take(&mut *self.0.native_tasks.borrow_mut());
        for (_, task) in &pending {
            task.as_ref().abandon();
        }
        drop(pending);
        if let Some(executor) = self.0.executor.borrow_mut().take() {
            executor.shutdown();
        }
        // Python's close drops them silently; pycoro says so, since nothing may be lost
        // without a word.
        self.0.clock.set_notifier(None);
        self.0.reactor.borrow_mut().take();
        let never_ran = self.0.clock.close_incoming();
        if never_ran > 0 {
            let lost = RuntimeError::new(format!(
                "{never_ran} callback(s) from other threads never ran: the loop closed first"
            ));
            write_unraisable("Exception ignored in", &format!("{self:?}"), &lost.into());
        }
        Ok(())
    }

    /// The loop's IO reactor, made on first use: from then on the loop waits in epoll,
    /// and other threads calling in wake it there.
    pub(crate) fn reactor(&self) -> PyResult<Rc<Reactor>> {
        self.check_closed()?;
        if let Some(reactor) = &*self.0.reactor.borrow() {
            return Ok(reactor.clone());
        }
        let reactor = Rc::new(Reactor::new()?);
        self.0.clock.set_notifier(Some(reactor.notifier()));
        *self.0.reactor.borrow_mut() = Some(reactor.clone());
        Ok(reactor)
    }

    fn watching_sockets(&self) -> bool {
        (self.0.reactor.borrow().as_ref()).is_some_and(|reactor| reactor.is_watching())
    }

    // ANCHOR: wait_for_events
    /// Waits until `deadline` (None: for ever) for another thread, or for a socket when
    /// some are watched, and returns what other threads called in.
    fn wait_for_events(&self, deadline: Option<Duration>) -> PyResult<Vec<Incoming>> {
        let clock = &self.0.clock;
        let nothing_to_wait_for = |_| -> crate::exceptions::Exception {
            RuntimeError::new(
                "the event loop has nothing left to wait for: no callback, no timer, no thread \
                 (on the virtual clock this would wait for ever)",
            )
            .into()
        };
        let reactor = (self.0.reactor.borrow().as_ref())
            .filter(|reactor| reactor.is_watching())
            .cloned();
        let Some(reactor) = reactor else {
            return clock.wait_for_events(deadline).map_err(nothing_to_wait_for);
        };
        let mut incoming = clock.take_incoming();
        let now = clock.now();
        let must_not_block = !incoming.is_empty() || deadline.is_some_and(|d| d <= now);
        if clock.is_virtual() {
            // Virtual time moves only when no socket is ready now; with no timer either,
            // the loop waits for the sockets in real time (nothing else can happen).
            reactor.poll(Some(Duration::ZERO))?;
            if must_not_block || !self.0.ready.borrow().is_empty() {
                return Ok(incoming);
            }
            if deadline.is_some() {
                incoming.extend(
                    clock
                        .wait_for_events(deadline)
                        .map_err(nothing_to_wait_for)?,
                );
            } else {
                reactor.poll(None)?;
                incoming.extend(clock.take_incoming());
            }
            return Ok(incoming);
        }
        let timeout = if must_not_block {
            Some(Duration::ZERO)
        } else {
            deadline.map(|d| d.saturating_sub(now))
        };
        reactor.poll(timeout)?;
        incoming.extend(clock.take_incoming());
        Ok(incoming)
    }

    // ANCHOR_END: wait_for_events
    /// `loop.run_forever()`: runs passes until `stop()`.
    pub fn run_forever(&self) -> PyResult<()> {
        self.check_closed()?;
        self.check_running()?;
        self.0.running.set(true);
        self.0.clock.loop_started();
        RUNNING.with(|running| running.replace(Some(self.clone())));
        let stamper = crate::trace::set_stamper(Some(stamp));
        let result = loop {
            if let Err(e) = self.run_once() {
                break Err(e);
            }
            if self.0.stopping.get() {
                break Ok(());
            }
        };
        RUNNING.with(|running| running.take());
        crate::trace::set_stamper(stamper);
        self.0.stopping.set(false);
        self.0.running.set(false);
        self.0.clock.loop_stopped();
        result
    }

    /// asyncio's `_check_running`: neither this loop nor another runs in this thread.
    fn check_running(&self) -> PyResult<()> {
        if self.is_running() {
            return Err(RuntimeError::new("This event loop is already running").into());
        }
        if get_running_loop().is_ok() {
            return Err(RuntimeError::new(
                "Cannot run the event loop while another loop is running",
            )
            .into());
        }
        Ok(())
    }

    /// `loop.run_until_complete(future)`: runs the loop until `future` (a coroutine, a
    /// task or a future) is done, and returns its result.
    pub fn run_until_complete<T: Clone + 'static>(
        &self,
        future: impl EnsureFuture<T>,
    ) -> PyResult<T> {
        self.check_closed()?;
        // Checked before the coroutine becomes a task: refused, it never runs.
        self.check_running()?;
        let future = future.ensure_future(self)?;
        let event_loop = self.clone();
        // Python's `finally: future.remove_done_callback(_run_until_complete_cb)`: a future
        // left pending (the loop stopped or interrupted first) must not stop a later run.
        let wanted = Rc::new(Cell::new(true));
        let still_wanted = wanted.clone();
        future.add_done_callback(move |_| {
            if still_wanted.get() {
                event_loop.stop();
            }
        });
        let ran = {
            let _ctrl_c = signals::interruptible(&self.0.clock);
            self.run_forever()
        };
        wanted.set(false);
        ran?;
        if self.0.interrupted.replace(false) {
            // As in Python: the loop and its tasks are left as they are.
            return Err(KeyboardInterrupt::default().into());
        }
        if !future.done() {
            return Err(RuntimeError::new("Event loop stopped before Future completed.").into());
        }
        future.result()
    }

    // ANCHOR: run_once
    /// One pass: wait for the earliest timer (or a thread), then run what is ready.
    fn run_once(&self) -> PyResult<()> {
        let inner = &self.0;
        let something_to_do = !inner.ready.borrow().is_empty() || inner.stopping.get();
        // What `wait_for_events` would find without waiting, found without asking it: a
        // pass of a loop alone on its clock, with no socket to poll, costs a few
        // nanoseconds less (a message in the ping-pong benchmark is one pass).
        if !(something_to_do && inner.clock.is_quiet() && !self.watching_sockets()) {
            let deadline = if something_to_do {
                Some(inner.clock.now())
            } else {
                // As asyncio does: cancelled timers at the head go first, so the loop
                // never waits for (or moves virtual time to) a timer that will not fire.
                let mut timers = inner.timers.borrow_mut();
                while timers
                    .peek()
                    .is_some_and(|Reverse(timer)| self.cancelled(timer))
                {
                    timers.pop();
                }
                timers.peek().map(|Reverse(timer)| timer.when())
            };
            let incoming = self.wait_for_events(deadline)?;
            let mut ready = inner.ready.borrow_mut();
            for callback in incoming {
                self.trace(format_args!("a thread called in"));
                ready.push_back(Ready::Call(callback));
            }
        }
        let now = inner.clock.now_nanos();
        inner.pass_time.set(now);
        inner.passes.set(inner.passes.get() + 1);
        loop {
            let mut timers = inner.timers.borrow_mut();
            if timers.peek().is_none_or(|Reverse(timer)| timer.when > now) {
                break;
            }
            let Some(Reverse(timer)) = timers.pop() else {
                break;
            };
            drop(timers);
            if self.cancelled(&timer) {
                continue;
            }
            match timer.due {
                Due::Call(handle) => {
                    self.trace(format_args!("timer due: its callback is ready"));
                    inner.ready.borrow_mut().push_back(Ready::Handle(handle));
                }
                Due::Step { slot, number } => {
                    let id = TaskId {
                        slot: slot as usize,
                        number,
                    };
                    self.trace(format_args!("timer due: a sleeping task is ready"));
                    // Found when its step comes (a task done by then has none to take).
                    push_ready(&mut inner.ready.borrow_mut(), || Ready::Wake(id));
                }
            }
        }
        // Only what is ready now: callbacks scheduled by these run on the next pass.
        let ready_now = inner.ready.borrow().len();
        if self.tracing() {
            let pass = inner.passes.get();
            self.trace(format_args!("pass {pass}: {ready_now} callback(s) ready"));
        }
        for _ in 0..ready_now {
            let Some(ready) = inner.ready.borrow_mut().pop_front() else {
                break;
            };
            ready.run(self);
        }
        if let Some(escaping) = inner.escaping.take() {
            return Err(escaping);
        }
        // A burst (a hundred thousand tasks created at once) leaves a large empty queue;
        // Python's deque gives its blocks back as it empties, and so does this.
        let mut ready = inner.ready.borrow_mut();
        if ready.is_empty() && ready.capacity() > 4096 {
            ready.shrink_to(64);
        }
        Ok(())
    }
    // ANCHOR_END: run_once

    /// A timer that will not fire: its handle was cancelled, or its `sleep` dropped.
    fn cancelled(&self, timer: &Timer) -> bool {
        match &timer.due {
            Due::Call(handle) => handle.cancelled(),
            Due::Step { .. } => {
                let mut dropped = self.0.dropped_sleeps.borrow_mut();
                !dropped.is_empty() && dropped.remove(&timer.sequence)
            }
        }
    }
}

/// A task the loop owns, seen as any task, for `cancel_all_tasks`.
struct Owned(RunningRef);

impl AnyTask for Owned {
    fn cancel(&self) -> bool {
        self.0.clone().cancel(None)
    }

    fn done(&self) -> bool {
        self.0.done()
    }

    fn on_done(&self, callback: Box<dyn FnOnce()>) {
        self.0.on_done(callback)
    }

    fn failure(&self) -> Option<(Exception, String)> {
        self.0.failure()
    }
}

/// What `run_until_complete` and `ensure_future` accept: a coroutine (wrapped in a
/// task), a task, or a future.
pub trait EnsureFuture<T> {
    /// `asyncio.ensure_future(x, loop=event_loop)`.
    fn ensure_future(self, event_loop: &EventLoop) -> PyResult<Future<T>>;
}

impl<T: Clone + 'static> EnsureFuture<T> for Future<T> {
    fn ensure_future(self, _: &EventLoop) -> PyResult<Future<T>> {
        Ok(self)
    }
}

/// A `Send` way into a loop from another thread (`loop.call_soon_threadsafe`).
#[derive(Clone)]
pub struct ThreadsafeHandle(Clock);

impl ThreadsafeHandle {
    /// A handle to the loop that runs on `clock` (each loop has a clock of its own).
    pub(crate) fn new(clock: Clock) -> Self {
        Self(clock)
    }

    /// `loop.call_soon_threadsafe(callback)`: queues it and wakes the loop.
    /// `RuntimeError: Event loop is closed` once the loop has closed, as in Python.
    pub fn call_soon_threadsafe(&self, callback: impl FnOnce() + Send + 'static) -> PyResult<()> {
        if self.0.call_in(Box::new(callback)) {
            Ok(())
        } else {
            Err(RuntimeError::new("Event loop is closed").into())
        }
    }
}

impl fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.is_closed() {
            "closed"
        } else if self.is_running() {
            "running"
        } else {
            "idle"
        };
        write!(f, "<EventLoop {state} {:?}>", self.0.clock)
    }
}
