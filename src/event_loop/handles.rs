//! [`Handle`]: a scheduled callback, which can be cancelled (asyncio's `events.Handle`
//! and `TimerHandle`).

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use super::executor::catch_panic;
use crate::exceptions::write_unraisable;

pub(crate) fn run_reporting_panics(callback: Box<dyn FnOnce()>) {
    if let Err(e) = catch_panic(|| {
        callback();
        Ok(())
    }) {
        write_unraisable("Exception in callback", "<Handle>", &e);
    }
}

/// A scheduled callback (`asyncio.Handle` / `TimerHandle`): it can be cancelled.
#[derive(Clone)]
pub struct Handle(Rc<HandleInner>);

// One `Cell` and no flag beside it: a handle is then 40 bytes with its counts, which
// the allocator serves from its 48-byte class instead of the 64-byte one.
struct HandleInner(Cell<HandleState>);

enum HandleState {
    /// The callback it runs.
    Scheduled(Box<dyn FnOnce()>),
    Ran,
    Cancelled,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.cancelled() {
            "cancelled"
        } else {
            "scheduled"
        };
        write!(f, "<Handle {state}>")
    }
}

impl Handle {
    pub(crate) fn new(callback: Box<dyn FnOnce()>) -> Self {
        Self(Rc::new(HandleInner(Cell::new(HandleState::Scheduled(
            callback,
        )))))
    }

    /// `handle.cancel()`: the callback will not run. What it holds is released now,
    /// not when it comes due.
    pub fn cancel(&self) {
        self.0.0.set(HandleState::Cancelled); // even after it ran, as asyncio's
    }

    /// Whether its state is the one `is` picks out, read without a borrow flag.
    fn is(&self, is: fn(&HandleState) -> bool) -> bool {
        let state = self.0.0.replace(HandleState::Ran);
        let answer = is(&state);
        self.0.0.set(state);
        answer
    }

    /// It has run (it is neither waiting nor cancelled).
    pub(crate) fn has_run(&self) -> bool {
        self.is(|state| matches!(state, HandleState::Ran))
    }

    /// `handle.cancelled()`.
    pub fn cancelled(&self) -> bool {
        self.is(|state| matches!(state, HandleState::Cancelled))
    }

    pub(crate) fn run(&self) {
        let state = self.0.0.replace(HandleState::Ran);
        let HandleState::Scheduled(callback) = state else {
            return self.0.0.set(state); // cancelled, or run already: it stays so
        };
        run_reporting_panics(callback);
    }
}
