//! Toy loop, stage 1: a ready deque of generators, run round-robin.
//!
//! David Beazley's first scheduler ("A Curious Course on Coroutines and Concurrency"):
//! a task is a generator, `yield` is where it lets the others run, and the scheduler
//! is a queue. It takes the first task, runs it to its next `yield`, and puts it at the
//! back; a task that returns leaves the queue. Nothing else: no time, no waiting.
//! `python/toy/toy-loop-1-ready-deque.py` is the same loop in Python, and prints the
//! same trace (`tests/toy_loop.rs` checks both).
//!
//!     cargo run --example toy-loop-1-ready-deque
#![feature(coroutines)]

use std::collections::VecDeque;

use pycoro::prelude::*;

// ANCHOR: task
/// A task: counts down from `n`, letting the others run after each number.
fn countdown(out: Out, name: &'static str, n: u32) -> Generator<'static, ()> {
    Generator::new(
        #[coroutine]
        move |_| {
            for i in (1..=n).rev() {
                pyprint!(out, "{name}: {i}");
                yield_!()?; // let the others run
            }
            pyprint!(out, "{name}: liftoff");
            Ok(())
        },
    )
}
// ANCHOR_END: task

// ANCHOR: scheduler
/// The ready deque: every task that can run, in the order it will run.
struct Scheduler {
    ready: VecDeque<(&'static str, Generator<'static, ()>)>,
    out: Out,
}

impl Scheduler {
    fn spawn(&mut self, name: &'static str, task: Generator<'static, ()>) {
        self.ready.push_back((name, task));
    }

    fn run(&mut self) -> PyResult<()> {
        while let Some((name, task)) = self.ready.pop_front() {
            match task.next()? {
                // It yielded: it can run again, after everyone already waiting.
                Step::Yielded(()) => self.ready.push_back((name, task)),
                // It returned: it leaves the queue, and is dropped.
                Step::Returned(()) => pyprint!(self.out, "[loop] {name} is done"),
            }
        }
        pyprint!(self.out, "[loop] nothing left to run");
        Ok(())
    }
}
// ANCHOR_END: scheduler

// ANCHOR: main
/// Three countdowns of different lengths, interleaved.
pub fn run(out: &Out) -> PyResult<()> {
    let mut scheduler = Scheduler {
        ready: VecDeque::new(),
        out: out.clone(),
    };
    scheduler.spawn("a", countdown(out.clone(), "a", 3));
    scheduler.spawn("b", countdown(out.clone(), "b", 1));
    scheduler.spawn("c", countdown(out.clone(), "c", 2));
    scheduler.run()
}
// ANCHOR_END: main

fn main() -> PyResult<()> {
    run(&Out::stdout())
}
