//! Stress and faults: the loops under load, and panics where Python has exceptions.
#![feature(coroutines)]

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use pycoro::clock::Clock;
use pycoro::event_loop::EventLoop;
use pycoro::event_loop::get_running_loop;
use pycoro::exceptions::{CancelledError, PyResult, RuntimeError, format_exception_only};
use pycoro::generators::Generator;
use pycoro::native::{self, create_task};
use pycoro::yield_;
use pycoro::yield_from;

const THREADS: usize = 8;
const EACH: u64 = 100_000;

/// 8 threads each send 100,000 callbacks to a loop that is asleep on a timer an hour
/// away (the real clock: the loop blocks until a thread calls in; nothing here sleeps).
#[test]
fn stress_800k_callbacks_from_8_threads_each_run_once_in_per_thread_fifo_order() -> PyResult<()> {
    let lp = EventLoop::new(Clock::real());
    let timer_fired = Rc::new(Cell::new(false));
    let fired = timer_fired.clone();
    let timer = lp.call_later(3600.0, move || fired.set(true))?;
    let last_seen: Arc<Vec<AtomicU64>> =
        Arc::new((0..THREADS).map(|_| AtomicU64::new(0)).collect());
    let out_of_order = Arc::new(AtomicUsize::new(0));
    let total = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let handle = lp.threadsafe();
            let (last_seen, out_of_order, total) =
                (last_seen.clone(), out_of_order.clone(), total.clone());
            std::thread::spawn(move || {
                for n in 1..=EACH {
                    let (last_seen, out_of_order, total) =
                        (last_seen.clone(), out_of_order.clone(), total.clone());
                    handle
                        .call_soon_threadsafe(move || {
                            if last_seen[t].swap(n, Ordering::Relaxed) + 1 != n {
                                out_of_order.fetch_add(1, Ordering::Relaxed);
                            }
                            if total.fetch_add(1, Ordering::Relaxed) + 1 == THREADS * EACH as usize
                            {
                                get_running_loop().expect("on the loop").stop();
                            }
                        })
                        .expect("the loop is open");
                }
            })
        })
        .collect();
    lp.run_forever()?;
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(total.load(Ordering::Relaxed), THREADS * EACH as usize);
    assert_eq!(out_of_order.load(Ordering::Relaxed), 0);
    assert!(last_seen.iter().all(|n| n.load(Ordering::Relaxed) == EACH));
    assert!(
        !timer_fired.get(),
        "the loop was woken by the callbacks, not by its timer"
    );
    timer.cancel();
    let (reports, closed) = common::unraisable_reports(|| lp.close());
    closed?;
    assert!(reports.is_empty(), "nothing was left over: {reports:?}");
    Ok(())
}

#[test]
fn callbacks_still_queued_when_the_loop_closes_are_reported_and_later_ones_refused() -> PyResult<()>
{
    let lp = EventLoop::new(Clock::real());
    let handle = lp.threadsafe();
    std::thread::spawn(move || {
        for _ in 0..3 {
            handle
                .call_soon_threadsafe(|| unreachable!("the loop never runs again"))
                .unwrap();
        }
    })
    .join()
    .unwrap();
    let (reports, closed) = common::unraisable_reports(|| lp.close());
    closed?;
    assert_eq!(reports.len(), 1);
    assert!(
        reports[0].ends_with(
            "RuntimeError: 3 callback(s) from other threads never ran: the loop closed first"
        ),
        "{}",
        reports[0]
    );
    let refused = lp.threadsafe().call_soon_threadsafe(|| ()).unwrap_err();
    assert_eq!(
        format_exception_only(&refused),
        "RuntimeError: Event loop is closed"
    );
    Ok(())
}

