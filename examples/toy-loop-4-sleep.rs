//! Toy loop, stage 4: `sleep`, and `yield from` carrying a future up to the task.
//!
//! Stage 3's loop, futures and tasks, unchanged, and two generators more. `wait` is
//! `Future.__iter__`: it yields the future until it is done, then returns its result.
//! `sleep(delay)` makes a future, sets a timer that will complete it, and delegates to
//! `wait` with `yield from`. A coroutine that does `yield from sleep(1)` therefore
//! yields, through two levels of delegation, the future `sleep` made: it travels up to
//! the task, which waits on it as on any future. asyncio 3.4's `sleep` is this.
//! `python/toy/toy-loop-4-sleep.py` is the same loop in Python.
//!
//!     cargo run --example toy-loop-4-sleep
#![feature(coroutines)]

use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::rc::Rc;

use pycoro::prelude::*;
use pycoro::yield_from;

type Callback = Box<dyn FnOnce()>;

// ANCHOR: loop
/// The event loop: a deque of callbacks ready to run, and a heap of timers.
#[derive(Clone)]
struct Loop(Rc<LoopInner>);

struct LoopInner {
    now: Cell<f64>,
    ready: RefCell<VecDeque<Callback>>,
    timers: RefCell<BinaryHeap<Timer>>,
    seq: Cell<u64>,
    out: Out,
}

impl Loop {
    fn new(out: &Out) -> Self {
        Loop(Rc::new(LoopInner {
            now: Cell::new(0.0),
            ready: RefCell::default(),
            timers: RefCell::default(),
            seq: Cell::new(0),
            out: out.clone(),
        }))
    }

    fn time(&self) -> f64 {
        self.0.now.get()
    }

    fn call_soon(&self, callback: impl FnOnce() + 'static) {
        self.0.ready.borrow_mut().push_back(Box::new(callback));
    }

    fn call_later(&self, delay: f64, callback: impl FnOnce() + 'static) {
        let seq = self.0.seq.get() + 1;
        self.0.seq.set(seq);
        self.0.timers.borrow_mut().push(Timer {
            when: self.time() + delay,
            seq,
            callback: Box::new(callback),
        });
    }

    /// Runs until no callback is ready and no timer is set.
    fn run(&self) {
        loop {
            if self.0.ready.borrow().is_empty() {
                let Some(first) = self.0.timers.borrow().peek().map(|t| t.when) else {
                    break;
                };
                pyprint!(self.0.out, "[loop] nothing ready: sleep until {first:.1}");
                self.0.now.set(first);
            }
            // The due timers' callbacks join the ready ones.
            loop {
                let mut timers = self.0.timers.borrow_mut();
                if !timers.peek().is_some_and(|t| t.when <= self.time()) {
                    break;
                }
                let timer = timers.pop().expect("peeked");
                self.0.ready.borrow_mut().push_back(timer.callback);
            }
            // One pass: the callbacks that are ready now, and not those they schedule.
            let ready_now = self.0.ready.borrow().len();
            for _ in 0..ready_now {
                let callback = self.0.ready.borrow_mut().pop_front().expect("counted");
                callback();
            }
        }
    }
}
// ANCHOR_END: loop

/// A callback due at `when`; `seq` keeps timers due together in the order they were set.
struct Timer {
    when: f64,
    seq: u64,
    callback: Callback,
}

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

// ANCHOR: future
/// A result that is not there yet, and the callbacks waiting for it.
struct Future<T>(Rc<FutureInner<T>>);

struct FutureInner<T> {
    event_loop: Loop,
    result: RefCell<Option<T>>,
    callbacks: RefCell<Vec<Callback>>,
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future(self.0.clone())
    }
}

impl<T: Clone + 'static> Future<T> {
    fn new(event_loop: &Loop) -> Self {
        Future(Rc::new(FutureInner {
            event_loop: event_loop.clone(),
            result: RefCell::new(None),
            callbacks: RefCell::default(),
        }))
    }

    fn done(&self) -> bool {
        self.0.result.borrow().is_some()
    }

    fn result(&self) -> T {
        self.0
            .result
            .borrow()
            .clone()
            .expect("the future is not done")
    }

    /// Done: every waiting callback is scheduled, to run on the loop's next pass.
    fn set_result(&self, value: T) {
        *self.0.result.borrow_mut() = Some(value);
        for callback in self.0.callbacks.take() {
            self.0.event_loop.call_soon(callback);
        }
    }

    /// What a generator yields: the future, seen as something one can wait for.
    fn waitable(&self) -> Rc<dyn Waitable> {
        self.0.clone()
    }
}

