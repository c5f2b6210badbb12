//! asyncio's synchronisation primitives (`asyncio/locks.py`): [`Lock`], [`Event`],
//! [`Condition`], [`Semaphore`], [`BoundedSemaphore`] and [`Barrier`].
//!
//! Book: chapter "asyncio's toolkit".
//!
//! Each is CPython 3.11's, line for line: a task that must wait puts a future of the loop
//! in the primitive's line of waiters (a deque) and awaits it; whoever frees the primitive
//! sets the first waiter's result, and its task takes the next step on the loop's next
//! pass. So tasks take a lock in the order they asked for it, and a waiter that is
//! cancelled after it was woken passes its turn on to the next (CPython's
//! `_wake_up_first`, and the Semaphore's 3.11 accounting), exactly as asyncio does. A
//! task that finds the primitive free takes it without suspending: no future, no
//! allocation.
//!
//! | Python                                   | pycoro                                              |
//! |------------------------------------------|-----------------------------------------------------|
//! | `lock = asyncio.Lock()`                  | `let lock = Lock::new();`                           |
//! | `async with lock: ...`                   | `let _guard = lock.acquire().await?; ...` (released when the guard goes) |
//! | `await lock.acquire()` ... `lock.release()` | `lock.acquire().await?.forget();` ... `lock.release()?;` |
//! | `async with sem: ...`                    | `let _permit = sem.acquire().await?;`               |
//! | `await event.wait()`, `event.set()`      | `event.wait().await?`, `event.set()`                |
//! | `await cond.wait()`, `cond.notify(1)`    | `cond.wait().await?`, `cond.notify(1)?`             |
//! | `async with barrier as i:`               | `let i = barrier.wait().await?;`                    |
//!
//! **Cancellation.** A `task.cancel()` reaches the waiter the task awaits, as in Python.
//! Dropping an `acquire` or `wait` future before it is done (Rust's cancellation) leaves
//! the line as a `CancelledError` would: its waiter goes, and a wake-up it was given is
//! passed on. (One exception: a dropped [`Condition::wait`] cannot take its lock back,
//! since a drop cannot await.)
//!
//! ```
//! use pycoro::clock::Clock;
//! use pycoro::exceptions::PyResult;
//! use pycoro::native::{Lock, create_task, gather, run_with_clock, sleep};
//!
//! async fn worker(lock: Lock, name: &'static str) -> PyResult<String> {
//!     let _guard = lock.acquire().await?; // async with lock:
//!     sleep(1.0).await?;                  //     one at a time
//!     Ok(format!("{name} at {}", pycoro::event_loop::get_running_loop()?.time()))
//! }
//!
//! let done = run_with_clock(async {
//!     let lock = Lock::new();
//!     let tasks = ["a", "b", "c"].map(|name| create_task(worker(lock.clone(), name)));
//!     gather(tasks.into_iter().collect::<PyResult<Vec<_>>>()?).await
//! }, Clock::new_virtual())?;
//! assert_eq!(done, ["a at 1", "b at 2", "c at 3"]);
//! # Ok::<(), pycoro::exceptions::Exception>(())
//! ```

use std::cell::Cell;
use std::fmt;
use std::future::Future as StdFuture;
use std::rc::Rc;

use super::waiters::{LoopBound, Waiters, wait_in_line};
pub use crate::exceptions::BrokenBarrierError;
use crate::exceptions::{CancelledError, PyResult, RuntimeError, ValueError, write_unraisable};

/// `id(x)` for a primitive's repr: the address of what its handles share.
fn address<T>(shared: &Rc<T>) -> usize {
    Rc::as_ptr(shared) as usize
}

/// `<asyncio.locks.Lock object at 0x... [locked, waiters:1]>`: Python's repr.
fn write_repr<T>(
    f: &mut fmt::Formatter<'_>,
    class: &str,
    shared: &Rc<T>,
    extra: &str,
    waiters: usize,
) -> fmt::Result {
    write!(
        f,
        "<asyncio.locks.{class} object at {:#x} [{extra}",
        address(shared)
    )?;
    if waiters > 0 {
        write!(f, ", waiters:{waiters}")?;
    }
    f.write_str("]>")
}

