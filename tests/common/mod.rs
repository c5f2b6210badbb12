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

/// What the unraisable hook reports while `f` runs (`sys.unraisablehook`), and `f`'s value.
pub fn unraisable_reports<T>(f: impl FnOnce() -> T) -> (Vec<String>, T) {
    let reports = Rc::new(RefCell::new(Vec::new()));
    let sink = reports.clone();
    let previous = pycoro::exceptions::set_unraisable_hook(Some(Box::new(move |u| {
        sink.borrow_mut().push(u.to_string())
    })));
    let value = f();
    pycoro::exceptions::set_unraisable_hook(previous);
    (reports.take(), value)
}

/// A small deterministic generator (xorshift64): the same "random" run every time.
pub fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}
