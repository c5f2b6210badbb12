//! x02-semaphore-rate-limit, beyond the documents: at most three requests a second. A
//! `Semaphore` of three units; each request takes one, and gives it back a second later
//! (`loop.call_later`), done or not: so no more than three requests start in any second.

use crate::clock::Clock;
use crate::event_loop::get_running_loop;
use crate::exceptions::PyResult;
use crate::native::{Semaphore, create_task, gather, run_with_clock, sleep};
use crate::pyprint;
use crate::trace::{Out, PyRepr};

// ANCHOR: program
const RATE: usize = 3; // requests
const PER: f64 = 1.0; // seconds
/// How long each request takes, in seconds (request 1 is `DURATIONS[0]`).
const DURATIONS: [f64; 8] = [0.3, 0.6, 0.2, 0.4, 0.7, 0.1, 0.5, 0.3];

async fn request(out: Out, n: usize, limit: Semaphore, start: f64) -> PyResult<usize> {
    let event_loop = get_running_loop()?;
    let elapsed = || event_loop.time() - start;
    if limit.locked() {
        pyprint!(out, "{:.1}s request {n} waits for its turn", elapsed());
    }
    limit.acquire().await?.forget(); // given back in a second, not when done:
    let unit = limit.clone();
    event_loop.call_later(PER, move || unit.release())?;
    pyprint!(out, "{:.1}s request {n} starts", elapsed());
    sleep(DURATIONS[n - 1]).await?;
    pyprint!(out, "{:.1}s request {n} is done", elapsed());
    Ok(n * 10)
}

async fn main(out: Out) -> PyResult<()> {
    let event_loop = get_running_loop()?;
    let limit = Semaphore::new(RATE);
    let start = event_loop.time();
    let requests = (1..=DURATIONS.len())
        .map(|n| create_task(request(out.clone(), n, limit.clone(), start)))
        .collect::<PyResult<Vec<_>>>()?;
    let results = gather(requests).await?;
    let elapsed = event_loop.time() - start;
    pyprint!(
        out,
        "{elapsed:.1}s every request is done: {}",
        results.py_repr()
    );
    Ok(())
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main(out.clone()), clock.clone())
}
// ANCHOR_END: program
