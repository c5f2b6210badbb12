//! What asyncio's queues and locks share: a line of waiters (a `collections.deque` of
//! futures), the future a waiting task awaits in it, and the loop a primitive belongs to
//! (`mixins._LoopBoundMixin`).
//!
//! A waiter is what asyncio's primitives use a loop future for, and only that: it is
//! woken (`fut.set_result(...)`) or cancelled, once, and wakes the one task awaiting it.
//! A task awaiting one waits on it as on a future: its `cancel()` cancels the waiter and
//! wakes the task, which then raises `CancelledError`, as in Python. It is smaller than a
//! [`Future`](crate::event_loop::Future) (no list of done callbacks to allocate, no
//! result, no report of an exception nobody retrieved), and a line keeps the waiters it
//! is done with for its next ones: a contended lock waits once per acquisition, and an
//! allocation was a tenth of that (callgrind).

use std::cell::{Cell, OnceCell, Ref, RefCell};
use std::collections::VecDeque;
use std::future::Future as StdFuture;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::task::current_id;
use crate::event_loop::tasks::{Awaited, TaskId};
use crate::event_loop::{
    AnyFuture, EventLoop, Ready, cancelled_error, no_running_loop, with_running_loop,
};
use crate::exceptions::{Exception, Object, PyResult, RuntimeError};

/// `mixins._LoopBoundMixin`: a primitive belongs to the loop it first waits on, and
/// refuses any other (`RuntimeError: ... is bound to a different event loop`). As in
/// Python, it keeps that loop (so no later loop can take its place, and its id).
#[derive(Default)]
pub(crate) struct LoopBound(OnceCell<EventLoop>);