/// What a [`Guard`] releases: a [`Lock`], a [`Semaphore`] or a [`BoundedSemaphore`]
/// (a [`Condition`]'s guard is its lock's).
pub trait Release: fmt::Display {
    /// `primitive.release()`.
    fn release(&self) -> PyResult<()>;
}

/// `async with primitive:`, the Rust way: what `acquire` gives, which releases the
/// primitive when it goes (at the end of its scope, however the scope ends).
///
/// [`forget`](Guard::forget) keeps the primitive acquired, for Python's explicit
/// `await lock.acquire()` ... `lock.release()`; [`release`](Guard::release) releases now
/// and says whether that failed. [`async_with`](crate::contextlib::async_with) of the
/// primitive itself is Python's protocol, whose exit raises what the release raises:
///
/// ```
/// use pycoro::clock::Clock;
/// use pycoro::contextlib::async_with;
/// use pycoro::native::{Lock, run_with_clock};
///
/// run_with_clock(async {
///     let lock = Lock::new();
///     {
///         let _guard = lock.acquire().await?; // async with lock:
///         assert!(lock.locked());
///     }
///     assert!(!lock.locked());
///     async_with(&lock, async |()| {          // async with lock:
///         assert!(lock.locked());
///         Ok(())
///     }).await?;
///     assert!(!lock.locked());
///     Ok(())
/// }, Clock::new_virtual())?;
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
///
/// A release that fails when the guard is dropped (the lock was released by hand
/// meanwhile: `RuntimeError: Lock is not acquired.`) cannot be raised from a drop; it is
/// reported through the unraisable hook, as Python reports an exception in `__del__`.
#[must_use = "a guard dropped at once releases at once: bind it (`let _guard = ...`), or `forget()` it and `release()` later"]
pub struct Guard<'a, P: Release> {
    primitive: &'a P,
    held: Cell<bool>,
}

impl<'a, P: Release> Guard<'a, P> {
    fn new(primitive: &'a P) -> Self {
        Self {
            primitive,
            held: Cell::new(true),
        }
    }

    /// Keeps the primitive acquired after the guard goes: Python's bare
    /// `await lock.acquire()`, to be released later with `release()`.
    pub fn forget(self) {
        self.held.set(false);
    }

    /// Releases now (`__aexit__`), raising what the primitive's `release()` raises.
    pub fn release(self) -> PyResult<()> {
        self.held.set(false);
        self.primitive.release()
    }
}

// ANCHOR: guard_drop
impl<P: Release> Drop for Guard<'_, P> {
    fn drop(&mut self) {
        if self.held.replace(false)
            && let Err(e) = self.primitive.release()
        {
            write_unraisable("Exception ignored in", &self.primitive.to_string(), &e);
        }
    }
}
// ANCHOR_END: guard_drop

// ---------------------------------------------------------------------------------------
// Lock

/// `asyncio.Lock`: one task at a time, in the order they asked. Cloning shares it.
///
/// Not owned by a task, as in Python: any task may `release` it.
#[derive(Clone, Default)]
pub struct Lock(Rc<LockState>);

#[derive(Default)]
struct LockState {
    locked: Cell<bool>,
    waiters: Waiters,
    event_loop: LoopBound,
}

impl Lock {
    /// `asyncio.Lock()`: unlocked.
    pub fn new() -> Self {
        Self::default()
    }

    /// `lock.locked()`.
    pub fn locked(&self) -> bool {
        self.0.locked.get()
    }

