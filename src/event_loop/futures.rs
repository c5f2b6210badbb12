//! [`Future`], a result that is not there yet (asyncio's `futures.Future`).
//!
//! Document 001: *"a Future class represents the result a coroutine waits for ... when
//! the socket is readable, the data is written into the Future, which then runs some
//! callbacks."* A future is pending until someone calls `set_result` or
//! `set_exception` (or cancels it); then each done callback is scheduled on the loop
//! with `call_soon`.

use std::fmt;
use std::rc::Rc;
use thin_vec::ThinVec;

use super::{EventLoop, ExceptionContext, Ready};
use crate::exceptions::{
    CancelledError, Exception, InvalidStateError, Object, PyResult, RuntimeError, clone_exception,
    exception_repr,
};
use crate::trace::PyRepr;

/// What a generator-based coroutine yields to its task: some future it waits for,
/// whatever its result type (the task only needs to know when it is done).
pub type FutureRef = Rc<dyn AnyFuture>;

/// A future whose result type is forgotten: what a task waits on.
pub trait AnyFuture {
    /// `fut.done()`.
    fn done(&self) -> bool;
    /// `fut.cancelled()`.
    fn cancelled(&self) -> bool;
    /// `fut.cancel(msg)`: `message` is the `CancelledError`'s argument.
    fn cancel(&self, message: Option<Object>) -> bool;
    /// `fut.add_done_callback(...)`, for a callback that needs no result.
    fn on_done(&self, callback: Box<dyn FnOnce()>);
    /// The exception a waiter must get (its own, or `CancelledError`), if any.
    fn error(&self) -> Option<Exception>;
    /// `repr(fut)` without the result: `<Future pending>`, `<Task finished name='Task-1'>`.
    fn describe(&self) -> String;
    /// `fut._make_cancelled_error()`: the `CancelledError` it would raise if cancelled.
    fn make_cancelled_error(&self) -> Exception {
        CancelledError::default().into()
    }
}

enum State<T> {
    Pending,
    /// Cancelled; boxed, so that a plain `cancel()` costs no allocation and no byte.
    Cancelled(Option<Box<Cancellation>>),
    Done(Result<T, Exception>),
}

/// What a cancelled future says when asked for its result: `_cancel_message`, and
/// `_cancelled_exc`, the `CancelledError` a task's coroutine raised.
#[derive(Default)]
struct Cancellation {
    message: Option<Object>,
    exception: Option<Exception>,
}

impl<T> State<T> {
    fn cancelled(message: Option<Object>, exception: Option<Exception>) -> Self {
        match (message, exception) {
            (None, None) => State::Cancelled(None),
            (message, exception) => {
                State::Cancelled(Some(Box::new(Cancellation { message, exception })))
            }
        }
    }
}

/// A future's insides. Every task has one, so its fields are `Cell`s (read by taking
/// the value out and putting it back) rather than `RefCell`s, whose borrow flags would
/// cost sixteen bytes, and its list of callbacks is a `ThinVec`: a single pointer, and no
/// allocation while empty.
pub(crate) struct Cell<T> {
    state: std::cell::Cell<State<T>>,
    callbacks: std::cell::Cell<ThinVec<Ready>>,
    event_loop: EventLoop,
    /// Three things in one word, because every task has a result cell and a million
    /// tasks make every byte count: the task's number `N`, set by a task to describe
    /// itself (`Task-N`; 0 for a plain future); in the top bit whether someone has seen
    /// its exception (`result()`, `exception()`, an await), for if no one has when it is
    /// dropped, the exception is reported, as asyncio does; and in the next bit whether
    /// it is done, which every step of a task asks, and which is cheaper to read here
    /// than out of the state.
    marks: std::cell::Cell<u64>,
}

const RETRIEVED: u64 = 1 << 63;
const DONE: u64 = 1 << 62;
const NUMBER: u64 = !(RETRIEVED | DONE);

// A result cell never pins what it holds (it lends clones of it), so it may move even
// when its value may not, and a pinned `Rc` of it can be made from any `Rc` of it.
impl<T> Unpin for Cell<T> {}

/// A future's state, lent out of its `Cell` for a read and put back even if the read
/// panics (a `Clone` of the result, say).
struct Lent<'a, T> {
    cell: &'a std::cell::Cell<State<T>>,
    state: State<T>,
}

