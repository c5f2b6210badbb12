//! Exercise 07: give the toy loop `call_later`: a heap of timers, and a `run` that
//! moves the clock to the first deadline when nothing is ready. Check yourself with
//! `cargo run -- exercises 07 start`.

use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::rc::Rc;

use pycoro::prelude::*;

type Callback = Box<dyn FnOnce()>;

/// The toy loop of the book's Generation 2, stage 3: callbacks ready now, and timers.
#[derive(Clone, Default)]
struct Loop(Rc<LoopInner>);

#[derive(Default)]
struct LoopInner {
    now: Cell<f64>,
    ready: RefCell<VecDeque<Callback>>,
    timers: RefCell<BinaryHeap<Timer>>,
    seq: Cell<u64>,
}

/// A callback due at `when`; `seq` keeps timers due together in the order they were set.
struct Timer {
    when: f64,
    seq: u64,
    callback: Callback,
}

// The earliest deadline is the greatest, for `BinaryHeap`, which pops the greatest.
impl Ord for Timer {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.when.total_cmp(&self.when)).then(other.seq.cmp(&self.seq))
    }
}

impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Timer {}

impl Loop {
    fn time(&self) -> f64 {
        self.0.now.get()
    }

    fn call_soon(&self, callback: impl FnOnce() + 'static) {
        self.0.ready.borrow_mut().push_back(Box::new(callback));
    }

    /// Runs `callback` `delay` seconds from now, after the timers due at the same time
    /// that were set before it.
    fn call_later(&self, delay: f64, callback: impl FnOnce() + 'static) {
        todo!("push a Timer on the heap")
    }

    /// Runs until no callback is ready and no timer is set.
    fn run(&self) {
        loop {
            if self.0.ready.borrow().is_empty() {
                // Nothing is ready: move the clock to the first deadline, or stop if no
                // timer is set either.
                break;
            }
            // Move the timers that are due into the ready deque.

            // One pass: the callbacks ready now, not those they schedule.
            let ready_now = self.0.ready.borrow().len();
            for _ in 0..ready_now {
                let callback = self.0.ready.borrow_mut().pop_front().expect("counted");
                callback();
            }
        }
    }
}

/// A callback that prints the time and `what`.
fn say(out: &Out, event_loop: &Loop, what: &'static str) -> impl FnOnce() + 'static {
    let (out, event_loop) = (out.clone(), event_loop.clone());
    move || pyprint!(out, "{:.1} {what}", event_loop.time())
}

/// Six callbacks, soon and later; one of them schedules a seventh.
pub fn run(out: &Out, _clock: &Clock) -> PyResult<()> {
    let event_loop = Loop::default();
    let then_later = {
        let (out, event_loop) = (out.clone(), event_loop.clone());
        move || {
            let now = event_loop.time();
            pyprint!(out, "{now:.1} half a second in: one more, half a second later");
            let callback = say(&out, &event_loop, "scheduled at 0.5, due at 1.0");
            event_loop.call_later(0.5, callback);
        }
    };
    event_loop.call_later(1.0, say(out, &event_loop, "due at 1.0, scheduled first"));
    event_loop.call_later(0.5, then_later);
    event_loop.call_soon(say(out, &event_loop, "soon"));
    event_loop.call_later(1.0, say(out, &event_loop, "due at 1.0, scheduled second"));
    event_loop.call_later(0.0, say(out, &event_loop, "later, after no delay"));
    event_loop.call_soon(say(out, &event_loop, "soon again"));
    event_loop.run();
    pyprint!(out, "{:.1} nothing left", event_loop.time());
    Ok(())
}
