//! What the generator rule tests share: a log that generator bodies write to, so a
//! test can say exactly which lines of a body ran.
#![allow(dead_code)] // each test crate uses part of it

use std::cell::RefCell;
use std::rc::Rc;

/// A shared list of events, cheap to clone into a generator body.
#[derive(Clone, Default)]
pub struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn push(&self, event: impl Into<String>) {
        self.0.borrow_mut().push(event.into());
    }

    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}

/// Runs its closure when dropped: a Rust `finally`.
pub struct Finally<F: FnMut()>(pub F);

impl<F: FnMut()> Drop for Finally<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}