    // ANCHOR: lock_acquire
    /// `await lock.acquire()`: takes the lock at once if it is free and nobody waits
    /// for it (no suspension, no allocation), else waits its turn. The guard releases it.
    pub async fn acquire(&self) -> PyResult<Guard<'_, Lock>> {
        let state = &*self.0;
        if !state.locked.get() && state.waiters.borrow().iter().all(|w| w.cancelled()) {
            state.locked.set(true);
            return Ok(Guard::new(self));
        }
        let waiter = state.waiters.join(&state.event_loop, || self.to_string())?;
        wait_in_line(&state.waiters, waiter, |_| {
            // Cancelled, perhaps after `release` woke it: the next in line gets the turn.
            if !state.locked.get() {
                state.wake_up_first();
            }
        })
        .await?;
        state.locked.set(true);
        Ok(Guard::new(self))
    }

    /// `lock.release()`: unlocks and wakes the first waiter;
    /// `RuntimeError: Lock is not acquired.` if it was not locked.
    pub fn release(&self) -> PyResult<()> {
        if self.0.locked.replace(false) {
            self.0.wake_up_first();
            Ok(())
        } else {
            Err(RuntimeError::new("Lock is not acquired.").into())
        }
    }
    // ANCHOR_END: lock_acquire

    /// How many futures are in its line of waiters (`len(lock._waiters)`), those
    /// cancelled but not yet gone included.
    pub fn waiters(&self) -> usize {
        self.0.waiters.borrow().len()
    }
}

impl LockState {
    /// `_wake_up_first`: the first waiter, if it is not done already (a waiter done
    /// already will take the lock, or pass the turn on when it sees it was cancelled).
    fn wake_up_first(&self) {
        let first = self.waiters.borrow().front().cloned();
        if let Some(first) = first
            && !first.done()
        {
            first.wake();
        }
    }
}

impl Release for Lock {
    fn release(&self) -> PyResult<()> {
        Lock::release(self)
    }
}

/// `lock1 == lock2`: the same lock (Python's `is`, which is also its `==`).
impl PartialEq for Lock {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Lock {}

/// `repr(lock)`: `<asyncio.locks.Lock object at 0x... [unlocked]>`.
impl fmt::Display for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra = if self.locked() { "locked" } else { "unlocked" };
        write_repr(f, "Lock", &self.0, extra, self.waiters())
    }
}

// ---------------------------------------------------------------------------------------
// Event

/// `asyncio.Event`: a flag tasks wait for. Cloning shares it.
///
/// ```
/// use pycoro::clock::Clock;
/// use pycoro::native::{Event, create_task, run_with_clock, sleep};
///
/// let woke_at = run_with_clock(async {
///     let event = Event::new();
///     let setter = event.clone();
///     create_task(async move { sleep(2.0).await?; setter.set(); Ok(()) })?;
///     event.wait().await?;
///     Ok(pycoro::event_loop::get_running_loop()?.time())
/// }, Clock::new_virtual())?;
/// assert_eq!(woke_at, 2.0);
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
#[derive(Clone, Default)]
pub struct Event(Rc<EventState>);

#[derive(Default)]
struct EventState {
    value: Cell<bool>,
    waiters: Waiters,
    event_loop: LoopBound,
}

impl Event {
    /// `asyncio.Event()`: not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// `event.is_set()`.
    pub fn is_set(&self) -> bool {
        self.0.value.get()
    }

    /// `event.set()`: wakes every task waiting; later waits return at once.
    pub fn set(&self) {
        if !self.0.value.replace(true) {
            for waiter in self.0.waiters.borrow().iter() {
                if !waiter.done() {
                    waiter.wake();
                }
            }
        }
    }

    /// `event.clear()`.
    pub fn clear(&self) {
        self.0.value.set(false);
    }