impl<T> Drop for Lent<'_, T> {
    fn drop(&mut self) {
        self.cell
            .set(std::mem::replace(&mut self.state, State::Pending));
    }
}

impl<T> Cell<T> {
    /// Reads the state.
    fn with_state<R>(&self, read: impl FnOnce(&State<T>) -> R) -> R {
        let lent = Lent {
            cell: &self.state,
            state: self.state.replace(State::Pending),
        };
        read(&lent.state)
    }

    /// Reads the state, and may take what a cancelled future keeps.
    fn with_state_mut<R>(&self, read: impl FnOnce(&mut State<T>) -> R) -> R {
        let mut lent = Lent {
            cell: &self.state,
            state: self.state.replace(State::Pending),
        };
        read(&mut lent.state)
    }

    pub(crate) fn set_task_number(&self, number: u64) {
        self.marks
            .set((self.marks.get() & !NUMBER) | (number & NUMBER));
    }

    fn task_number(&self) -> Option<u64> {
        Some(self.marks.get() & NUMBER).filter(|&n| n != 0)
    }

    pub(crate) fn mark_retrieved(&self) {
        self.marks.set(self.marks.get() | RETRIEVED);
    }

    fn retrieved(&self) -> bool {
        self.marks.get() & RETRIEVED != 0
    }
}

/// `asyncio.Future`: a handle to a result that will be set later. Cloning shares it.
///
/// ```
/// use pycoro::clock::Clock;
/// use pycoro::event_loop::EventLoop;
/// use pycoro::exceptions::InvalidStateError;
///
/// let lp = EventLoop::new(Clock::new_virtual());
/// let fut = lp.create_future::<i32>();
/// assert!(fut.result().unwrap_err().is::<InvalidStateError>()); // not yet
/// fut.set_result(3)?;
/// assert_eq!(fut.result()?, 3);
/// assert_eq!(fut.to_string(), "<Future finished result=3>");
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
pub struct Future<T>(pub(crate) Rc<Cell<T>>);

impl<T> Future<T> {
    /// The loop it belongs to, whatever `T` is (a task's drop asks it for the name).
    pub(crate) fn owner(&self) -> &EventLoop {
        &self.0.event_loop
    }
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: 'static> Future<T> {
    /// The future as what a task waits on, pinned as a task is.
    pub(crate) fn as_awaited(&self) -> std::pin::Pin<Rc<dyn AnyFuture>> {
        let cell: std::pin::Pin<Rc<Cell<T>>> = std::pin::Pin::new(self.0.clone());
        cell
    }

    pub(crate) fn new(event_loop: &EventLoop) -> Self {
        Self(Rc::new(Cell {
            state: std::cell::Cell::new(State::Pending),
            callbacks: std::cell::Cell::default(),
            event_loop: event_loop.clone(),
            marks: std::cell::Cell::new(0),
        }))
    }
}

