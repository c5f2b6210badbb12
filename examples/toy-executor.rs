//! A toy executor, in the manner of the Tokio tutorial's mini-tokio: what a `Waker`, a
//! `Context` and a `Pin` are for, in one file.
//!
//! A task is a pinned, boxed `async` block. The executor polls a task when the task's
//! id is in its run queue, and a task's `Waker` does one thing: put that id back in the
//! queue. So a future that returns `Pending` must first hand its task's waker to
//! whatever will complete it: here a timer, or another task. Nothing is polled in
//! vain, and nothing is forgotten. Where mini-tokio sleeps on threads and a channel,
//! this one runs on one thread and a virtual clock, so its trace is exact
//! (`tests/by_hand.rs` keeps it).
//!
//!     cargo run --example toy-executor

use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use pycoro::{pyprint, trace::Out};

// ANCHOR: waker
/// The run queue: the ids of the tasks to poll. Wakers must be `Send` and `Sync` (a
/// waker may be sent to another thread), so the queue is behind an `Arc<Mutex>`.
type RunQueue = Arc<Mutex<VecDeque<usize>>>;

/// A task's waker: waking it queues the task to be polled again.
struct TaskWaker {
    id: usize,
    queue: RunQueue,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(self.id);
    }
}
// ANCHOR_END: waker

// ANCHOR: executor
/// An `async` block, boxed and pinned: its state machine may point into itself once
/// it has run, so it must stay where it is; the box keeps it in one place.
type Task = Pin<Box<dyn Future<Output = ()>>>;

struct Executor {
    tasks: Vec<Option<(&'static str, Task, Waker)>>,
    queue: RunQueue,
    timers: Timers,
    out: Out,
}

impl Executor {
    fn spawn(&mut self, name: &'static str, task: impl Future<Output = ()> + 'static) {
        let id = self.tasks.len();
        let waker = Waker::from(Arc::new(TaskWaker {
            id,
            queue: self.queue.clone(),
        }));
        self.tasks.push(Some((name, Box::pin(task), waker.clone())));
        waker.wake(); // to be polled once, to start it
    }

    fn run(&mut self) {
        loop {
            let next = self
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop_front();
            let Some(id) = next else {
                // Nothing to poll: the next timer (on a virtual clock, at once).
                let Some(waker) = self.timers.next_due() else {
                    break;
                };
                let now = self.timers.now();
                pyprint!(
                    self.out,
                    "[executor] nothing to poll: the clock jumps to {now:.1}"
                );
                waker.wake(); // the timer's task: back in the queue

                continue;
            };
            let Some((name, task, waker)) = &mut self.tasks[id] else {
                continue; // woken after it finished: nothing to do
            };
            // The `Context` carries the task's waker down to the future that will
            // return `Pending`, however deep in the task's awaits it is.
            let mut cx = Context::from_waker(waker);
            pyprint!(self.out, "[executor] poll {name}");
            match task.as_mut().poll(&mut cx) {
                Poll::Pending => pyprint!(self.out, "[executor] {name}: Pending"),
                Poll::Ready(()) => {
                    pyprint!(self.out, "[executor] {name}: Ready");
                    self.tasks[id] = None;
                }
            }
        }
        pyprint!(self.out, "[executor] no task left to poll");
    }
}
// ANCHOR_END: executor

// ANCHOR: sleep
/// The executor's timers, on a virtual clock.
#[derive(Clone, Default)]
struct Timers(Rc<TimersInner>);

#[derive(Default)]
struct TimersInner {
    now: Cell<f64>,
    heap: RefCell<BinaryHeap<Timer>>,
    seq: Cell<u64>,
}

impl Timers {
    fn now(&self) -> f64 {
        self.0.now.get()
    }

    /// Takes the earliest timer off the heap and moves the clock to it.
    fn next_due(&self) -> Option<Waker> {
        let timer = self.0.heap.borrow_mut().pop()?;
        self.0.now.set(self.now().max(timer.when));
        Some(timer.waker)
    }

    /// A future that is ready `delay` seconds from now.
    fn sleep(&self, delay: f64) -> Sleep {
        Sleep {
            timers: self.clone(),
            until: self.now() + delay,
            registered: false,
        }
    }
}

struct Sleep {
    timers: Timers,
    until: f64,
    registered: bool,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.timers.now() >= self.until {
            return Poll::Ready(());
        }
        if !self.registered {
            // Pending, so first leave the waker where the timer will find it.
            // (A future polled by several tasks would keep the latest waker.)
            let seq = self.timers.0.seq.get() + 1;
            self.timers.0.seq.set(seq);
            self.timers.0.heap.borrow_mut().push(Timer {
                when: self.until,
                seq,
                waker: cx.waker().clone(),
            });
            self.registered = true;
        }
        Poll::Pending
    }
}
// ANCHOR_END: sleep

struct Timer {
    when: f64,
    seq: u64,
    waker: Waker,
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

// ANCHOR: signal
/// A value one task sets and another awaits: the waker is how the setter reaches the
/// task that waits.
#[derive(Clone, Default)]
struct Signal(Rc<RefCell<(Option<&'static str>, Option<Waker>)>>);

impl Signal {
    fn set(&self, value: &'static str) {
        let mut slot = self.0.borrow_mut();
        slot.0 = Some(value);
        if let Some(waker) = slot.1.take() {
            waker.wake();
        }
    }
}

impl Future for Signal {
    type Output = &'static str;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'static str> {
        let mut slot = self.0.borrow_mut();
        match slot.0 {
            Some(value) => Poll::Ready(value),
            None => {
                slot.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
// ANCHOR_END: signal

// ANCHOR: main
/// A waiter awaits a signal that a setter sets after a sleep, while a ticker ticks.
pub fn run(out: &Out) {
    let timers = Timers::default();
    let mut executor = Executor {
        tasks: Vec::new(),
        queue: RunQueue::default(),
        timers: timers.clone(),
        out: out.clone(),
    };
    let signal = Signal::default();

    let (o, s) = (out.clone(), signal.clone());
    executor.spawn("waiter", async move {
        pyprint!(o, "waiter: await the signal");
        let value = s.await;
        pyprint!(o, "waiter: the signal says {value}");
    });
    let (o, t) = (out.clone(), timers.clone());
    executor.spawn("setter", async move {
        t.sleep(1.0).await;
        pyprint!(o, "setter: set the signal");
        signal.set("go");
    });
    let (o, t) = (out.clone(), timers);
    executor.spawn("ticker", async move {
        for i in 1..=3 {
            pyprint!(o, "ticker: tick {i}");
            t.sleep(0.4).await;
        }
    });
    executor.run();
}
// ANCHOR_END: main

fn main() {
    run(&Out::stdout());
}
