//! Stage 2: [`Task`], a future that drives a generator-based coroutine.
//!
//! Document 001: *"a future is sent again some time after it was yielded, and then goes
//! on; something must drive it: the Task, which takes a coroutine and drives its
//! flow."* Each step sends `None` into the coroutine (or throws the exception of the
//! future it waited for); the coroutine runs to its next `yield` of a future; the task
//! adds a done callback to that future which takes the next step.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use crate::event_loop::tasks::AnyTask;
use crate::event_loop::{AnyFuture, EnsureFuture, EventLoop, Future, FutureRef, Ready, failure_of};
use crate::exceptions::{CancelledError, Exception, PyResult, exception_repr};
use crate::generators::{Generator, Step};
use crate::trace::PyRepr;

/// A generator-based coroutine (`@asyncio.coroutine`): a generator that yields the
/// futures it waits for, is resumed with `None`, and returns a `T`.
pub type Coroutine<T> = Generator<'static, FutureRef, (), T>;

/// `asyncio.Task`: a [`Future`] (it derefs to one, as a Python `Task` is one) whose
/// result is its coroutine's return value.
pub struct Task<T>(Rc<Inner<T>>);

struct Inner<T> {
    future: Future<T>,
    coro: RefCell<Option<Coroutine<T>>>,
    coro_name: &'static str,
    name: String,
    waiting_on: RefCell<Option<FutureRef>>,
    must_cancel: Cell<bool>,
}

impl<T> Clone for Task<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> Deref for Task<T> {
    type Target = Future<T>;

    fn deref(&self) -> &Future<T> {
        &self.0.future
    }
}

impl<T: Clone + 'static> Task<T> {
    /// Wraps `coro` and schedules its first step (`loop.create_task(coro)`).
    fn new(coro: Coroutine<T>, event_loop: &EventLoop) -> PyResult<Self> {
        let number = event_loop.next_task_number();
        let future = Future::new(event_loop);
        future.0.set_task_number(number);
        let name = format!("Task-{number}");
        let task = Self(Rc::new(Inner {
            future,
            coro_name: coro.name(),
            coro: RefCell::new(Some(coro)),
            name,
            waiting_on: RefCell::default(),
            must_cancel: Cell::new(false),
        }));
        let first = task.clone();
        event_loop.schedule(Ready::Call(Box::new(move || first.step(None))))?;
        let erased: Rc<dyn AnyTask> = task.0.clone();
        event_loop.register_task(Rc::downgrade(&erased));
        Ok(task)
    }

    /// `task.get_name()`: `Task-1`, `Task-2`, ...
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The task as what a coroutine yields.
    pub fn as_ref(&self) -> FutureRef {
        self.0.future.as_ref()
    }

    /// `task.cancel()`: asks the coroutine to stop. The future it waits for is
    /// cancelled, so the task's next step throws `CancelledError` into the coroutine,
    /// which may catch it. False if the task is already done.
    pub fn cancel(&self) -> bool {
        self.0.cancel()
    }

    // ANCHOR: step
    /// One step: run the coroutine to its next `yield` (`Task._step`).
    fn step(&self, exc: Option<Exception>) {
        let inner = &self.0;
        let event_loop = inner.future.get_loop();
        if inner.future.done() {
            return;
        }
        let exc = if inner.must_cancel.replace(false) {
            Some(CancelledError::default().into())
        } else {
            exc
        };
        inner.waiting_on.replace(None);
        let result = {
            let coro = inner.coro.borrow();
            let Some(coro) = coro.as_ref() else { return };
            match exc {
                None => {
                    event_loop.trace(format_args!(
                        "{}: send(None) into {}()",
                        inner.name, inner.coro_name
                    ));
                    coro.next()
                }
                Some(exc) => {
                    event_loop.trace(format_args!(
                        "{}: throw({}) into {}()",
                        inner.name,
                        exception_repr(&exc),
                        inner.coro_name
                    ));
                    coro.throw(exc)
                }
            }
        };
        match result {
            Ok(Step::Yielded(waiting_on)) => {
                event_loop.trace(format_args!(
                    "{} yielded {}: waits for it",
                    inner.name,
                    waiting_on.describe()
                ));
                let task = self.clone();
                let awaited = waiting_on.clone();
                waiting_on.on_done(Box::new(move || task.step(awaited.error())));
                if inner.must_cancel.get() && waiting_on.cancel(None) {
                    inner.must_cancel.set(false);
                }
                inner.waiting_on.replace(Some(waiting_on));
            }
            Ok(Step::Returned(value)) => {
                inner.coro.replace(None);
                event_loop.trace(format_args!("{} returned: done", inner.name));
                // A done task never gets here: `set_result` cannot fail.
                let _ = inner.future.set_task_outcome(Ok(value));
            }
            Err(e) => {
                inner.coro.replace(None);
                if e.is::<CancelledError>() {
                    event_loop.trace(format_args!("{} cancelled", inner.name));
                    inner.future.cancel();
                } else {
                    event_loop.trace(format_args!(
                        "{} raised {}: done",
                        inner.name,
                        exception_repr(&e)
                    ));
                    let _ = inner.future.set_task_exception(e, inner.coro_name);
                }
            }
        }
    }
    // ANCHOR_END: step
}

