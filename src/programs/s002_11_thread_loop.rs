//! s002-11-thread-loop: a loop running forever in another thread, fed with
//! `call_soon_threadsafe`. The main thread is not blocked; the two blocking jobs run one
//! after the other in the loop's thread (6 s, then 3 s).
//!
//! As written, the document's program never exits (the loop thread runs forever); both
//! versions add `call_soon_threadsafe(loop.stop)` and `join()` at the end.

use crate::clock::Clock;
use crate::exceptions::PyResult;
use crate::native::LoopThread;
use crate::pyprint;
use crate::trace::Out;

// ANCHOR: program
fn more_work(out: &Out, clock: &Clock, x: u64) {
    pyprint!(out, "More work {x}");
    clock.sleep(x as f64); // time.sleep(x): blocks the loop's thread
    pyprint!(out, "Finished more work {x}");
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    let _main_thread = clock.enter_thread(); // (the virtual clock's turns; see pycoro::clock)
    let start = clock.wall_time();
    let new_loop = LoopThread::start(clock.clone());
    pyprint!(out, "TIME: {:?}", clock.wall_time() - start);

    for x in [6, 3] {
        let (out, clock) = (out.clone(), clock.clone());
        new_loop.call_soon_threadsafe(move || more_work(&out, &clock, x))?;
    }

    new_loop.stop(); // added: new_loop.call_soon_threadsafe(new_loop.stop)
    new_loop.join() // added: t.join()
}
// ANCHOR_END: program
