//! Toy loop, stage 3: a loop of callbacks, futures, and a task that steps a generator.
//!
//! Stages 1 and 2 resumed generators themselves. asyncio's loop does not know what a
//! generator is: it runs *callbacks*, now (`call_soon`) or later (`call_later`, the
//! timers of stage 2). Two small classes connect it to coroutines. A `Future` is a
//! result that is not there yet, with callbacks to call when it is. A `Task` steps a
//! generator: it sends it on, and when the generator yields a future, the task adds its
//! own next step to that future's done callbacks. The generator sleeps until the future
//! is done, and nothing in the loop ever waits for it.
//! `python/toy/toy-loop-3-future-task.py` is the same loop in Python.
//!
//!     cargo run --example toy-loop-3-future-task
#![feature(coroutines)]

use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::rc::Rc;

use pycoro::prelude::*;

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

// ANCHOR: main
/// Two coroutines wait for one future, which a timer sets a second later.
pub fn run(out: &Out) -> PyResult<()> {
    let event_loop = Loop::new(out);
    let future: Future<i32> = Future::new(&event_loop);

    let waiter = |name: &'static str| -> Coroutine {
        let (out, event_loop, future) = (out.clone(), event_loop.clone(), future.clone());
        Generator::new(
            #[coroutine]
            move |_| {
                pyprint!(
                    out,
                    "{:.1} {name}: waiting for the future",
                    event_loop.time()
                );
                yield_!(future.waitable())?; // suspended until the future is done
                let result = future.result();
                pyprint!(
                    out,
                    "{:.1} {name}: the future says {result}",
                    event_loop.time()
                );
                Ok(())
            },
        )
    };
    Task::new(&event_loop, "w1", waiter("w1"));
    Task::new(&event_loop, "w2", waiter("w2"));

    let (timer_out, timer_loop) = (out.clone(), event_loop.clone());
    event_loop.call_later(1.0, move || {
        pyprint!(timer_out, "{:.1} timer: set_result(42)", timer_loop.time());
        future.set_result(42);
    });
    event_loop.run();
    Ok(())
}
// ANCHOR_END: main

fn main() -> PyResult<()> {
    run(&Out::stdout())
}