/// What a task needs of a yielded future: somewhere to put its next step.
trait Waitable {
    fn add_done_callback(&self, callback: Callback);
}

impl<T> Waitable for FutureInner<T> {
    fn add_done_callback(&self, callback: Callback) {
        if self.result.borrow().is_some() {
            self.event_loop.call_soon(callback);
        } else {
            self.callbacks.borrow_mut().push(callback);
        }
    }
}
// ANCHOR_END: future

// ANCHOR: task
/// A generator-based coroutine: it yields the futures it waits for.
type Coroutine = Generator<'static, Rc<dyn Waitable>>;

/// Drives a coroutine: each step sends it on to its next `yield` of a future.
#[derive(Clone)]
struct Task(Rc<TaskInner>);

struct TaskInner {
    name: &'static str,
    coro: Coroutine,
    event_loop: Loop,
}

impl Task {
    fn new(event_loop: &Loop, name: &'static str, coro: Coroutine) -> Task {
        let task = Task(Rc::new(TaskInner {
            name,
            coro,
            event_loop: event_loop.clone(),
        }));
        let first = task.clone();
        event_loop.call_soon(move || first.step()); // the first step runs on the next pass
        task
    }

    /// `Task._step`: send the coroutine on; when it yields a future, the next step
    /// becomes one of that future's done callbacks.
    fn step(&self) {
        let TaskInner {
            name,
            coro,
            event_loop,
        } = &*self.0;
        pyprint!(
            event_loop.0.out,
            "{:.1} [task] step {name}",
            event_loop.time()
        );
        match coro.next() {
            Ok(Step::Yielded(future)) => {
                let task = self.clone();
                future.add_done_callback(Box::new(move || task.step()));
            }
            Ok(Step::Returned(())) => {
                pyprint!(
                    event_loop.0.out,
                    "{:.1} [task] {name} returned",
                    event_loop.time()
                );
            }
            Err(e) => pyprint!(event_loop.0.out, "[task] {name} raised {e}"),
        }
    }
}
// ANCHOR_END: task

// ANCHOR: sleep
/// `Future.__iter__` (`yield from future`): yields the future until it is done, then
/// returns its result. A future that is already done does not suspend at all.
fn wait<T: Clone + Default + 'static>(
    future: Future<T>,
) -> Generator<'static, Rc<dyn Waitable>, (), T> {
    Generator::new(
        #[coroutine]
        move |_| {
            if !future.done() {
                yield_!(future.waitable())?; // up through every `yield from`, to the task
            }
            Ok(future.result())
        },
    )
}

/// asyncio 3.4's `sleep`: a future, a timer that completes it, and `yield from` it.
fn sleep(event_loop: &Loop, delay: f64) -> Coroutine {
    let event_loop = event_loop.clone();
    Generator::new(
        #[coroutine]
        move |_| {
            let future = Future::new(&event_loop);
            let done = future.clone();
            event_loop.call_later(delay, move || done.set_result(()));
            yield_from!(wait(future))
        },
    )
}
// ANCHOR_END: sleep

// ANCHOR: main
/// Two workers sleep in turns; the loop interleaves them by their timers.
pub fn run(out: &Out) -> PyResult<()> {
    let event_loop = Loop::new(out);
    let worker = |name: &'static str, delay: f64| -> Coroutine {
        let (out, event_loop) = (out.clone(), event_loop.clone());
        Generator::new(
            #[coroutine]
            move |_| {
                pyprint!(out, "{:.1} {name}: start", event_loop.time());
                yield_from!(sleep(&event_loop, delay))?;
                pyprint!(out, "{:.1} {name}: slept {delay:.1}", event_loop.time());
                yield_from!(sleep(&event_loop, delay))?;
                pyprint!(
                    out,
                    "{:.1} {name}: slept {delay:.1} again",
                    event_loop.time()
                );
                Ok(())
            },
        )
    };
    Task::new(&event_loop, "a", worker("a", 1.0));
    Task::new(&event_loop, "b", worker("b", 0.5));
    event_loop.run();
    Ok(())
}
// ANCHOR_END: main

fn main() -> PyResult<()> {
    run(&Out::stdout())
}