    /// `await event.wait()`: `true` once the flag is set (at once if it is).
    /// The future holds the event, so `wait_for` and `create_task` take it, as they
    /// take Python's coroutine.
    pub fn wait(&self) -> impl StdFuture<Output = PyResult<bool>> + 'static {
        self.clone().wait_owned()
    }

    /// `wait`, its future holding the handle.
    async fn wait_owned(self) -> PyResult<bool> {
        if self.is_set() {
            return Ok(true);
        }
        let waiter = self
            .0
            .waiters
            .join(&self.0.event_loop, || self.to_string())?;
        wait_in_line(&self.0.waiters, waiter, |_| {}).await?;
        Ok(true)
    }

    /// How many tasks wait (`len(event._waiters)`).
    pub fn waiters(&self) -> usize {
        self.0.waiters.borrow().len()
    }
}

/// `repr(event)`: `<asyncio.locks.Event object at 0x... [unset]>`.
impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra = if self.is_set() { "set" } else { "unset" };
        write_repr(f, "Event", &self.0, extra, self.waiters())
    }
}

// ---------------------------------------------------------------------------------------
// Condition

/// Python's truth value, for what [`Condition::wait_for`]'s predicate returns.
pub trait Truthy {
    /// `bool(value)`.
    fn truthy(&self) -> bool;
}

impl Truthy for bool {
    fn truthy(&self) -> bool {
        *self
    }
}

impl<T> Truthy for Option<T> {
    fn truthy(&self) -> bool {
        self.is_some()
    }
}

impl<T> Truthy for Vec<T> {
    fn truthy(&self) -> bool {
        !self.is_empty()
    }
}

/// `asyncio.Condition`: tasks wait, holding a lock, until another task notifies them.
/// Cloning shares it.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use pycoro::clock::Clock;
/// use pycoro::native::{Condition, create_task, run_with_clock, sleep};
///
/// let got = run_with_clock(async {
///     let (cond, items) = (Condition::new(), Rc::new(RefCell::new(Vec::new())));
///     let (producer_cond, produced) = (cond.clone(), items.clone());
///     create_task(async move {
///         sleep(1.0).await?;
///         let _guard = producer_cond.acquire().await?;  // async with cond:
///         produced.borrow_mut().push(42);
///         producer_cond.notify(1)
///     })?;
///     let _guard = cond.acquire().await?;
///     cond.wait_for(|| items.borrow_mut().pop()).await   // the predicate's value
/// }, Clock::new_virtual())?;
/// assert_eq!(got, Some(42));
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
#[derive(Clone)]
pub struct Condition(Rc<ConditionState>);

struct ConditionState {
    lock: Lock,
    waiters: Waiters,
    event_loop: LoopBound,
}

impl Default for Condition {
    fn default() -> Self {
        Self::with_lock(Lock::new())
    }
}

impl Condition {
    /// `asyncio.Condition()`, with a lock of its own.
    pub fn new() -> Self {
        Self::default()
    }

    /// `asyncio.Condition(lock)`: over a lock that other code may take too.
    pub fn with_lock(lock: Lock) -> Self {
        Self(Rc::new(ConditionState {
            lock,
            waiters: Waiters::default(),
            event_loop: LoopBound::default(),
        }))
    }

    /// Its lock (`cond._lock`).
    pub fn lock(&self) -> &Lock {
        &self.0.lock
    }

    /// `cond.locked()`: its lock's.
    pub fn locked(&self) -> bool {
        self.0.lock.locked()
    }

