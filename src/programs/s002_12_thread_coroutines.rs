//! s002-12-thread-coroutines: coroutines submitted to a loop in another thread with
//! `run_coroutine_threadsafe`; they run concurrently there (4 s and 6 s, 6 s in all).
//!
//! As written, the document's program never exits; both versions wait for the two
//! results, stop the loop and join its thread. (`more_work` is defined but unused.)

use crate::clock::Clock;
use crate::exceptions::PyResult;
use crate::native::{LoopThread, run_coroutine_threadsafe, sleep};
use crate::pyprint;
use crate::trace::Out;

// ANCHOR: program
async fn do_some_work(out: Out, x: u64) -> PyResult<()> {
    pyprint!(out, "Waiting {x}");
    sleep(x as f64).await?;
    pyprint!(out, "Done after {x}s");
    Ok(())
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    let _main_thread = clock.enter_thread(); // (the virtual clock's turns; see pycoro::clock)
    let start = clock.wall_time();
    let new_loop = LoopThread::start(clock.clone());
    pyprint!(out, "TIME: {:?}", clock.wall_time() - start);

    // The coroutine cannot cross threads; the call that makes it can.
    let (out1, out2) = (out.clone(), out.clone());
    let f1 = run_coroutine_threadsafe(move || do_some_work(out1, 6), &new_loop);
    let f2 = run_coroutine_threadsafe(move || do_some_work(out2, 4), &new_loop);

    f1.result()?; // added: wait for both,
    f2.result()?;
    new_loop.stop(); // stop the loop,
    new_loop.join() // and join its thread
}
// ANCHOR_END: program