impl<T: Clone + 'static> Future<T> {
    /// The loop this future belongs to.
    pub fn get_loop(&self) -> EventLoop {
        self.0.event_loop.clone()
    }

    /// The loop this future belongs to, borrowed (no count to raise, as at every task step).
    pub(crate) fn event_loop(&self) -> &EventLoop {
        &self.0.event_loop
    }

    /// `fut.done()`: finished with a result or an exception, or cancelled.
    pub fn done(&self) -> bool {
        self.0.done()
    }

    /// `fut.cancelled()`.
    pub fn cancelled(&self) -> bool {
        self.0
            .with_state(|state| matches!(state, State::Cancelled(_)))
    }

    /// `fut.result()`: the result, or the exception it finished with (each caller gets
    /// it), `CancelledError` if cancelled, `InvalidStateError` if pending.
    pub fn result(&self) -> PyResult<T> {
        self.0.mark_retrieved();
        self.0.with_state_mut(|state| match state {
            State::Pending => Err(InvalidStateError::new("Result is not set.").into()),
            State::Cancelled(cancellation) => Err(take_cancelled_error(cancellation)),
            State::Done(Ok(value)) => Ok(value.clone()),
            State::Done(Err(e)) => Err(clone_exception(e)),
        })
    }

    /// What `gather(..., return_exceptions=True)` lists for it: its result, its exception,
    /// or for a cancelled future `CancelledError(msg)`, `''` standing for no message, made
    /// new (what its task's coroutine raised stays for whoever asks for the result).
    pub(crate) fn gathered_outcome(&self) -> PyResult<T> {
        let message = self.0.with_state(|state| match state {
            State::Cancelled(cancellation) => Some(
                cancellation
                    .as_ref()
                    .and_then(|c| c.message.clone())
                    .unwrap_or_else(|| Object::new("")),
            ),
            _ => None,
        });
        match message {
            Some(message) => {
                self.0.mark_retrieved();
                Err(CancelledError::new(message).into())
            }
            None => self.result(),
        }
    }

    /// `fut.exception()`: the exception it finished with, if any.
    pub fn exception(&self) -> PyResult<Option<Exception>> {
        self.0.mark_retrieved();
        self.0.with_state_mut(|state| match state {
            State::Pending => Err(InvalidStateError::new("Exception is not set.").into()),
            State::Cancelled(cancellation) => Err(take_cancelled_error(cancellation)),
            State::Done(Ok(_)) => Ok(None),
            State::Done(Err(e)) => Ok(Some(clone_exception(e))),
        })
    }

    /// `fut.set_result(value)`; a future that is already done raises `InvalidStateError`.
    /// A task's result is its coroutine's to set: on a task (or its result, which is the
    /// same thing in Python) it raises `RuntimeError`, as Python's `Task.set_result` does.
    pub fn set_result(&self, value: T) -> PyResult<()> {
        self.refuse_for_a_task("set_result")?;
        self.finish(State::Done(Ok(value)))
    }

    /// `fut.set_exception(exc)`; `RuntimeError` on a task, as `set_result`.
    pub fn set_exception(&self, exc: impl Into<Exception>) -> PyResult<()> {
        self.refuse_for_a_task("set_exception")?;
        self.finish(State::Done(Err(exc.into())))
    }

    fn refuse_for_a_task(&self, operation: &str) -> PyResult<()> {
        match self.0.task_number() {
            Some(_) => Err(RuntimeError::new(format!(
                "Task does not support {operation} operation"
            ))
            .into()),
            None => Ok(()),
        }
    }

    /// A task's coroutine is done: its return value or its exception is the task's.
    pub(crate) fn set_task_outcome(&self, outcome: PyResult<T>) -> PyResult<()> {
        self.finish(State::Done(outcome))
    }

    /// A task's coroutine raised: its exception is the task's, and the coroutine's name
    /// is kept for the report if nobody retrieves it.
    pub(crate) fn set_task_exception(
        &self,
        exception: Exception,
        coroutine: &'static str,
    ) -> PyResult<()> {
        if let Some(number) = self.0.task_number() {
            self.0.event_loop.note_failed_coroutine(number, coroutine);
        }
        self.finish(State::Done(Err(exception)))
    }

    /// `fut.cancel()`: false if it is already done. Either way, whoever cancels it has
    /// looked at it: an exception it finished with is not reported as never retrieved.
    pub fn cancel(&self) -> bool {
        self.0.mark_retrieved();
        self.finish(State::Cancelled(None)).is_ok()
    }

    /// `fut.cancel(msg)`: whoever awaits it, or asks for its result, gets
    /// `CancelledError(msg)`.
    ///
    /// ```
    /// use pycoro::clock::Clock;
    /// use pycoro::event_loop::EventLoop;
    /// use pycoro::exceptions::exception_repr;
    ///
    /// let lp = EventLoop::new(Clock::new_virtual());
    /// let fut = lp.create_future::<i32>();
    /// assert!(fut.cancel_with_message("no longer needed"));
    /// let e = fut.result().unwrap_err();
    /// assert_eq!(exception_repr(&e), "CancelledError('no longer needed')");
    /// ```
    pub fn cancel_with_message(&self, message: impl Into<Object>) -> bool {
        self.0.mark_retrieved();
        self.finish(State::cancelled(Some(message.into()), None))
            .is_ok()
    }

    /// A task ends cancelled: with the message of the `cancel(msg)` that its coroutine
    /// did not see (it returned first), or with the `CancelledError` the coroutine raised.
    pub(crate) fn set_task_cancelled(&self, message: Option<Object>, exception: Option<Exception>) {
        let _ = self.finish(State::cancelled(message, exception));
    }

    fn finish(&self, new: State<T>) -> PyResult<()> {
        self.0.finish(new)
    }

    /// `fut.add_done_callback(fn)`: `fn(fut)` is scheduled with `call_soon` when the
    /// future is done (at once, if it already is). Callbacks run in the order added.
    pub fn add_done_callback(&self, callback: impl FnOnce(&Future<T>) + 'static) {
        let this = self.clone();
        self.add_erased(Box::new(move || callback(&this)));
    }

    fn add_erased(&self, callback: Box<dyn FnOnce()>) {
        self.0.on_done(callback)
    }

    /// This future as what a coroutine yields.
    pub fn as_ref(&self) -> FutureRef {
        self.0.clone()
    }

    /// This future as what a native task waits on (see `native::task::Awaited`).
    pub(crate) fn awaited(&self) -> std::pin::Pin<Rc<dyn AnyFuture>> {
        let cell: std::pin::Pin<Rc<Cell<T>>> = std::pin::Pin::new(self.0.clone());
        cell
    }
}

