//! x01-queue-pipeline, beyond the documents: a producer feeds a bounded `Queue`, three
//! workers take the jobs from it, and `queue.join()` waits until every job is done. The
//! queue holds two jobs at most: when it is full, the producer waits for a worker to
//! take one. Then the workers, waiting for jobs that will not come, are cancelled.

use std::cell::RefCell;
use std::rc::Rc;

use crate::clock::Clock;
use crate::exceptions::{CancelledError, PyResult};
use crate::native::{Queue, create_task, gather_return_exceptions, run_with_clock, sleep};
use crate::pyprint;
use crate::trace::{Out, PyRepr};

// ANCHOR: program
/// How long each job takes, in seconds (job 1 is `COSTS[0]`).
const COSTS: [f64; 8] = [0.62, 0.48, 0.86, 0.28, 0.52, 0.40, 0.76, 0.18];

async fn producer(out: &Out, queue: &Queue<usize>, jobs: usize) -> PyResult<()> {
    for job in 1..=jobs {
        sleep(0.1).await?; // making a job takes a while
        if queue.full() {
            pyprint!(out, "producer: the queue is full, job {job} waits");
        }
        queue.put(job).await?;
        pyprint!(
            out,
            "producer: job {job} queued ({} in the queue)",
            queue.qsize()
        );
    }
    pyprint!(out, "producer: every job is queued");
    Ok(())
}

async fn worker(
    out: Out,
    name: String,
    queue: Queue<usize>,
    done: Rc<RefCell<Vec<usize>>>,
) -> PyResult<()> {
    let worked: PyResult<()> = async {
        loop {
            let job = queue.get().await?;
            pyprint!(out, "{name}: starts job {job}");
            sleep(COSTS[job - 1]).await?;
            done.borrow_mut().push(job);
            pyprint!(out, "{name}: finished job {job}");
            queue.task_done()?;
        }
    }
    .await;
    if let Err(e) = &worked
        && e.is::<CancelledError>()
    {
        pyprint!(out, "{name}: cancelled, stops");
    }
    worked
}

async fn main(out: Out) -> PyResult<()> {
    let queue = Queue::new(2);
    let done = Rc::new(RefCell::new(Vec::new()));
    let workers = (1..=3)
        .map(|i| {
            let name = format!("worker {i}");
            create_task(worker(out.clone(), name, queue.clone(), done.clone()))
        })
        .collect::<PyResult<Vec<_>>>()?;
    producer(&out, &queue, COSTS.len()).await?;
    queue.join().await?;
    pyprint!(
        out,
        "main: every job is done, in the order {}",
        done.borrow().py_repr()
    );
    for w in &workers {
        w.cancel();
    }
    gather_return_exceptions(workers).await?;
    pyprint!(out, "main: the workers have stopped");
    Ok(())
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main(out.clone()), clock.clone())
}
// ANCHOR_END: program
