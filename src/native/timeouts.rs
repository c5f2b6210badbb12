//! `asyncio.timeout()` and `timeout_at()` (Python 3.11's `asyncio/timeouts.py`): a deadline
//! around a block of code, which cancels the task when it passes and turns the
//! `CancelledError` into `TimeoutError` as the block ends.
//!
//! Book: chapter "Generation 3: async/await", section "Timeouts".

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future as StdFuture;
use std::rc::Rc;

use super::task::{TaskRef, current_task};
use crate::event_loop::{Handle, get_running_loop};
use crate::exceptions::{CancelledError, PyResult, Raise, RuntimeError, TimeoutError};
use crate::trace::PyRepr;

/// `asyncio.timeout(delay)`: a [`Timeout`] `delay` seconds from now on the running loop's
/// clock (`None`: no deadline, until [`Timeout::reschedule`] sets one).
///
/// ```
/// use pycoro::prelude::native::*;
/// use pycoro::native::timeout;
///
/// // async with asyncio.timeout(1):
/// //     await asyncio.sleep(10)
/// let error = run_with_clock(async {
///     timeout(Some(1.0))?.run(sleep(10.0)).await
/// }, Clock::new_virtual()).unwrap_err();
/// assert!(error.is::<TimeoutError>());
/// ```
pub fn timeout(delay: Option<f64>) -> PyResult<Timeout> {
    let now = get_running_loop()?.time();
    Ok(timeout_at(delay.map(|delay| now + delay)))
}

/// `asyncio.timeout_at(when)`: a [`Timeout`] at `when` on the loop's clock.
pub fn timeout_at(when: Option<f64>) -> Timeout {
    Timeout(Rc::new(Inner {
        state: Cell::new(State::Created),
        when: Cell::new(when),
        handle: RefCell::new(None),
        task: RefCell::new(None),
        cancelling: Cell::new(0),
    }))
}

/// The context manager `asyncio.timeout()` returns; [`run`](Self::run) is its `async with`.
/// Clones share it, so the block can reschedule the deadline it runs under.
#[derive(Clone)]
pub struct Timeout(Rc<Inner>);

struct Inner {
    state: Cell<State>,
    when: Cell<Option<f64>>,
    handle: RefCell<Option<Handle>>,
    task: RefCell<Option<TaskRef>>,
    /// The task's `cancelling()` on entry: requests beyond it are not the timeout's.
    cancelling: Cell<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Created,
    Entered,
    Expiring,
    Expired,
    Exited,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Created => "created",
            State::Entered => "active",
            State::Expiring => "expiring",
            State::Expired => "expired",
            State::Exited => "finished",
        }
    }
}

impl Timeout {
    /// `cm.when()`: the deadline, on the loop's clock.
    pub fn when(&self) -> Option<f64> {
        self.0.when.get()
    }

    /// `cm.expired()`: the deadline passed and the block was (or is being) cancelled.
    pub fn expired(&self) -> bool {
        matches!(self.0.state.get(), State::Expiring | State::Expired)
    }

    /// `cm.reschedule(when)`: a new deadline (`None`: none), from inside the block.
    pub fn reschedule(&self, when: Option<f64>) -> PyResult<()> {
        match self.0.state.get() {
            State::Entered => {}
            State::Created => return Err(RuntimeError::new("Timeout has not been entered").into()),
            state => {
                return Err(RuntimeError::new(format!(
                    "Cannot change state of {} Timeout",
                    state.name()
                ))
                .into());
            }
        }
        self.0.when.set(when);
        if let Some(handle) = self.0.handle.take() {
            handle.cancel();
        }
        if let Some(when) = when {
            let event_loop = get_running_loop()?;
            let expire = self.clone();
            let on_timeout = move || expire.on_timeout();
            let handle = if when <= event_loop.time() {
                event_loop.call_soon(on_timeout)?
            } else {
                event_loop.call_at(when, on_timeout)?
            };
            *self.0.handle.borrow_mut() = Some(handle);
        }
        Ok(())
    }

    // ANCHOR: run
    /// `async with cm: body`: runs `body` under the deadline. When the deadline passes,
    /// the task is cancelled; if the block then ends with that `CancelledError`, and no
    /// other cancellation came meanwhile, it becomes `TimeoutError`.
    pub async fn run<T>(&self, body: impl StdFuture<Output = PyResult<T>>) -> PyResult<T> {
        // __aenter__
        if self.0.state.get() != State::Created {
            return Err(RuntimeError::new("Timeout has already been entered").into());
        }
        let task = current_task()
            .ok_or_else(|| RuntimeError::new("Timeout should be used inside a task"))?;
        self.0.state.set(State::Entered);
        self.0.cancelling.set(task.cancelling());
        *self.0.task.borrow_mut() = Some(task);
        self.reschedule(self.when())?;
        let outcome = body.await;
        // __aexit__
        if let Some(handle) = self.0.handle.take() {
            handle.cancel();
        }
        let task = self.0.task.take().expect("entered");
        match self.0.state.get() {
            State::Expiring => {
                self.0.state.set(State::Expired);
                // The timeout's request is taken back whatever the block raised, as
                // `__aexit__` does; only a block that ends with it, and no request made
                // since entry, gets `TimeoutError`, chained as `raise ... from exc_val`.
                if task.uncancel() <= self.0.cancelling.get() {
                    return match outcome {
                        Err(e) if e.is::<CancelledError>() => {
                            Err(TimeoutError::default().raise_from(e))
                        }
                        other => other,
                    };
                }
            }
            State::Entered => self.0.state.set(State::Exited),
            _ => {}
        }
        outcome
    }
    // ANCHOR_END: run

    fn on_timeout(&self) {
        if let Some(task) = &*self.0.task.borrow() {
            task.cancel();
        }
        self.0.state.set(State::Expiring);
        self.0.handle.take();
    }
}

/// `repr(cm)`: `<Timeout [active] when=10.0>`, as Python 3.11 prints it.
impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.0.state.get();
        write!(f, "<Timeout [{}]", state.name())?;
        if state == State::Entered {
            match self.when() {
                Some(when) => write!(f, " when={}", round3(when).py_repr())?,
                None => f.write_str(" when=None")?,
            }
        }
        f.write_str(">")
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