impl<T> Cell<T> {
    /// Schedules `ready` on the loop when the future is done (at once if it is).
    pub(crate) fn when_done(&self, ready: Ready) {
        if AnyFuture::done(self) {
            // A closed loop runs nothing more, so there is no one to tell.
            let _ = self.event_loop.schedule(ready);
        } else {
            let mut callbacks = self.callbacks.take();
            // Most futures have exactly one waiter: room for one, not the usual four.
            // (Only for the first: growing by one each time would copy the list each time.)
            if callbacks.is_empty() {
                callbacks.reserve_exact(1);
            }
            callbacks.push(ready);
            self.callbacks.set(callbacks);
        }
    }

    // ANCHOR: finish
    fn finish(&self, new: State<T>) -> PyResult<()> {
        let old = self.state.replace(new);
        if !matches!(old, State::Pending) {
            self.state.set(old); // and `new` goes
            return Err(InvalidStateError::new("invalid state").into());
        }
        self.marks.set(self.marks.get() | DONE);
        let callbacks = self.callbacks.take();
        if !callbacks.is_empty() && self.event_loop.tracing() {
            self.event_loop.trace(format_args!(
                "{} is done: {} callback(s) scheduled",
                self.describe(),
                callbacks.len()
            ));
        }
        for callback in callbacks {
            // On a closed loop this raises, as Python's `set_result` does then.
            self.event_loop.schedule(callback)?;
        }
        Ok(())
    }
    // ANCHOR_END: finish
    fn state_word(&self) -> &'static str {
        self.with_state(|state| match state {
            State::Pending => "pending",
            State::Cancelled(_) => "cancelled",
            State::Done(_) => "finished",
        })
    }
}

impl<T> AnyFuture for Cell<T> {
    fn done(&self) -> bool {
        self.marks.get() & DONE != 0
    }

    fn cancelled(&self) -> bool {
        self.with_state(|state| matches!(state, State::Cancelled(_)))
    }

    fn cancel(&self, message: Option<Object>) -> bool {
        self.mark_retrieved();
        self.finish(State::cancelled(message, None)).is_ok()
    }

    fn on_done(&self, callback: Box<dyn FnOnce()>) {
        self.when_done(Ready::Call(callback));
    }

    fn error(&self) -> Option<Exception> {
        self.mark_retrieved();
        self.with_state_mut(|state| match state {
            State::Pending | State::Done(Ok(_)) => None,
            State::Cancelled(cancellation) => Some(take_cancelled_error(cancellation)),
            State::Done(Err(e)) => Some(clone_exception(e)),
        })
    }

    fn make_cancelled_error(&self) -> Exception {
        self.with_state_mut(|state| match state {
            State::Cancelled(cancellation) => take_cancelled_error(cancellation),
            _ => CancelledError::default().into(),
        })
    }

    fn describe(&self) -> String {
        match self.task_number() {
            Some(number) => format!(
                "<Task {} name='{}'>",
                self.state_word(),
                self.event_loop.task_name(number)
            ),
            None => format!("<Future {}>", self.state_word()),
        }
    }
}

/// A task's [`failure`](super::tasks::AnyTask::failure): the exception it finished with
/// (marked as looked at) and its `repr` (`describe`, the task's without its result) with
/// the exception in it; `None` if it is pending, cancelled or finished with a result.
pub(crate) fn failure_of(future: &dyn AnyFuture, describe: String) -> Option<(Exception, String)> {
    if !future.done() || future.cancelled() {
        return None;
    }
    let exception = future.error()?;
    let head = describe.strip_suffix('>').unwrap_or(&describe);
    let repr = format!("{head} exception={}>", exception_repr(&exception));
    Some((exception, repr))
}