impl<T: Clone + 'static> AnyTask for Inner<T> {
    fn cancel(&self) -> bool {
        if self.future.done() {
            return false;
        }
        if let Some(waiting_on) = &*self.waiting_on.borrow()
            && waiting_on.cancel(None)
        {
            return true;
        }
        // Not waiting (its first step has not run yet): the next step throws.
        self.must_cancel.set(true);
        true
    }

    fn done(&self) -> bool {
        self.future.done()
    }

    fn on_done(&self, callback: Box<dyn FnOnce()>) {
        self.future.0.on_done(callback)
    }

    fn failure(&self) -> Option<(Exception, String)> {
        failure_of(&*self.future.0, self.future.0.describe())
    }
}

/// `repr(task)`, after Python's: `<Task pending name='Task-1' coro=<add()>>`,
/// `<Task finished name='Task-1' coro=<add()> result=3>`.
impl<T: Clone + PyRepr + 'static> fmt::Display for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0
            .future
            .fmt_task(f, &self.0.name, self.0.coro_name, false)
    }
}

/// `yield from task`: as for any future.
impl<T: Clone + 'static> super::Delegate for Task<T> {
    type Yield = FutureRef;
    type Send = ();
    type Return = T;

    fn start(&mut self) -> PyResult<Step<FutureRef, T>> {
        (&self.0.future).start()
    }

    fn next(&mut self) -> PyResult<Step<FutureRef, T>> {
        (&self.0.future).next()
    }

    fn send(&mut self, value: ()) -> PyResult<Step<FutureRef, T>> {
        (&self.0.future).send(value)
    }

    fn throw(&mut self, exc: Exception) -> PyResult<Step<FutureRef, T>> {
        (&self.0.future).throw(exc)
    }

    fn close(&mut self) -> PyResult<()> {
        (&self.0.future).close()
    }
}

impl EventLoop {
    /// `loop.create_task(coro)` for a generator-based coroutine: wraps it in a task and
    /// schedules its first step.
    pub fn create_task<T: Clone + 'static>(&self, coro: Coroutine<T>) -> PyResult<Task<T>> {
        Task::new(coro, self)
    }
}

impl<T: Clone + 'static> EnsureFuture<T> for Coroutine<T> {
    fn ensure_future(self, event_loop: &EventLoop) -> PyResult<Future<T>> {
        let task = event_loop.create_task(self)?;
        Ok(Future::clone(&*task))
    }
}

impl<T: Clone + 'static> EnsureFuture<T> for Task<T> {
    fn ensure_future(self, _: &EventLoop) -> PyResult<Future<T>> {
        Ok(Future::clone(&*self))
    }
}