    /// `await cond.acquire()`: its lock's `acquire`.
    pub async fn acquire(&self) -> PyResult<Guard<'_, Lock>> {
        self.0.lock.acquire().await
    }

    /// `cond.release()`: its lock's `release`.
    pub fn release(&self) -> PyResult<()> {
        self.0.lock.release()
    }

    /// `await cond.wait()`: releases the lock, waits until notified, takes the lock
    /// again (even if cancelled meanwhile: then it raises `CancelledError` once it
    /// holds the lock), and returns `true`. `RuntimeError: cannot wait on un-acquired
    /// lock` if the lock is not held.
    /// The future holds the condition, so `wait_for` and `create_task` take it, as they
    /// take Python's coroutine.
    pub fn wait(&self) -> impl StdFuture<Output = PyResult<bool>> + 'static {
        self.clone().wait_owned()
    }

    /// `wait`, its future holding the handle.
    async fn wait_owned(self) -> PyResult<bool> {
        if !self.locked() {
            return Err(RuntimeError::new("cannot wait on un-acquired lock").into());
        }
        self.release()?;
        let notified = async {
            let waiter = self
                .0
                .waiters
                .join(&self.0.event_loop, || self.to_string())?;
            wait_in_line(&self.0.waiters, waiter, |_| {}).await
        }
        .await;
        // The lock must be held again, even if the wait was cancelled.
        let mut cancelled = false;
        loop {
            match self.0.lock.acquire().await {
                Ok(guard) => {
                    guard.forget();
                    break;
                }
                Err(e) if e.is::<CancelledError>() => cancelled = true,
                Err(e) => return Err(e),
            }
        }
        if cancelled {
            return Err(CancelledError::default().into());
        }
        notified.map(|_| true)
    }

    /// `await cond.wait_for(predicate)`: waits until `predicate()` is true, and returns
    /// its value (an `Option`'s `Some`, say).
    pub async fn wait_for<R: Truthy>(&self, mut predicate: impl FnMut() -> R) -> PyResult<R> {
        let mut result = predicate();
        while !result.truthy() {
            self.wait().await?;
            result = predicate();
        }
        Ok(result)
    }

    /// `cond.notify(n)`: wakes up to `n` of the tasks waiting.
    /// `RuntimeError: cannot notify on un-acquired lock` if the lock is not held.
    pub fn notify(&self, n: usize) -> PyResult<()> {
        if !self.locked() {
            return Err(RuntimeError::new("cannot notify on un-acquired lock").into());
        }
        let mut woken = 0;
        for waiter in self.0.waiters.borrow().iter() {
            if woken >= n {
                break;
            }
            if !waiter.done() {
                woken += 1;
                waiter.wake();
            }
        }
        Ok(())
    }

    /// `cond.notify_all()`: wakes every task waiting.
    pub fn notify_all(&self) -> PyResult<()> {
        self.notify(self.waiters())
    }

    /// How many tasks wait to be notified (`len(cond._waiters)`).
    pub fn waiters(&self) -> usize {
        self.0.waiters.borrow().len()
    }
}

/// `repr(cond)`: `<asyncio.locks.Condition object at 0x... [locked, waiters:1]>`.
impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra = if self.locked() { "locked" } else { "unlocked" };
        write_repr(f, "Condition", &self.0, extra, self.waiters())
    }
}

// ---------------------------------------------------------------------------------------
// Semaphore

/// `asyncio.Semaphore`: at most `value` tasks at a time, in the order they asked.
/// Cloning shares it.
///
/// ```
/// use pycoro::clock::Clock;
/// use pycoro::exceptions::PyResult;
/// use pycoro::native::{Semaphore, create_task, gather, run_with_clock, sleep};
///
/// let finished = run_with_clock(async {
///     let sem = Semaphore::new(2);
///     let tasks = (0..5).map(|_| {
///         let sem = sem.clone();
///         create_task(async move {
///             let _permit = sem.acquire().await?;  // async with sem:
///             sleep(1.0).await?;
///             pycoro::event_loop::get_running_loop().map(|lp| lp.time())
///         })
///     });
///     gather(tasks.collect::<PyResult<Vec<_>>>()?).await
/// }, Clock::new_virtual())?;
/// assert_eq!(finished, [1.0, 1.0, 2.0, 2.0, 3.0]); // two at a time
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
#[derive(Clone)]
pub struct Semaphore(Rc<SemaphoreState>);

/// `asyncio.BoundedSemaphore`: a [`Semaphore`] whose `release` refuses to raise its
/// value above the initial one (`ValueError: BoundedSemaphore released too many times`).
#[derive(Clone)]
pub struct BoundedSemaphore(Rc<SemaphoreState>);

