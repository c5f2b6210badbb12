//! `asyncio.TaskGroup` (Python 3.11's `asyncio/taskgroups.py`): tasks that live inside a
//! block. The block ends when all of them have ended; the first one to fail cancels the
//! others and the block's own body, and every failure comes out together, in one
//! `ExceptionGroup`.
//!
//! Book: chapter "asyncio's toolkit", section "x03-taskgroup-failing-child".

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future as StdFuture;
use std::rc::Rc;

use super::task::{Task, TaskRef, current_task};
use crate::event_loop::{EventLoop, ExceptionContext, Future, get_running_loop};
use crate::exceptions::{
    BaseExceptionGroup, CancelledError, Exception, ExceptionExt, KeyboardInterrupt, PyResult,
    Raise, RuntimeError, SystemExit, clone_exception,
};

/// `asyncio.TaskGroup()`: [`run`](Self::run) is its `async with`, and
/// [`create_task`](Self::create_task) its `tg.create_task`. Clones share it, so that the
/// block (and its tasks) can add tasks to it.
///
/// ```
/// use pycoro::prelude::native::*;
/// use pycoro::exceptions::{ExceptionGroup, ValueError, format_exception_only, raise};
/// use pycoro::native::TaskGroup;
///
/// // async with asyncio.TaskGroup() as tg:
/// //     tg.create_task(asyncio.sleep(1))
/// //     tg.create_task(fails())
/// let error = run_with_clock(async {
///     let tg = TaskGroup::new();
///     tg.run(async {
///         tg.create_task(async { sleep(1.0).await })?;
///         tg.create_task(async { raise(ValueError::new("bad"))?; Ok(()) })?;
///         Ok(())
///     })
///     .await
/// }, Clock::new_virtual()).unwrap_err();
/// assert!(error.is::<ExceptionGroup>());
/// assert_eq!(
///     format_exception_only(&error),
///     "ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)"
/// );
/// ```
#[derive(Clone, Default)]
pub struct TaskGroup(Rc<Inner>);

#[derive(Default)]
struct Inner {
    entered: Cell<bool>,
    exiting: Cell<bool>,
    aborting: Cell<bool>,
    event_loop: RefCell<Option<EventLoop>>,
    parent_task: RefCell<Option<TaskRef>>,
    /// The group cancelled its parent task (a child failed): `__aexit__` takes that
    /// cancellation back with `uncancel()`.
    parent_cancel_requested: Cell<bool>,
    /// The tasks not done yet.
    tasks: RefCell<Vec<TaskRef>>,
    /// The children's exceptions, in the order they failed (then the body's).
    errors: RefCell<Vec<Exception>>,
    /// A `SystemExit` or `KeyboardInterrupt`, which goes on by itself, not in a group.
    base_error: RefCell<Option<Exception>>,
    /// What `__aexit__` awaits while tasks are left: done when the last one is.
    on_completed: RefCell<Option<Future<bool>>>,
}

impl TaskGroup {
    /// `asyncio.TaskGroup()`.
    pub fn new() -> Self {
        Self::default()
    }

