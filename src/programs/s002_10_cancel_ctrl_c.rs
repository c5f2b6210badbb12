//! s002-10-cancel-ctrl-c: Ctrl+C during `run_until_complete`; then every pending task
//! is cancelled, the loop is stopped, run once more so the tasks can take their
//! `CancelledError`, and closed.
//!
//! To run unattended, both versions send themselves SIGINT from a timer thread 1.5 s in
//! (the document's reader pressed Ctrl+C after about 1 s). And `asyncio.Task.all_tasks()`,
//! removed in Python 3.9, is `asyncio.all_tasks(loop)` (see the errata).

use crate::clock::Clock;
use crate::event_loop::EventLoop;
use crate::event_loop::signals::send_sigint;
use crate::exceptions::{KeyboardInterrupt, PyResult};
use crate::native::{ReturnWhen, sleep, wait};
use crate::pyprint;
use crate::trace::Out;

// ANCHOR: program
async fn do_some_work(out: Out, x: u64) -> PyResult<String> {
    pyprint!(out, "Waiting: {x}");
    sleep(x as f64).await?;
    Ok(format!("Done after {x}s"))
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    let event_loop = EventLoop::new(clock.clone());
    let tasks = vec![
        event_loop.create_native_task(do_some_work(out.clone(), 1))?,
        event_loop.create_native_task(do_some_work(out.clone(), 2))?,
        event_loop.create_native_task(do_some_work(out.clone(), 2))?,
    ];
    let start = clock.wall_time();
    // threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    let timer_clock = clock.clone();
    let timer = clock.spawn(move || {
        timer_clock.sleep(1.5);
        send_sigint(&timer_clock)
    });

    let waiting = event_loop.create_native_task(async move {
        wait(tasks, None, ReturnWhen::AllCompleted).await.map(drop)
    })?;
    let result = match event_loop.run_until_complete(waiting) {
        Err(e) if e.is::<KeyboardInterrupt>() => {
            let pending = event_loop.all_tasks(); // asyncio.all_tasks(loop)
            let reprs: Vec<String> = pending.iter().map(ToString::to_string).collect();
            pyprint!(out, "{{{}}}", reprs.join(", "));
            for task in &pending {
                pyprint!(out, "{}", if task.cancel() { "True" } else { "False" });
            }
            event_loop.stop();
            event_loop.run_forever()
        }
        other => other,
    };
    event_loop.close()?; // finally: loop.close()
    timer
        .join()
        .map_err(|_| crate::exceptions::RuntimeError::new("the timer thread panicked"))??;
    result?;
    pyprint!(out, "Time: {:?}", clock.wall_time() - start);
    Ok(())
}
// ANCHOR_END: program