struct SemaphoreState {
    value: Cell<usize>,
    /// A `BoundedSemaphore`'s initial value.
    limit: Option<usize>,
    waiters: Waiters,
    event_loop: LoopBound,
}

impl SemaphoreState {
    fn new(value: usize, limit: Option<usize>) -> Rc<Self> {
        Rc::new(Self {
            value: Cell::new(value),
            limit,
            waiters: Waiters::default(),
            event_loop: LoopBound::default(),
        })
    }

    fn locked(&self) -> bool {
        self.value.get() == 0 || self.waiters.borrow().iter().any(|w| !w.cancelled())
    }

    /// `acquire`, once it is known what `Display` says of the semaphore.
    async fn acquire(&self, what: impl FnOnce() -> String) -> PyResult<()> {
        if !self.locked() {
            self.value.set(self.value.get() - 1);
            return Ok(());
        }
        let waiter = self.waiters.join(&self.event_loop, what)?;
        wait_in_line(&self.waiters, waiter, |waiter| {
            // Woken (given a unit) and then cancelled: the unit goes to the next in line.
            if waiter.done() && !waiter.cancelled() {
                self.value.set(self.value.get() + 1);
                self.wake_up_next();
            }
        })
        .await?;
        if self.value.get() > 0 {
            self.wake_up_next();
        }
        Ok(())
    }

    fn release(&self) {
        self.value.set(self.value.get() + 1);
        self.wake_up_next();
    }

    /// `_wake_up_next`: the first waiter not done yet gets a unit.
    fn wake_up_next(&self) {
        // (The waiter is woken before the unit is counted out: nothing runs in between.)
        if self.waiters.wake_first_pending() {
            self.value.set(self.value.get() - 1);
        }
    }

    fn fmt(&self, f: &mut fmt::Formatter<'_>, class: &str, shared: &Rc<Self>) -> fmt::Result {
        let extra = if self.locked() {
            "locked".to_owned()
        } else {
            format!("unlocked, value:{}", self.value.get())
        };
        write_repr(f, class, shared, &extra, self.waiters.borrow().len())
    }
}

impl Semaphore {
    /// `asyncio.Semaphore(value)`. (Python's `ValueError` for a negative value is
    /// ruled out by the type.)
    pub fn new(value: usize) -> Self {
        Self(SemaphoreState::new(value, None))
    }

    /// `sem.locked()`: whether an `acquire` would have to wait.
    pub fn locked(&self) -> bool {
        self.0.locked()
    }

    /// `sem._value`: how many more tasks may acquire it now.
    pub fn value(&self) -> usize {
        self.0.value.get()
    }

    /// `await sem.acquire()`: takes a unit at once if one is free and nobody waits (no
    /// suspension, no allocation), else waits its turn. The guard releases it.
    pub async fn acquire(&self) -> PyResult<Guard<'_, Semaphore>> {
        self.0.acquire(|| self.to_string()).await?;
        Ok(Guard::new(self))
    }

    /// `sem.release()`: gives a unit back, to the first waiter if any.
    pub fn release(&self) {
        self.0.release()
    }

    /// How many futures are in its line of waiters (`len(sem._waiters)`).
    pub fn waiters(&self) -> usize {
        self.0.waiters.borrow().len()
    }
}

impl Release for Condition {
    fn release(&self) -> PyResult<()> {
        Condition::release(self)
    }
}

impl Release for Semaphore {
    fn release(&self) -> PyResult<()> {
        Semaphore::release(self);
        Ok(())
    }
}

/// `repr(sem)`: `<asyncio.locks.Semaphore object at 0x... [unlocked, value:1]>`.
impl fmt::Display for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f, "Semaphore", &self.0)
    }
}

impl BoundedSemaphore {
    /// `asyncio.BoundedSemaphore(value)`.
    pub fn new(value: usize) -> Self {
        Self(SemaphoreState::new(value, Some(value)))
    }