/// Nobody looked at the exception a future finished with: asyncio reports it when the
/// future is collected, through the loop's exception handler ("Task exception was never
/// retrieved", then `future: <Task finished ... exception=...>` and the report).
impl<T> Drop for Cell<T> {
    fn drop(&mut self) {
        let given = self
            .task_number()
            .and_then(|number| self.event_loop.take_task_name(number));
        if !matches!(self.state.get_mut(), State::Done(Err(_))) {
            return; // the common case, at every task's end: no other look-up
        }
        // Only a failed task's name was kept: taken back whether or not it is reported.
        let coroutine = self
            .task_number()
            .and_then(|number| self.event_loop.take_failed_coroutine(number));
        if self.retrieved() {
            return;
        }
        let name = self.task_number().map(|number| match given {
            Some(name) => name.to_string(),
            None => format!("Task-{number}"),
        });
        let (what, head) = match name {
            Some(name) => {
                let coro = coroutine
                    .map(|name| format!(" coro=<{name}()>"))
                    .unwrap_or_default();
                ("Task", format!("<Task finished name='{name}'{coro}"))
            }
            None => ("Future", "<Future finished".to_string()),
        };
        if let State::Done(Err(e)) = self.state.get_mut() {
            let context = ExceptionContext {
                message: format!("{what} exception was never retrieved"),
                future: Some(format!("{head} exception={}>", exception_repr(e))),
                exception: Some(clone_exception(e)),
                task: None,
            };
            self.event_loop.call_exception_handler(context);
        }
    }
}

impl<T: PyRepr> Future<T> {
    /// `repr(task)` for the task whose result this is, Generation 2's or 3's:
    /// `<Task pending name='Task-1' coro=<add()>>`, `<Task finished ... result=3>`;
    /// `<Task cancelling ...>` while a cancellation it was asked for is under way.
    /// Like Python's, it does not count as looking at the exception.
    pub(crate) fn fmt_task(
        &self,
        f: &mut fmt::Formatter<'_>,
        name: &str,
        coro: &str,
        cancelling: bool,
    ) -> fmt::Result {
        let head = format!("name='{name}' coro=<{coro}()>");
        self.0.with_state(|state| match state {
            State::Pending if cancelling => write!(f, "<Task cancelling {head}>"),
            State::Pending => write!(f, "<Task pending {head}>"),
            State::Cancelled(_) => write!(f, "<Task cancelled {head}>"),
            State::Done(Ok(value)) => {
                write!(f, "<Task finished {head} result={}>", value.py_repr())
            }
            State::Done(Err(e)) => {
                write!(f, "<Task finished {head} exception={}>", exception_repr(e))
            }
        })
    }
}

/// `repr(fut)`: `<Future pending>`, `<Future finished result=3>`,
/// `<Future finished exception=ValueError('x')>`, `<Future cancelled>`.
impl<T: Clone + PyRepr + 'static> fmt::Display for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.with_state(|state| match state {
            State::Pending => f.write_str("<Future pending>"),
            State::Cancelled(_) => f.write_str("<Future cancelled>"),
            State::Done(Ok(value)) => write!(f, "<Future finished result={}>", value.py_repr()),
            State::Done(Err(e)) => write!(f, "<Future finished exception={}>", exception_repr(e)),
        })
    }
}

/// `fut._make_cancelled_error()`: the `CancelledError` a cancelled future raises. The
/// one its task's coroutine raised comes out once (so the first to ask sees how the task
/// was cancelled); after that, a new one with the cancel message, as in Python.
fn take_cancelled_error(cancellation: &mut Option<Box<Cancellation>>) -> Exception {
    match cancellation {
        Some(cancellation) => match cancellation.exception.take() {
            Some(exception) => exception,
            None => cancelled_error(cancellation.message.as_ref()),
        },
        None => CancelledError::default().into(),
    }
}

/// `CancelledError()`, or `CancelledError(msg)`.
pub(crate) fn cancelled_error(message: Option<&Object>) -> Exception {
    match message {
        Some(message) => CancelledError::new(message.clone()).into(),
        None => CancelledError::default().into(),
    }
}
