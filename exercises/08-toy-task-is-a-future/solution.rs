//! Exercise 08, a solution: the toy loop's `Task` is a future, so a coroutine can wait
//! for a task and get its result.

use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::rc::Rc;

use pycoro::prelude::*;
use pycoro::yield_from;

type Callback = Box<dyn FnOnce()>;

/// The event loop: a deque of callbacks ready to run, and a heap of timers.
#[derive(Clone)]
struct Loop(Rc<LoopInner>);

struct LoopInner {
    now: Cell<f64>,
    ready: RefCell<VecDeque<Callback>>,
    timers: RefCell<BinaryHeap<Timer>>,
    seq: Cell<u64>,
}

impl Loop {
    fn new() -> Self {
        Loop(Rc::new(LoopInner {
            now: Cell::new(0.0),
            ready: RefCell::default(),
            timers: RefCell::default(),
            seq: Cell::new(0),
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

/// A generator-based coroutine: it yields the futures it waits for, and returns a `T`.
type Coroutine<T = ()> = Generator<'static, Rc<dyn Waitable>, (), T>;

// ANCHOR: task
/// Drives a coroutine, and is a future: its result is the coroutine's return value.
struct Task(Rc<TaskInner>);

struct TaskInner {
    name: &'static str,
    coro: Coroutine<i32>,
    future: Future<i32>,
    out: Out,
}

impl Clone for Task {
    fn clone(&self) -> Self {
        Task(self.0.clone())
    }
}

impl Task {
    fn new(out: &Out, event_loop: &Loop, name: &'static str, coro: Coroutine<i32>) -> Task {
        let task = Task(Rc::new(TaskInner {
            name,
            coro,
            future: Future::new(event_loop),
            out: out.clone(),
        }));
        let first = task.clone();
        event_loop.call_soon(move || first.step());
        task
    }

    /// `yield from task`: the task waited for as the future it is.
    fn wait(&self) -> Coroutine<i32> {
        wait(self.0.future.clone())
    }

    fn step(&self) {
        let TaskInner {
            name,
            coro,
            future,
            out,
        } = &*self.0;
        match coro.next() {
            Ok(Step::Yielded(waited)) => {
                let task = self.clone();
                waited.add_done_callback(Box::new(move || task.step()));
            }
            Ok(Step::Returned(value)) => {
                let now = future.0.event_loop.time();
                pyprint!(out, "{now:.1} [task] {name} returned {value}");
                future.set_result(value); // whoever waits for the task goes on
            }
            Err(e) => pyprint!(out, "[task] {name} raised {e}"),
        }
    }
}
// ANCHOR_END: task

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

fn compute(out: Out, event_loop: Loop, name: &'static str, delay: f64, value: i32) -> Coroutine<i32> {
    Generator::new(
        #[coroutine]
        move |_| {
            pyprint!(out, "{:.1} {name}: start", event_loop.time());
            yield_from!(sleep(&event_loop, delay))?;
            Ok(value)
        },
    )
}

/// `main` starts two tasks and waits for each; the second is done by then.
pub fn run(out: &Out, _clock: &Clock) -> PyResult<()> {
    let event_loop = Loop::new();
    let (o, lp) = (out.clone(), event_loop.clone());
    let main = Generator::new(
        #[coroutine]
        move |_| {
            let one = Task::new(&o, &lp, "one", compute(o.clone(), lp.clone(), "one", 1.0, 10));
            let two = Task::new(&o, &lp, "two", compute(o.clone(), lp.clone(), "two", 0.5, 32));
            let a = yield_from!(one.wait())?;
            pyprint!(o, "{:.1} main: one gave {a}", lp.time());
            let b = yield_from!(two.wait())?; // done already: no suspension
            pyprint!(o, "{:.1} main: two gave {b}", lp.time());
            Ok(a + b)
        },
    );
    Task::new(out, &event_loop, "main", main);
    event_loop.run();
    Ok(())
}