    /// `sem.locked()`.
    pub fn locked(&self) -> bool {
        self.0.locked()
    }

    /// `sem._value`.
    pub fn value(&self) -> usize {
        self.0.value.get()
    }

    /// `await sem.acquire()`, as [`Semaphore::acquire`].
    pub async fn acquire(&self) -> PyResult<Guard<'_, BoundedSemaphore>> {
        self.0.acquire(|| self.to_string()).await?;
        Ok(Guard::new(self))
    }

    /// `sem.release()`; `ValueError: BoundedSemaphore released too many times` if that
    /// would raise its value above the initial one.
    pub fn release(&self) -> PyResult<()> {
        if (self.0.limit).is_some_and(|limit| self.0.value.get() >= limit) {
            return Err(ValueError::new("BoundedSemaphore released too many times").into());
        }
        self.0.release();
        Ok(())
    }

    /// How many futures are in its line of waiters.
    pub fn waiters(&self) -> usize {
        self.0.waiters.borrow().len()
    }
}

impl Release for BoundedSemaphore {
    fn release(&self) -> PyResult<()> {
        BoundedSemaphore::release(self)
    }
}

/// `repr(sem)`: `<asyncio.locks.BoundedSemaphore object at 0x... [locked]>`.
impl fmt::Display for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f, "BoundedSemaphore", &self.0)
    }
}

// ---------------------------------------------------------------------------------------
// Barrier

/// `_BarrierState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Filling,
    Draining,
    Resetting,
    Broken,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Filling => "filling",
            Phase::Draining => "draining",
            Phase::Resetting => "resetting",
            Phase::Broken => "broken",
        }
    }
}

/// `asyncio.Barrier` (Python 3.11): `parties` tasks wait for each other, then go on
/// together. Cloning shares it.
///
/// ```
/// use pycoro::clock::Clock;
/// use pycoro::exceptions::PyResult;
/// use pycoro::native::{Barrier, create_task, gather, run_with_clock, sleep};
///
/// let passed_at = run_with_clock(async {
///     let barrier = Barrier::new(3)?;
///     let tasks = (1..=3).map(|i| {
///         let barrier = barrier.clone();
///         create_task(async move {
///             sleep(i as f64).await?;
///             barrier.wait().await?;  // each gets an index, 0 to 2
///             pycoro::event_loop::get_running_loop().map(|lp| lp.time())
///         })
///     });
///     gather(tasks.collect::<PyResult<Vec<_>>>()?).await
/// }, Clock::new_virtual())?;
/// assert_eq!(passed_at, [3.0, 3.0, 3.0]); // all together, when the last arrives
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
#[derive(Clone)]
pub struct Barrier(Rc<BarrierState>);

struct BarrierState {
    /// Notifies every task when the state changes.
    cond: Condition,
    parties: usize,
    phase: Cell<Phase>,
    /// Tasks inside `wait`.
    count: Cell<usize>,
}

impl Barrier {
    /// `asyncio.Barrier(parties)`; `ValueError: parties must be > 0` for none.
    pub fn new(parties: usize) -> PyResult<Self> {
        if parties < 1 {
            return Err(ValueError::new("parties must be > 0").into());
        }
        Ok(Self(Rc::new(BarrierState {
            cond: Condition::new(),
            parties,
            phase: Cell::new(Phase::Filling),
            count: Cell::new(0),
        })))
    }