impl LoopBound {
    /// `self._get_loop()`: the running loop, which must be the primitive's (`what`
    /// names the primitive in the error).
    fn get(&self, what: impl FnOnce() -> String) -> PyResult<&EventLoop> {
        // A loop runs on the thread that made it (it is not `Send`), one at a time: if
        // the primitive's loop is running, it is the running loop.
        if let Some(bound) = self.0.get()
            && bound.is_running()
        {
            return Ok(bound);
        }
        with_running_loop(|running| {
            let running = running.ok_or_else(no_running_loop)?;
            let bound = self.0.get_or_init(|| running.clone());
            if bound.id() != running.id() {
                return Err(RuntimeError::new(format!(
                    "{} is bound to a different event loop",
                    what()
                ))
                .into());
            }
            Ok(bound)
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Woken,
    Cancelled,
}

/// Who to wake when the waiter is done.
enum Wake {
    Nobody,
    /// The pycoro task awaiting it, by id (its step is queued as a waker's would be).
    Task(TaskId),
    /// Awaited outside a pycoro task.
    Waker(Waker),
}

/// A waiting task's future in a primitive's line. Cloning shares it.
#[derive(Clone)]
pub(crate) struct Waiter(Rc<Inner>);

/// The waiter's insides (`Cell`s: read and set, never borrowed).
pub(crate) struct Inner {
    state: Cell<State>,
    wake: Cell<Wake>,
    /// A `cancel()` reached it (the task awaiting it was cancelled), whether or not it
    /// was still pending: then, and only then, its task may have a cancellation to take.
    cancel_requested: Cell<bool>,
    /// `cancel(msg)`'s message, for the `CancelledError` its task gets.
    message: RefCell<Option<Object>>,
    /// `add_done_callback`, which no primitive uses, but a future must offer.
    callbacks: RefCell<Vec<Box<dyn FnOnce()>>>,
    event_loop: EventLoop,
}

impl Waiter {
    /// `fut.done()`: woken or cancelled.
    pub(crate) fn done(&self) -> bool {
        self.0.state.get() != State::Pending
    }

    /// `fut.cancelled()`.
    pub(crate) fn cancelled(&self) -> bool {
        self.0.state.get() == State::Cancelled
    }

    /// `fut.set_result(...)` on a waiter not done: its task takes its next step on the
    /// loop's next pass.
    pub(crate) fn wake(&self) {
        self.0.finish(State::Woken);
    }

    /// Whether `self` and `other` are the same waiter (`is`).
    fn is(&self, other: &Waiter) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Inner {
    /// The `CancelledError` a cancelled waiter raises: `CancelledError(msg)`.
    fn cancelled_error(&self) -> Exception {
        cancelled_error(self.message.borrow().as_ref())
    }

    /// Done now, if it was not: the task (or waker) awaiting it is woken.
    fn finish(&self, state: State) -> bool {
        if self.state.get() != State::Pending {
            return false;
        }
        self.state.set(state);
        match self.wake.replace(Wake::Nobody) {
            Wake::Nobody => {}
            Wake::Task(id) => self.event_loop.wake(id),
            Wake::Waker(waker) => waker.wake(),
        }
        if !self.callbacks.borrow().is_empty() {
            for callback in self.callbacks.take() {
                // A closed loop runs nothing more: there is no one to tell.
                let _ = self.event_loop.schedule(Ready::Call(callback));
            }
        }
        true
    }
}

/// A task awaiting a waiter waits on it: the task's `cancel()` reaches it.
impl AnyFuture for Inner {
    fn done(&self) -> bool {
        self.state.get() != State::Pending
    }

    fn cancelled(&self) -> bool {
        self.state.get() == State::Cancelled
    }

    fn cancel(&self, message: Option<Object>) -> bool {
        self.cancel_requested.set(true);
        if self.state.get() == State::Pending {
            *self.message.borrow_mut() = message;
        }
        self.finish(State::Cancelled)
    }

    fn on_done(&self, callback: Box<dyn FnOnce()>) {
        if AnyFuture::done(self) {
            let _ = self.event_loop.schedule(Ready::Call(callback));
        } else {
            self.callbacks.borrow_mut().push(callback);
        }
    }

    fn error(&self) -> Option<Exception> {
        (self.state.get() == State::Cancelled).then(|| self.cancelled_error())
    }

    fn describe(&self) -> String {
        match self.state.get() {
            State::Pending => "<Future pending>",
            State::Woken => "<Future finished result=None>",
            State::Cancelled => "<Future cancelled>",
        }
        .to_owned()
    }
}

/// `await fut` for a waiter, polled: `Ok` once woken, `CancelledError` if it (or the
/// task awaiting it) was cancelled. `registered`: whether an earlier poll registered it.
fn poll_waiter(waiter: &Waiter, registered: &mut bool, cx: &mut Context<'_>) -> Poll<PyResult<()>> {
    let cell = &waiter.0;
    let pending = cell.state.get() == State::Pending;
    match current_id() {
        // Woken, and the task's `cancel()` has not come this way since it waited: it
        // has no cancellation to take (one requested before it waited was taken at the
        // first poll), so its slot need not be looked up.
        Some(_) if *registered && !cell.cancel_requested.get() => {}
        Some(id) => {
            // On the first poll the task starts waiting on the waiter, as Python's
            // `Task.__step` does with the future it yielded (so that its `cancel()`
            // cancels the waiter); a cancellation it already has goes to the waiter, which
            // raises it at the task's next step, after the others ready now, as in
            // Python. Later, `check_cancelled` on the loop the waiter belongs to (the
            // running one): a cancellation requested since is raised here.
            let register = pending && !*registered;
            let outcome = cell.event_loop.with_native_task(id, |task| {
                if register {
                    let inner: Pin<Rc<Inner>> = Pin::new(cell.clone());
                    let awaited: Awaited = inner;
                    let passed = task.pass_cancellation_to(&awaited);
                    task.wait_on(awaited);
                    Ok(passed)
                } else {
                    task.take_cancellation().map_or(Ok(false), Err)
                }
            });
            match outcome {
                Some(Err(cancelled)) => return Poll::Ready(Err(cancelled)),
                Some(Ok(true)) => {
                    // Cancelled before it could be woken: its task steps again next pass.
                    cell.event_loop.wake(id);
                    *registered = true;
                    return Poll::Pending;
                }
                _ => {}
            }
            if register {
                cell.wake.set(Wake::Task(id));
            }
        }
        None if pending => cell.wake.set(Wake::Waker(cx.waker().clone())),
        None => {}
    }
    match cell.state.get() {
        State::Woken => Poll::Ready(Ok(())),
        State::Cancelled => Poll::Ready(Err(cell.cancelled_error())),
        State::Pending => {
            *registered = true;
            Poll::Pending
        }
    }
}

/// How many finished waiters a line keeps for its next ones.
const SPARES: usize = 16;

/// A line of waiters: the futures of the tasks waiting, oldest first (a primitive's
/// `_waiters` deque), and the waiters it is done with.
#[derive(Default)]
pub(crate) struct Waiters {
    line: RefCell<VecDeque<Waiter>>,
    /// Every waiter before this place in the line is done: woken (or cancelled), its task
    /// not yet run. Where [`wake_first_pending`](Self::wake_first_pending) starts looking.
    done_before: Cell<usize>,
    spares: RefCell<Vec<Waiter>>,
}

impl Waiters {
    /// The line, to read.
    pub(crate) fn borrow(&self) -> Ref<'_, VecDeque<Waiter>> {
        self.line.borrow()
    }

    /// `waiters.popleft()`.
    pub(crate) fn pop_front(&self) -> Option<Waiter> {
        let first = self.line.borrow_mut().pop_front()?;
        self.done_before
            .set(self.done_before.get().saturating_sub(1));
        Some(first)
    }

    /// `for fut in waiters: if not fut.done(): fut.set_result(...); break`: wakes the
    /// first waiter not done yet, if any; says whether there was one.
    pub(crate) fn wake_first_pending(&self) -> bool {
        let line = self.line.borrow();
        let mut at = self.done_before.get();
        while let Some(waiter) = line.get(at) {
            if !waiter.done() {
                self.done_before.set(at + 1);
                // Woken where it stands: `finish` only queues the task's step.
                waiter.0.finish(State::Woken);
                return true;
            }
            at += 1;
        }
        self.done_before.set(line.len());
        false
    }

    /// `fut = self._get_loop().create_future(); self._waiters.append(fut)`.
    pub(crate) fn join(
        &self,
        event_loop: &LoopBound,
        what: impl FnOnce() -> String,
    ) -> PyResult<Waiter> {
        let event_loop = event_loop.get(what)?;
        let spare = self.spares.borrow_mut().pop();
        // A spare is the primitive's, so it belongs to the same loop.
        let waiter = spare.unwrap_or_else(|| {
            Waiter(Rc::new(Inner {
                state: Cell::new(State::Pending),
                wake: Cell::new(Wake::Nobody),
                cancel_requested: Cell::new(false),
                message: RefCell::default(),
                callbacks: RefCell::default(),
                event_loop: event_loop.clone(),
            }))
        });
        self.line.borrow_mut().push_back(waiter.clone());
        Ok(waiter)
    }

    /// `self._waiters.remove(fut)`, if it is still there.
    fn remove(&self, waiter: &Waiter) {
        let mut line = self.line.borrow_mut();
        let at = if line.front().is_some_and(|first| first.is(waiter)) {
            line.pop_front(); // the usual case: the first in line was woken
            0
        } else if let Some(at) = line.iter().position(|w| w.is(waiter)) {
            line.remove(at);
            at
        } else {
            return;
        };
        if at < self.done_before.get() {
            self.done_before.set(self.done_before.get() - 1);
        }
    }

    /// A waiter done with: kept for the next one if nothing else holds it.
    fn recycle(&self, mut waiter: Waiter) {
        let mut spares = self.spares.borrow_mut();
        if spares.len() < SPARES
            && let Some(inner) = Rc::get_mut(&mut waiter.0)
        {
            inner.state.set(State::Pending);
            inner.wake.set(Wake::Nobody);
            inner.cancel_requested.set(false);
            *inner.message.get_mut() = None;
            spares.push(waiter);
        }
    }
}

// ANCHOR: wait_in_line
/// Awaits `waiter`, which has joined `waiters`, as asyncio's primitives do:
/// `try: await fut finally: waiters.remove(fut)`. If the wait ends without the waiter's
/// wake-up (a `CancelledError`, or this future dropped, which is Rust's cancellation),
/// `give_up(waiter)` runs after the removal, to pass on a wake-up the waiter was given.
pub(crate) fn wait_in_line<F: FnOnce(&Waiter) + Unpin>(
    waiters: &Waiters,
    waiter: Waiter,
    give_up: F,
) -> WaitInLine<'_, F> {
    WaitInLine {
        waiters,
        waiter: Some(waiter),
        registered: false,
        give_up: Some(give_up),
    }
}

/// The future of [`wait_in_line`] (a struct rather than an `async fn`: one level less to
/// go through at each poll of a contended lock).
pub(crate) struct WaitInLine<'a, F: FnOnce(&Waiter)> {
    waiters: &'a Waiters,
    /// Until the wait is over.
    waiter: Option<Waiter>,
    registered: bool,
    give_up: Option<F>,
}

impl<F: FnOnce(&Waiter)> WaitInLine<'_, F> {
    /// `finally: waiters.remove(fut)`, then, if it was not woken, `give_up`.
    fn leave(&mut self, woken: bool) {
        let Some(waiter) = self.waiter.take() else {
            return;
        };
        self.waiters.remove(&waiter);
        if !woken {
            // Dropped while still waiting: nobody will await it, so it is as good as
            // cancelled (and a `cancel()` of the task that last awaited it must not
            // think it has reached it).
            if !waiter.done() {
                waiter.0.state.set(State::Cancelled);
                waiter.0.wake.set(Wake::Nobody);
            }
            if let Some(give_up) = self.give_up.take() {
                give_up(&waiter);
            }
        }
        self.waiters.recycle(waiter);
    }
}

impl<F: FnOnce(&Waiter) + Unpin> StdFuture for WaitInLine<'_, F> {
    type Output = PyResult<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PyResult<()>> {
        let this = self.get_mut();
        let Some(waiter) = &this.waiter else {
            return Poll::Ready(Err(RuntimeError::new("a wait polled after it ended").into()));
        };
        let outcome = std::task::ready!(poll_waiter(waiter, &mut this.registered, cx));
        this.leave(outcome.is_ok());
        Poll::Ready(outcome)
    }
}

impl<F: FnOnce(&Waiter)> Drop for WaitInLine<'_, F> {
    fn drop(&mut self) {
        self.leave(false);
    }
}
// ANCHOR_END: wait_in_line