/// Where Python contains an exception, pycoro contains the panic standing for it, reports
/// it, and the loop goes on: in a task, a done callback and an executor job. In a generator
/// body, Python lets the exception reach whoever resumed it; so does the panic.
#[test]
fn panics_are_contained_where_python_contains_exceptions_and_the_loop_goes_on() -> PyResult<()> {
    // A generator body: the panic reaches the caller of `send`, and the generator is closed.
    let g: Generator<i32> = Generator::new(
        #[coroutine]
        |_| {
            yield_!(1)?;
            panic!("in a generator");
        },
    );
    g.next()?;
    assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| g.next())).is_err());

    let lp = EventLoop::new(Clock::new_virtual());
    let (reports, result) = common::unraisable_reports(|| {
        lp.run_until_complete(lp.create_native_task(async {
            let event_loop = get_running_loop()?;
            // A task: its exception.
            let task = create_task(async {
                native::sleep(0.0).await?;
                if event_loop_time() >= 0.0 {
                    panic!("in a task");
                }
                Ok(())
            })?;
            // A done callback: reported, like Python's "Exception in callback".
            task.add_done_callback(|_| panic!("in a done callback"));
            let task_error = format_exception_only(&task.clone().await.unwrap_err());
            // An executor job: the future's exception.
            let job = event_loop.run_in_executor(|| -> PyResult<u8> { panic!("in a job") })?;
            let job_error = format_exception_only(&yield_from_future(job).await.unwrap_err());
            // And the loop still runs tasks.
            let after = create_task(async { Ok("still running") })?.await?;
            Ok((task_error, job_error, after))
        })?)
    });
    let (task_error, job_error, after) = result?;
    assert_eq!(task_error, "RuntimeError: panic: in a task");
    assert_eq!(job_error, "RuntimeError: panic: in a job");
    assert_eq!(after, "still running");
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        reports[0].starts_with("Exception in callback"),
        "{}",
        reports[0]
    );
    assert!(reports[0].ends_with("RuntimeError: panic: in a done callback"));
    lp.close()
}

fn event_loop_time() -> f64 {
    get_running_loop().map_or(0.0, |lp| lp.time())
}

/// Awaits a Generation 2 future from a native task.
async fn yield_from_future<T: Clone + 'static>(
    future: pycoro::event_loop::Future<T>,
) -> PyResult<T> {
    future.await
}

/// The Generation 2 loop under the same load: 100,000 generator tasks with random
/// sleeps, a tenth cancelled at random; every one ends done or cancelled.
#[test]
fn stress_generation_2_loop_100k_tasks_random_sleeps_and_cancellations() -> PyResult<()> {
    let lp = EventLoop::new(Clock::new_virtual());
    let mut next = common::xorshift(0x2545_F491_4F6C_DD1Du64);
    let callbacks = Rc::new(Cell::new(0usize));
    let mut tasks = Vec::with_capacity(100_000);
    for i in 0..100_000u64 {
        let delay = (next() % 1000) as f64 / 100.0;
        let task = lp.create_task(yield_from::coroutine(
            #[coroutine]
            move |_| {
                pycoro::yield_from!(yield_from::sleep(delay))?;
                Ok(i)
            },
        ))?;
        let callbacks = callbacks.clone();
        task.add_done_callback(move |_| callbacks.set(callbacks.get() + 1));
        tasks.push(task);
    }
    let mut cancelled = 0;
    for task in &tasks {
        if next().is_multiple_of(10) && task.cancel() {
            cancelled += 1;
        }
    }
    lp.run_until_complete(yield_from::sleep(10.5))?;
    let mut finished = 0;
    for (i, task) in tasks.iter().enumerate() {
        assert!(task.done());
        match task.result() {
            Ok(value) => {
                assert_eq!(value, i as u64);
                finished += 1;
            }
            Err(e) => assert!(e.is::<CancelledError>(), "{e}"),
        }
    }
    assert_eq!(finished + cancelled, 100_000);
    assert!((9_000..11_000).contains(&cancelled), "{cancelled}");
    assert_eq!(callbacks.get(), 100_000, "every done callback ran once");
    lp.close()
}

#[test]
fn a_closed_loops_threadsafe_handle_is_refused_with_pythons_error() {
    let lp = EventLoop::new(Clock::new_virtual());
    let handle = lp.threadsafe();
    lp.close().unwrap();
    let e = handle.call_soon_threadsafe(|| ()).unwrap_err();
    assert!(e.is::<RuntimeError>());
}