    /// `await barrier.wait()` (and `async with barrier as i:`): waits until `parties`
    /// tasks wait, and returns this task's index, from 0 to `parties - 1`.
    /// `BrokenBarrierError` if the barrier is aborted, or reset while it waits.
    /// The future holds the barrier, so `wait_for` and `create_task` take it, as they
    /// take Python's coroutine.
    pub fn wait(&self) -> impl StdFuture<Output = PyResult<usize>> + 'static {
        self.clone().wait_owned()
    }

    /// `wait`, its future holding the handle.
    async fn wait_owned(self) -> PyResult<usize> {
        let state = &*self.0;
        let guard = state.cond.acquire().await?;
        let passed: PyResult<usize> = async {
            self.block().await?;
            let index = state.count.get();
            state.count.set(index + 1);
            // `finally: self._count -= 1; self._exit()`, even if this is dropped.
            let _leave = Leave(&self);
            if index + 1 == state.parties {
                // The last to arrive releases the others.
                state.phase.set(Phase::Draining);
                state.cond.notify_all()?;
            } else {
                self.wait_until_filled().await?;
            }
            Ok(index)
        }
        .await;
        let released = guard.release();
        let index = passed?;
        released.map(|()| index)
    }

    /// `_block`: waits while the barrier drains or resets; raises if it is broken.
    async fn block(&self) -> PyResult<()> {
        let phase = &self.0.phase;
        self.0
            .cond
            .wait_for(|| !matches!(phase.get(), Phase::Draining | Phase::Resetting))
            .await?;
        if phase.get() == Phase::Broken {
            return Err(BrokenBarrierError::new("Barrier aborted").into());
        }
        Ok(())
    }

    /// `_wait`: waits until the barrier is full; raises if it was reset or broken.
    async fn wait_until_filled(&self) -> PyResult<()> {
        let phase = &self.0.phase;
        self.0
            .cond
            .wait_for(|| phase.get() != Phase::Filling)
            .await?;
        if matches!(phase.get(), Phase::Broken | Phase::Resetting) {
            return Err(BrokenBarrierError::new("Abort or reset of barrier").into());
        }
        Ok(())
    }

    /// `_exit`: the last task out lets the barrier fill again.
    fn exit(&self) {
        let state = &*self.0;
        if state.count.get() == 0 {
            if matches!(state.phase.get(), Phase::Resetting | Phase::Draining) {
                state.phase.set(Phase::Filling);
            }
            // Held, except when a dropped wait left it: then there is nobody to tell.
            let _ = state.cond.notify_all();
        }
    }

    /// `await barrier.reset()`: back to empty; the tasks waiting get `BrokenBarrierError`.
    pub async fn reset(&self) -> PyResult<()> {
        let state = &*self.0;
        let _guard = state.cond.acquire().await?;
        if state.count.get() > 0 {
            state.phase.set(Phase::Resetting);
        } else {
            state.phase.set(Phase::Filling);
        }
        state.cond.notify_all()
    }

    /// `await barrier.abort()`: broken for good; every `wait`, now or later, raises
    /// `BrokenBarrierError`.
    pub async fn abort(&self) -> PyResult<()> {
        let state = &*self.0;
        let _guard = state.cond.acquire().await?;
        state.phase.set(Phase::Broken);
        state.cond.notify_all()
    }

    /// `barrier.parties`.
    pub fn parties(&self) -> usize {
        self.0.parties
    }

    /// `barrier.n_waiting`: how many tasks wait for it to fill.
    pub fn n_waiting(&self) -> usize {
        match self.0.phase.get() {
            Phase::Filling => self.0.count.get(),
            _ => 0,
        }
    }

    /// `barrier.broken`.
    pub fn broken(&self) -> bool {
        self.0.phase.get() == Phase::Broken
    }
}

/// A task leaves the barrier's `wait` (its `finally`).
struct Leave<'a>(&'a Barrier);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        let count = &self.0.0.count;
        count.set(count.get() - 1);
        self.0.exit();
    }
}

/// `repr(barrier)`: `<asyncio.locks.Barrier object at 0x... [filling, waiters:2/5]>`.
impl fmt::Display for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<asyncio.locks.Barrier object at {:#x} [{}",
            address(&self.0),
            self.0.phase.get().name()
        )?;
        if !self.broken() {
            write!(f, ", waiters:{}/{}", self.n_waiting(), self.parties())?;
        }
        f.write_str("]>")
    }
}
