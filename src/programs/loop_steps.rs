//! loop-steps: document 001's Future, Task and EventLoop, made visible.
//!
//! Not a program of the documents: s003-01-tasks-concurrent run on a loop whose trace
//! mode is on, so each step the loop takes is printed between the program's own lines.
//! `cargo run --example loop-steps`.

use crate::clock::Clock;
use crate::event_loop::EventLoop;
use crate::exceptions::PyResult;
use crate::trace::Out;

// ANCHOR: program
/// Runs s003-01 with the loop's trace printed to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    let event_loop = EventLoop::new(clock.clone());
    event_loop.set_trace(Some(out.clone()));
    event_loop.run_until_complete(super::s003_01_tasks_concurrent::main(out.clone()))?;
    event_loop.close()
}
// ANCHOR_END: program
