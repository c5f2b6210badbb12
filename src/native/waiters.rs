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

use std::cell::{Cell, OnceCell, Ref, RefCell, RefMut};
use std::collections::VecDeque;
use std::future::Future as StdFuture;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::task::current_id;
use crate::event_loop::tasks::{Awaited, TaskId};
use crate::event_loop::{AnyFuture, EventLoop, Ready, no_running_loop, with_running_loop};
use crate::exceptions::{CancelledError, Exception, PyResult, RuntimeError};

/// `mixins._LoopBoundMixin`: a primitive belongs to the loop it first waits on, and
/// refuses any other (`RuntimeError: ... is bound to a different event loop`). As in
/// Python, it keeps that loop (so no later loop can take its place, and its id).
#[derive(Default)]
pub(crate) struct LoopBound(OnceCell<EventLoop>);

impl LoopBound {
    /// `self._get_loop()`: the running loop, which must be the primitive's (`what`
    /// names the primitive in the error).
    fn get(&self, what: impl FnOnce() -> String) -> PyResult<&EventLoop> {
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
    /// `add_done_callback`, which no primitive uses, but a future must offer.
    callbacks: Cell<Vec<Box<dyn FnOnce()>>>,
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
        let callbacks = self.callbacks.take();
        if !callbacks.is_empty() {
            for callback in callbacks {
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

    fn cancel(&self) -> bool {
        self.finish(State::Cancelled)
    }

    fn on_done(&self, callback: Box<dyn FnOnce()>) {
        if AnyFuture::done(self) {
            let _ = self.event_loop.schedule(Ready::Call(callback));
        } else {
            let mut callbacks = self.callbacks.take();
            callbacks.push(callback);
            self.callbacks.set(callbacks);
        }
    }

    fn error(&self) -> Option<Exception> {
        (self.state.get() == State::Cancelled).then(|| CancelledError::default().into())
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

/// `await fut` for a waiter: `Ok` once woken, `CancelledError` if it (or the task
/// awaiting it) was cancelled.
struct Awaiting {
    waiter: Waiter,
    registered: bool,
}

impl StdFuture for Awaiting {
    type Output = PyResult<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PyResult<()>> {
        let cell = &self.waiter.0;
        let pending = cell.state.get() == State::Pending;
        match current_id() {
            Some(id) => {
                // `check_cancelled`, on the loop the waiter belongs to (which is the
                // running one): a cancellation requested since the task's last await is
                // raised here. In the same look-up, on the first poll, the task starts
                // waiting on the waiter, as Python's `Task.__step` does with the future
                // it yielded (so that its `cancel()` cancels the waiter).
                let register = pending && !self.registered;
                let cancelled = cell.event_loop.with_native_task(id, |task| {
                    if task.take_cancellation() {
                        return true;
                    }
                    if register {
                        let inner: Pin<Rc<Inner>> = Pin::new(cell.clone());
                        let awaited: Awaited = inner;
                        task.wait_on(awaited);
                    }
                    false
                });
                if cancelled == Some(true) {
                    return Poll::Ready(Err(CancelledError::default().into()));
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
            State::Cancelled => Poll::Ready(Err(CancelledError::default().into())),
            State::Pending => {
                self.registered = true;
                Poll::Pending
            }
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
    spares: RefCell<Vec<Waiter>>,
}

impl Waiters {
    /// The line, to read.
    pub(crate) fn borrow(&self) -> Ref<'_, VecDeque<Waiter>> {
        self.line.borrow()
    }

    /// The line, to change.
    pub(crate) fn borrow_mut(&self) -> RefMut<'_, VecDeque<Waiter>> {
        self.line.borrow_mut()
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
                callbacks: Cell::default(),
                event_loop: event_loop.clone(),
            }))
        });
        self.line.borrow_mut().push_back(waiter.clone());
        Ok(waiter)
    }

    /// `self._waiters.remove(fut)`, if it is still there.
    fn remove(&self, waiter: &Waiter) {
        let mut line = self.line.borrow_mut();
        if line.front().is_some_and(|first| first.is(waiter)) {
            line.pop_front(); // the usual case: the first in line was woken
        } else if let Some(at) = line.iter().position(|w| w.is(waiter)) {
            line.remove(at);
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
            inner.callbacks.get_mut().clear();
            spares.push(waiter);
        }
    }
}

/// Awaits `waiter`, which has joined `waiters`, as asyncio's primitives do:
/// `try: await fut finally: waiters.remove(fut)`. If the wait ends without the waiter's
/// wake-up (a `CancelledError`, or this future dropped, which is Rust's cancellation),
/// `give_up(waiter)` runs after the removal, to pass on a wake-up the waiter was given.
pub(crate) async fn wait_in_line(
    waiters: &Waiters,
    waiter: Waiter,
    give_up: impl FnOnce(&Waiter),
) -> PyResult<()> {
    struct InLine<'a, F: FnOnce(&Waiter)> {
        waiters: &'a Waiters,
        waiter: Option<Waiter>,
        give_up: Option<F>,
    }
    impl<F: FnOnce(&Waiter)> Drop for InLine<'_, F> {
        fn drop(&mut self) {
            let Some(waiter) = self.waiter.take() else {
                return;
            };
            self.waiters.remove(&waiter);
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
            self.waiters.recycle(waiter);
        }
    }
    let mut line = InLine {
        waiters,
        waiter: Some(waiter.clone()),
        give_up: Some(give_up),
    };
    let result = Awaiting {
        waiter,
        registered: false,
    }
    .await;
    if result.is_ok() {
        line.give_up = None;
    }
    drop(line);
    result
}