    // ANCHOR: create_task
    /// `tg.create_task(coro)`: a task of the group. `RuntimeError` before the group is
    /// entered, once it is finished, or while it is shutting down (a task failed).
    pub fn create_task<T: Clone + 'static>(
        &self,
        coro: impl StdFuture<Output = PyResult<T>> + 'static,
    ) -> PyResult<Task<T>> {
        let inner = &self.0;
        if !inner.entered.get() {
            return Err(RuntimeError::new(format!("TaskGroup {self} has not been entered")).into());
        }
        if inner.exiting.get() && inner.tasks.borrow().is_empty() {
            return Err(RuntimeError::new(format!("TaskGroup {self} is finished")).into());
        }
        if inner.aborting.get() {
            return Err(RuntimeError::new(format!("TaskGroup {self} is shutting down")).into());
        }
        let event_loop = inner.event_loop.borrow().clone().expect("entered");
        let task = event_loop.create_native_task(coro)?;
        inner.tasks.borrow_mut().push(task.as_task_ref());
        let group = self.clone();
        let done = task.clone();
        task.add_done_callback(move |_| group.on_task_done(&done));
        Ok(task)
    }
    // ANCHOR_END: create_task

    // ANCHOR: run
    /// `async with tg: body`: runs `body`, then waits for every task of the group. If a
    /// task fails, the others and the body are cancelled, and the block raises an
    /// `ExceptionGroup` of every failure (the body's own exception among them); a
    /// `CancelledError` meant for the block's task goes on as it is.
    pub async fn run<T>(&self, body: impl StdFuture<Output = PyResult<T>>) -> PyResult<T> {
        self.aenter()?;
        let outcome = body.await;
        let exc = outcome.as_ref().err();
        self.aexit(exc).await?;
        outcome
    }
    // ANCHOR_END: run

    /// `__aenter__`.
    pub(crate) fn aenter(&self) -> PyResult<()> {
        let inner = &self.0;
        if inner.entered.get() {
            return Err(
                RuntimeError::new(format!("TaskGroup {self} has already been entered")).into(),
            );
        }
        if inner.event_loop.borrow().is_none() {
            *inner.event_loop.borrow_mut() = Some(get_running_loop()?);
        }
        let parent = current_task().ok_or_else(|| {
            RuntimeError::new(format!("TaskGroup {self} cannot determine the parent task"))
        })?;
        // Entered only now: without a parent task it was never entered.
        inner.entered.set(true);
        *inner.parent_task.borrow_mut() = Some(parent);
        Ok(())
    }

    /// `__aexit__`, told the body's exception: `Ok` if the block ends quietly, else what
    /// it raises.
    pub(crate) async fn aexit(&self, exc: Option<&Exception>) -> PyResult<()> {
        let inner = &self.0;
        inner.exiting.set(true);
        if let Some(exc) = exc
            && is_base_error(exc)
            && inner.base_error.borrow().is_none()
        {
            *inner.base_error.borrow_mut() = Some(clone_exception(exc));
        }
        let body_cancelled = exc.filter(|e| e.is::<CancelledError>());
        let mut propagate_cancellation = body_cancelled.map(clone_exception);
        if inner.parent_cancel_requested.get() {
            // The group cancelled its parent: that request is taken back, and if it
            // was the only one, the `CancelledError` it caused stops here.
            let parent = inner.parent_task.borrow().clone().expect("entered");
            if parent.uncancel() == 0 {
                propagate_cancellation = None;
            }
        }
        if exc.is_some() && !inner.aborting.get() {
            // The body raised (or its task is being cancelled): the tasks are cancelled.
            self.abort();
        }
        // A loop, because the parent task may be cancelled while it waits, more than once.
        while !inner.tasks.borrow().is_empty() {
            let on_completed = self.on_completed_future();
            if let Err(e) = on_completed.await
                && e.is::<CancelledError>()
                && !inner.aborting.get()
            {
                // The parent task is being cancelled while the tasks run.
                propagate_cancellation = Some(e);
                self.abort();
            }
            inner.on_completed.take();
        }
        if let Some(base_error) = inner.base_error.take() {
            return Err(base_error);
        }
        let mut errors = inner.errors.take();
        if let Some(cancelled) = propagate_cancellation
            && errors.is_empty()
        {
            return Err(cancelled);
        }
        if let Some(exc) = exc
            && !exc.is::<CancelledError>()
        {
            errors.push(clone_exception(exc));
        }
        if errors.is_empty() {
            return Ok(());
        }
        let group = BaseExceptionGroup::new("unhandled errors in a TaskGroup", errors)?;
        Err(group.raise_from(None))
    }

    /// A new future for `__aexit__` to await, done when the last task is.
    fn on_completed_future(&self) -> Future<bool> {
        let event_loop = self.0.event_loop.borrow().clone().expect("entered");
        let future = event_loop.create_future();
        *self.0.on_completed.borrow_mut() = Some(future.clone());
        future
    }

    /// `_abort()`: cancels every task not done.
    fn abort(&self) {
        self.0.aborting.set(true);
        let tasks = self.0.tasks.borrow().clone();
        for task in tasks.iter().filter(|task| !task.done()) {
            task.cancel();
        }
    }

    // ANCHOR: on_task_done
    /// `_on_task_done(task)`: a task ended. The first failure aborts the group and
    /// cancels its parent task, so that the body stops waiting for whatever it awaits.
    fn on_task_done<T: Clone + 'static>(&self, task: &Task<T>) {
        let inner = &self.0;
        let number = task.as_task_ref().number();
        inner.tasks.borrow_mut().retain(|t| t.number() != number);
        if inner.tasks.borrow().is_empty()
            && let Some(on_completed) = &*inner.on_completed.borrow()
            && !on_completed.done()
        {
            let _ = on_completed.set_result(true);
        }
        if task.cancelled() {
            return;
        }
        let Ok(Some(exc)) = task.exception() else {
            return;
        };
        inner.errors.borrow_mut().push(clone_exception(&exc));
        if is_base_error(&exc) && inner.base_error.borrow().is_none() {
            *inner.base_error.borrow_mut() = Some(clone_exception(&exc));
        }
        let parent = inner.parent_task.borrow().clone().expect("entered");
        if parent.done() {
            let event_loop = inner.event_loop.borrow().clone().expect("entered");
            event_loop.call_exception_handler(ExceptionContext {
                message: format!(
                    "Task {} has errored out but its parent task {parent} is already completed",
                    task.as_task_ref()
                ),
                exception: Some(exc),
                future: None,
                task: None,
            });
            return;
        }
        if !inner.aborting.get() && !inner.parent_cancel_requested.get() {
            self.abort();
            inner.parent_cancel_requested.set(true);
            parent.cancel();
        }
    }
    // ANCHOR_END: on_task_done
}

/// `SystemExit` and `KeyboardInterrupt` are not put in the group: they go on alone.
fn is_base_error(e: &Exception) -> bool {
    e.isinstance::<SystemExit>() || e.isinstance::<KeyboardInterrupt>()
}

/// `repr(tg)`: `<TaskGroup tasks=2 errors=1 cancelling>`, as Python 3.11 prints it.
impl fmt::Display for TaskGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.0;
        f.write_str("<TaskGroup")?;
        let tasks = inner.tasks.borrow().len();
        if tasks > 0 {
            write!(f, " tasks={tasks}")?;
        }
        let errors = inner.errors.borrow().len();
        if errors > 0 {
            write!(f, " errors={errors}")?;
        }
        if inner.aborting.get() {
            f.write_str(" cancelling")?;
        } else if inner.entered.get() {
            f.write_str(" entered")?;
        }
        f.write_str(">")
    }
}
