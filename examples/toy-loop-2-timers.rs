//! Toy loop, stage 2: timers in a heap.
//!
//! Stage 1's tasks could only let the others run. Here a task can also ask to sleep:
//! it yields a delay. `0.0` means "put me back in the ready deque", anything more
//! means "wake me up that much later", and the scheduler keeps those tasks in a
//! min-heap ordered by deadline, as asyncio keeps its timers (`heapq`). When no task is
//! ready, the scheduler sleeps until the first deadline. The clock is virtual: it jumps
//! there at once, so the trace is exact and the program never waits.
//! `python/toy/toy-loop-2-timers.py` is the same loop in Python.
//!
//!     cargo run --example toy-loop-2-timers
#![feature(coroutines)]

use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::rc::Rc;

use pycoro::prelude::*;

/// The scheduler's virtual clock, in seconds, shared with the tasks that print it.
#[derive(Clone, Default)]
struct Now(Rc<Cell<f64>>);

impl Now {
    fn get(&self) -> f64 {
        self.0.get()
    }
}

/// A task yields how long it wants to sleep: `0.0` to let the others run.
type Task = Generator<'static, f64>;

// ANCHOR: task
/// Ticks `times` times, sleeping `period` seconds after each tick.
fn ticker(out: Out, now: Now, name: &'static str, period: f64, times: u32) -> Task {
    Generator::new(
        #[coroutine]
        move |_| {
            for i in 1..=times {
                pyprint!(out, "{:.1} {name}: tick {i}", now.get());
                yield_!(period)?; // sleep(period)
            }
            pyprint!(out, "{:.1} {name}: done", now.get());
            Ok(())
        },
    )
}
// ANCHOR_END: task

// ANCHOR: timer
/// A sleeping task, due at `when`. `seq` numbers the timers in the order they were
/// set, so that two due at the same time wake in that order.
struct Timer {
    when: f64,
    seq: u64,
    name: &'static str,
    task: Task,
}

// `BinaryHeap` pops the greatest element: the order is reversed, so that the earliest
// deadline (and among equal deadlines, the first timer set) is the greatest.
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
// ANCHOR_END: timer

// ANCHOR: scheduler
struct Scheduler {
    ready: VecDeque<(&'static str, Task)>,
    timers: BinaryHeap<Timer>,
    seq: u64,
    now: Now,
    out: Out,
}

impl Scheduler {
    fn spawn(&mut self, name: &'static str, task: Task) {
        self.ready.push_back((name, task));
    }

    fn run(&mut self) -> PyResult<()> {
        loop {
            if self.ready.is_empty() {
                // Nothing can run: sleep until the first deadline (on a virtual clock,
                // jump to it), or stop if nobody is sleeping either.
                let Some(first) = self.timers.peek() else {
                    break;
                };
                pyprint!(
                    self.out,
                    "[loop] nothing ready: sleep until {:.1}",
                    first.when
                );
                self.now.0.set(first.when);
            }
            // Every timer that is due wakes its task: into the ready deque.
            while self.timers.peek().is_some_and(|t| t.when <= self.now.get()) {
                let Timer { name, task, .. } = self.timers.pop().expect("peeked");
                self.ready.push_back((name, task));
            }
            let Some((name, task)) = self.ready.pop_front() else {
                continue;
            };
            match task.next()? {
                Step::Yielded(delay) if delay > 0.0 => {
                    self.seq += 1;
                    self.timers.push(Timer {
                        when: self.now.get() + delay,
                        seq: self.seq,
                        name,
                        task,
                    });
                }
                Step::Yielded(_) => self.ready.push_back((name, task)),
                Step::Returned(()) => {}
            }
        }
        pyprint!(self.out, "[loop] nothing left to run");
        Ok(())
    }
}
// ANCHOR_END: scheduler

// ANCHOR: main
/// A fast ticker and a slow one: at 1.0 both are due, and the one that went to sleep
/// first wakes first.
pub fn run(out: &Out) -> PyResult<()> {
    let now = Now::default();
    let mut scheduler = Scheduler {
        ready: VecDeque::new(),
        timers: BinaryHeap::new(),
        seq: 0,
        now: now.clone(),
        out: out.clone(),
    };
    scheduler.spawn("fast", ticker(out.clone(), now.clone(), "fast", 0.5, 3));
    scheduler.spawn("slow", ticker(out.clone(), now.clone(), "slow", 1.0, 2));
    scheduler.run()
}
// ANCHOR_END: main

fn main() -> PyResult<()> {
    run(&Out::stdout())
}
