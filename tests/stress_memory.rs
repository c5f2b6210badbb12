//! Stress: a million native tasks with random sleeps and random cancellations, and the
//! memory they used given back. Alone in its test binary, because the counting
//! allocator counts every thread of the process.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use pycoro::clock::Clock;
use pycoro::event_loop::EventLoop;
use pycoro::exceptions::PyResult;
use pycoro::native::{Task, all_tasks, create_task, sleep};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// What `run_tasks` saw: how many finished, how many were cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    finished: usize,
    cancelled: usize,
}

/// `count` tasks sleeping 0 to 9.99 virtual seconds; every tenth (at random) is
/// cancelled while it sleeps. Each task's done callback counts itself.
fn run_tasks(count: usize) -> PyResult<Outcome> {
    let event_loop = EventLoop::new(Clock::new_virtual());
    let callbacks: Rc<RefCell<Vec<u8>>> = Rc::new(RefCell::new(vec![0; count]));
    let counts = callbacks.clone();
    let outcome = event_loop.run_until_complete(event_loop.create_native_task(async move {
        let mut next = common::xorshift(0x9E37_79B9_7F4A_7C15);
        let mut tasks: Vec<Task<usize>> = Vec::with_capacity(count);
        for i in 0..count {
            let delay = (next() % 1000) as f64 / 100.0;
            let task = create_task(async move {
                sleep(delay).await?;
                Ok(i)
            })?;
            let counts = counts.clone();
            task.add_done_callback(move |_| counts.borrow_mut()[i] += 1);
            tasks.push(task);
        }
        let cancelled = Cell::new(0);
        for task in &tasks {
            if next().is_multiple_of(10) && task.cancel() {
                cancelled.set(cancelled.get() + 1);
            }
        }
        sleep(10.0).await?; // past every sleep
        sleep(0.0).await?; // and past the done callbacks they scheduled
        let pending = all_tasks()?.len();
        assert_eq!(pending, 1, "only this main task is left");
        let mut finished = 0;
        for (i, task) in tasks.iter().enumerate() {
            assert!(task.done(), "task {i} is done or cancelled");
            if task.cancelled() {
                continue;
            }
            assert_eq!(task.result()?, i);
            finished += 1;
        }
        assert_eq!(finished + cancelled.get(), count);
        Ok(Outcome {
            finished,
            cancelled: cancelled.get(),
        })
    })?)?;
    event_loop.close()?;
    let counts = callbacks.borrow();
    assert!(
        counts.iter().all(|&n| n == 1),
        "every done callback ran exactly once"
    );
    Ok(outcome)
}

/// Bytes taken and not given back since `region` began. (stats_alloc already counts a
/// `realloc`'s growth in `bytes_allocated` and its shrinking in `bytes_deallocated`.)
fn bytes_in_use(region: &Region<'_, std::alloc::System>) -> isize {
    let change = region.change();
    change.bytes_allocated as isize - change.bytes_deallocated as isize
}

#[test]
fn stress_a_million_tasks_random_sleeps_and_cancellations_all_reported_and_memory_returns()
-> PyResult<()> {
    // A first, small run sets up what lives as long as the thread (thread-locals).
    run_tasks(1_000)?;
    let region = Region::new(GLOBAL);
    let outcome = run_tasks(1_000_000)?;
    assert!(
        (90_000..110_000).contains(&outcome.cancelled),
        "about a tenth cancelled: {outcome:?}"
    );
    assert_eq!(outcome.finished + outcome.cancelled, 1_000_000);
    assert_eq!(
        bytes_in_use(&region),
        0,
        "every byte the run took was given back"
    );
    Ok(())
}
