//! How the loop knows a task: by an id, and through the small traits below, never by its
//! type. Generation 2's tasks (`crate::yield_from`) step themselves through done callbacks
//! and are held weakly, as asyncio's `_all_tasks`; Generation 3's (`crate::native`) are
//! owned by the loop, which steps them by id.

use std::pin::Pin;
use std::rc::Rc;

use super::futures::AnyFuture;
use crate::exceptions::{Exception, Object};

/// A native task's place in the loop's slab, and its number, which tells it from a
/// later task in the same slot: what a `Waker` (which must be `Send`) can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskId {
    pub(crate) slot: usize,
    pub(crate) number: u64,
}

/// A task the loop owns, whatever its result type. Pinned, because a native task's
/// coroutine lives inside it: one allocation a task, not two.
pub(crate) type RunningRef = Pin<Rc<dyn Running>>;

/// A pycoro future a task waits on (a future, or a task), which `cancel` reaches.
pub(crate) type Awaited = Pin<Rc<dyn AnyFuture>>;

/// A task whose result type is forgotten: what the loop keeps to cancel leftovers
/// (`cancel_all_tasks`, which `asyncio.run` calls before it closes the loop).
pub(crate) trait AnyTask {
    fn cancel(&self) -> bool;
    fn done(&self) -> bool;
    fn on_done(&self, callback: Box<dyn FnOnce()>);
    /// Finished with an exception, not cancelled: the exception (now looked at) and
    /// `repr(task)`, as `asyncio.run`'s shutdown reports them.
    fn failure(&self) -> Option<(Exception, String)>;
}

/// A task the loop owns and steps by id, as the loop and the awaitables inside the task
/// see it. Besides stepping and reporting, an await point needs two things of the task
/// it runs in, without knowing its type: to say what it waits on (so that `cancel`
/// reaches it: asyncio's `_fut_waiter`), and to take a pending cancellation (`_must_cancel`).
pub(crate) trait Running {
    /// Its number: `N` in `Task-N`.
    fn number(&self) -> u64;
    /// Takes the next step, now.
    fn step(self: Pin<&Self>);
    /// Takes the next step if it is task number `number` (a waker's task, which may
    /// have ended and left its slot to a later one).
    fn step_if(self: Pin<&Self>, number: u64);
    /// The loop closes with it pending: its coroutine, and what it waits on, go now.
    fn abandon(self: Pin<&Self>);
    /// A cancellation requested by `cancel()`, to be raised at this await point: the
    /// `CancelledError`, with the message given to `cancel(msg)`.
    fn take_cancellation(&self) -> Option<Exception>;
    /// Whether a cancellation waits to be raised at its next await (`_must_cancel`).
    fn cancel_pending(&self) -> bool;
    /// The pycoro future the task now waits for.
    fn wait_on(&self, future: Awaited);
    /// `task.set_name(name)`.
    fn set_name(&self, name: &str);
    /// The coroutine is about to wait for `future` while a cancellation requested since
    /// its last await is pending: as Python's `Task.__step` does with `_must_cancel`, the
    /// cancellation goes to that future, which then wakes the task with its
    /// `CancelledError`. False if there was none, or the future refused it.
    fn pass_cancellation_to(&self, future: &Awaited) -> bool;
    /// `task.cancel(msg)`.
    fn cancel(&self, message: Option<Object>) -> bool;
    /// `task.cancelling()`: the cancellation requests not taken back.
    fn cancelling(&self) -> u32;
    /// `task.uncancel()`: takes one request back; gives how many are left.
    fn uncancel(&self) -> u32;
    /// `task.done()`.
    fn done(&self) -> bool;
    /// `task.add_done_callback(...)`, without the task.
    fn on_done(&self, callback: Box<dyn FnOnce()>);
    /// `task.get_name()`.
    fn name(&self) -> String;
    /// `repr(task)` without its result.
    fn describe(&self) -> String;
    /// Finished with an exception, not cancelled: the exception (now looked at) and
    /// `repr(task)` with it.
    fn failure(&self) -> Option<(Exception, String)>;
}
