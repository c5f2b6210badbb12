//! asyncio 3.4's generator-based event loop: futures, tasks, timers, the executor.
//! Every test runs on the virtual clock: the times it checks are exact, and it never waits.
#![feature(coroutines)]

mod common;

use std::cell::Cell;
use std::rc::Rc;

use common::Log;
use pycoro::clock::Clock;
use pycoro::event_loop::executor::default_max_workers;
use pycoro::event_loop::{EventLoop, get_running_loop};
use pycoro::exceptions::{
    CancelledError, InvalidStateError, PyResult, RuntimeError, ValueError, format_exception_only,
};
use pycoro::trace::Out;
use pycoro::yield_from::{Coroutine, coroutine, ensure_future, run_with_clock, sleep};
use pycoro::{yield_, yield_from};

fn new_loop() -> EventLoop {
    EventLoop::new(Clock::new_virtual())
}

#[test]
fn call_soon_runs_callbacks_in_fifo_order() -> PyResult<()> {
    let lp = new_loop();
    let log = Log::default();
    for name in ["first", "second", "third"] {
        let log = log.clone();
        lp.call_soon(move || log.push(name))?;
    }
    let stopper = lp.clone();
    lp.call_soon(move || stopper.stop())?;
    lp.run_forever()?;
    assert_eq!(log.take(), ["first", "second", "third"]);
    Ok(())
}

#[test]
fn timers_fire_by_deadline_then_in_scheduling_order_at_their_virtual_time() -> PyResult<()> {
    let lp = new_loop();
    let log = Log::default();
    for (when, name) in [
        (3.0, "at 3"),
        (1.0, "at 1, first"),
        (2.0, "at 2"),
        (1.0, "at 1, second"),
    ] {
        let (log, clock) = (log.clone(), lp.clone());
        lp.call_at(when, move || {
            log.push(format!("{name} (time {})", clock.time()))
        })?;
    }
    let stopper = lp.clone();
    lp.call_later(3.5, move || stopper.stop())?;
    lp.run_forever()?;
    assert_eq!(
        log.take(),
        [
            "at 1, first (time 1)",
            "at 1, second (time 1)",
            "at 2 (time 2)",
            "at 3 (time 3)"
        ]
    );
    Ok(())
}

#[test]
fn a_cancelled_handle_never_runs() -> PyResult<()> {
    let lp = new_loop();
    let ran = Rc::new(Cell::new(false));
    let flag = ran.clone();
    let handle = lp.call_later(1.0, move || flag.set(true))?;
    handle.cancel();
    let stopper = lp.clone();
    lp.call_later(2.0, move || stopper.stop())?;
    lp.run_forever()?;
    assert!(!ran.get());
    Ok(())
}

#[test]
fn a_future_refuses_to_be_read_early_or_set_twice() {
    let lp = new_loop();
    let fut = lp.create_future::<i32>();
    let e = fut.result().unwrap_err();
    assert_eq!(
        format_exception_only(&e),
        "asyncio.exceptions.InvalidStateError: Result is not set."
    );
    assert!(fut.exception().unwrap_err().is::<InvalidStateError>());
    fut.set_result(1).unwrap();
    let e = fut.set_result(2).unwrap_err();
    assert_eq!(
        format_exception_only(&e),
        "asyncio.exceptions.InvalidStateError: invalid state"
    );
    assert!(fut.set_exception(ValueError::default()).is_err());
    assert!(!fut.cancel(), "a done future cannot be cancelled");
    assert_eq!(fut.result().unwrap(), 1);
}

#[test]
fn a_cancelled_future_raises_cancelled_error() {
    let lp = new_loop();
    let fut = lp.create_future::<i32>();
    assert!(fut.cancel());
    assert!(fut.cancelled());
    assert!(fut.result().unwrap_err().is::<CancelledError>());
    assert!(fut.exception().unwrap_err().is::<CancelledError>());
    assert_eq!(fut.to_string(), "<Future cancelled>");
}

#[test]
fn a_futures_exception_is_raised_to_every_reader() {
    let lp = new_loop();
    let fut = lp.create_future::<i32>();
    fut.set_exception(ValueError::new("x")).unwrap();
    for _ in 0..2 {
        assert_eq!(
            format_exception_only(&fut.result().unwrap_err()),
            "ValueError: x"
        );
    }
    assert_eq!(
        fut.to_string(),
        "<Future finished exception=ValueError('x')>"
    );
}

#[test]
fn done_callbacks_run_through_the_loop_in_registration_order() -> PyResult<()> {
    let lp = new_loop();
    let log = Log::default();
    let fut = lp.create_future::<&str>();
    for name in ["cb1", "cb2"] {
        let log = log.clone();
        fut.add_done_callback(move |f| log.push(format!("{name}: {}", f.result().unwrap())));
    }
    fut.set_result("done")?;
    assert!(log.take().is_empty(), "callbacks are scheduled, not called");
    let late = log.clone();
    fut.add_done_callback(move |_| late.push("added after done"));
    let stopper = lp.clone();
    lp.call_soon(move || stopper.stop())?;
    lp.run_forever()?;
    assert_eq!(log.take(), ["cb1: done", "cb2: done", "added after done"]);
    Ok(())
}

fn sleeper(log: Log, name: &'static str, seconds: f64) -> Coroutine<String> {
    coroutine(
        #[coroutine]
        move |_| {
            log.push(format!("{name} sleeps {seconds}"));
            yield_from!(sleep(seconds))?;
            let now = get_running_loop()?.time();
            log.push(format!("{name} woke at {now}"));
            Ok(format!("{name} done"))
        },
    )
}

#[test]
fn run_until_complete_returns_the_coroutines_result_at_exact_virtual_time() -> PyResult<()> {
    let lp = new_loop();
    let log = Log::default();
    let result = lp.run_until_complete(sleeper(log.clone(), "a", 2.5))?;
    assert_eq!(result, "a done");
    assert_eq!(log.take(), ["a sleeps 2.5", "a woke at 2.5"]);
    assert_eq!(lp.time(), 2.5);
    Ok(())
}

#[test]
fn run_until_complete_raises_the_coroutines_exception() {
    let failing: Coroutine<()> = coroutine(
        #[coroutine]
        |_| {
            yield_from!(sleep(1.0))?;
            Err(ValueError::new("failed after a second").into())
        },
    );
    let e = new_loop().run_until_complete(failing).unwrap_err();
    assert_eq!(
        format_exception_only(&e),
        "ValueError: failed after a second"
    );
}

// ANCHOR: orphan
#[test]
fn a_future_left_pending_by_run_until_complete_does_not_stop_a_later_run() -> PyResult<()> {
    let lp = new_loop();
    let fut = lp.create_future::<i32>();
    let stopper = lp.clone();
    lp.call_soon(move || stopper.stop())?;
    let e = lp.run_until_complete(fut.clone()).unwrap_err();
    assert_eq!(
        format_exception_only(&e),
        "RuntimeError: Event loop stopped before Future completed."
    );
    // The future completes at 1.0, during a run of its own: the loop goes on to 2.0.
    let done = fut.clone();
    lp.call_later(1.0, move || drop(done.set_result(1)))?;
    let stopper = lp.clone();
    lp.call_later(2.0, move || stopper.stop())?;
    lp.run_forever()?;
    assert_eq!(lp.time(), 2.0);
    assert_eq!(fut.result()?, 1);
    Ok(())
}
// ANCHOR_END: orphan

#[test]
fn a_running_loop_cannot_be_run_again_and_a_closed_one_not_at_all() -> PyResult<()> {
    let lp = new_loop();
    let inner = lp.clone();
    let nested: Coroutine<String> = coroutine(
        #[coroutine]
        move |_| {
            let e = inner.run_forever().unwrap_err();
            yield_from!(sleep(0.0))?;
            Ok(e.to_string())
        },
    );
    assert_eq!(
        lp.run_until_complete(nested)?,
        "This event loop is already running"
    );
    lp.close()?;
    let e = lp.run_forever().unwrap_err();
    assert_eq!(
        format_exception_only(&e),
        "RuntimeError: Event loop is closed"
    );
    assert!(lp.call_soon(|| ()).unwrap_err().is::<RuntimeError>());
    Ok(())
}

#[test]
fn a_future_nobody_will_ever_set_is_an_error_not_a_hang() {
    let lp = new_loop();
    let never = lp.create_future::<i32>();
    let e = lp.run_until_complete(never).unwrap_err();
    assert!(e.is::<RuntimeError>());
    assert!(e.to_string().contains("nothing left to wait for"), "{e}");
}

#[test]
fn there_is_no_running_loop_outside_one() {
    let e = get_running_loop().unwrap_err();
    assert_eq!(
        format_exception_only(&e),
        "RuntimeError: no running event loop"
    );
    assert!(ensure_future(sleep(1.0)).is_err());
}

#[test]
fn only_its_coroutine_sets_a_tasks_result() -> PyResult<()> {
    // python/rules/tasks.py: CPython raises the same errors (for its native tasks; a
    // generator-based task is the same `Task`).
    let lp = new_loop();
    let task = lp.create_task(sleeper(Log::default(), "a", 1.0))?;
    let refused = task.set_result("mine".to_owned()).unwrap_err();
    assert!(refused.is::<RuntimeError>());
    assert_eq!(
        refused.to_string(),
        "Task does not support set_result operation"
    );
    let refused = task.set_exception(ValueError::new("no")).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "Task does not support set_exception operation"
    );
    assert_eq!(lp.run_until_complete(task)?, "a done");
    Ok(())
}

#[test]
fn tasks_run_concurrently_and_a_task_has_pythons_repr() -> PyResult<()> {
    let lp = new_loop();
    let log = Log::default();
    let a = lp.create_task(sleeper(log.clone(), "a", 1.0))?;
    let b = lp.create_task(sleeper(log.clone(), "b", 1.0))?;
    assert_eq!(
        a.to_string(),
        "<Task pending name='Task-1' coro=<sleeper()>>"
    );
    assert_eq!(lp.run_until_complete(b.clone())?, "b done");
    assert_eq!(
        log.take(),
        ["a sleeps 1", "b sleeps 1", "a woke at 1", "b woke at 1"]
    );
    assert_eq!(
        a.to_string(),
        "<Task finished name='Task-1' coro=<sleeper()> result='a done'>"
    );
    assert_eq!(lp.time(), 1.0, "both slept at the same time");
    Ok(())
}

#[test]
fn cancel_throws_cancelled_error_at_the_await_and_the_coroutine_may_clean_up() -> PyResult<()> {
    let lp = new_loop();
    let log = Log::default();
    let body_log = log.clone();
    let worker: Coroutine<&str> = coroutine(
        #[coroutine]
        move |_| match yield_from!(sleep(10.0)) {
            Err(e) if e.is::<CancelledError>() => {
                body_log.push("cancelled: cleaning up");
                yield_from!(sleep(1.0))?; // cleanup may await
                body_log.push("cleaned up");
                Err(e) // re-raise: the task ends cancelled
            }
            other => other.map(|()| "finished"),
        },
    );
    let task = lp.create_task(worker)?;
    let canceller = task.clone();
    lp.call_later(2.0, move || {
        canceller.cancel();
    })?;
    let e = lp.run_until_complete(task.clone()).unwrap_err();
    assert!(e.is::<CancelledError>());
    assert!(task.cancelled());
    assert_eq!(log.take(), ["cancelled: cleaning up", "cleaned up"]);
    assert_eq!(lp.time(), 3.0);
    Ok(())
}

#[test]
fn a_coroutine_may_swallow_cancellation_and_return_a_value() -> PyResult<()> {
    let lp = new_loop();
    let stubborn: Coroutine<&str> = coroutine(
        #[coroutine]
        |_| match yield_from!(sleep(10.0)) {
            Err(e) if e.is::<CancelledError>() => Ok("ignored the cancel"),
            other => other.map(|()| "slept"),
        },
    );
    let task = lp.create_task(stubborn)?;
    let canceller = task.clone();
    lp.call_soon(move || {
        canceller.cancel();
    })?;
    assert_eq!(lp.run_until_complete(task.clone())?, "ignored the cancel");
    assert!(!task.cancelled());
    Ok(())
}

#[test]
fn a_task_cancelled_before_its_first_step_never_runs_its_body() -> PyResult<()> {
    let lp = new_loop();
    let log = Log::default();
    let task = lp.create_task(sleeper(log.clone(), "never", 1.0))?;
    assert!(task.cancel());
    assert!(
        lp.run_until_complete(task.clone())
            .unwrap_err()
            .is::<CancelledError>()
    );
    assert!(log.take().is_empty());
    assert!(!task.cancel(), "already done");
    Ok(())
}

#[test]
fn yield_from_a_pending_future_suspends_until_it_is_set() -> PyResult<()> {
    let lp = new_loop();
    let fut = lp.create_future::<i32>();
    let setter = fut.clone();
    lp.call_later(5.0, move || setter.set_result(7).unwrap())?;
    let waiter: Coroutine<i32> = coroutine(
        #[coroutine]
        move |_| yield_from!(fut),
    );
    assert_eq!(lp.run_until_complete(waiter)?, 7);
    assert_eq!(lp.time(), 5.0);
    Ok(())
}

#[test]
fn run_cancels_the_tasks_left_pending_when_main_returns() -> PyResult<()> {
    let log = Log::default();
    let body_log = log.clone();
    let main: Coroutine<()> = coroutine(
        #[coroutine]
        move |_| {
            let log = body_log.clone();
            ensure_future(coroutine(
                #[coroutine]
                move |_| {
                    let r = yield_from!(sleep(100.0));
                    if let Err(e) = &r {
                        log.push(format_exception_only(e));
                    }
                    r
                },
            ))?;
            yield_from!(sleep(1.0))?;
            Ok(())
        },
    );
    run_with_clock(main, Clock::new_virtual())?;
    assert_eq!(log.take(), ["asyncio.exceptions.CancelledError"]);
    Ok(())
}

#[test]
fn run_in_executor_delivers_results_exceptions_and_panics_from_threads() -> PyResult<()> {
    let lp = new_loop();
    let main: Coroutine<(i32, String, String)> = coroutine(
        #[coroutine]
        |_| {
            let lp = get_running_loop()?;
            let ok = lp.run_in_executor(|| Ok(6 * 7))?;
            let err =
                lp.run_in_executor(|| -> PyResult<i32> { Err(ValueError::new("bad").into()) })?;
            let boom = lp.run_in_executor(|| -> PyResult<i32> { panic!("boom") })?;
            let a = yield_from!(ok)?;
            let b = format_exception_only(&yield_from!(err).unwrap_err());
            let c = format_exception_only(&yield_from!(boom).unwrap_err());
            Ok((a, b, c))
        },
    );
    let (a, b, c) = lp.run_until_complete(main)?;
    assert_eq!(a, 42);
    assert_eq!(b, "ValueError: bad");
    assert_eq!(c, "RuntimeError: panic: boom");
    lp.close()
}

#[test]
fn executor_jobs_take_turns_on_the_virtual_clock_so_their_trace_is_deterministic() -> PyResult<()> {
    // More jobs than workers: the later ones queue, and still everything is exact.
    for _ in 0..20 {
        let (out, trace) = Out::capture();
        let lp = new_loop();
        let clock = lp.clock().clone();
        let main: Coroutine<()> = coroutine(
            #[coroutine]
            move |_| {
                let lp = get_running_loop()?;
                let mut futures = Vec::new();
                for job in 0..12 {
                    let (out, clock) = (out.clone(), clock.clone());
                    futures.push(lp.run_in_executor(move || {
                        out.println(format_args!("job {job} starts at {}", clock.time()));
                        clock.sleep(1.0);
                        out.println(format_args!("job {job} ends at {}", clock.time()));
                        Ok(())
                    })?);
                }
                for future in futures {
                    yield_from!(future)?;
                }
                Ok(())
            },
        );
        lp.run_until_complete(main)?;
        // Each wave of `max_workers` jobs starts together; a worker that wakes takes the
        // next queued job in its turn, and turns go by submission order.
        let mut expected = Vec::new();
        let jobs: Vec<usize> = (0..12).collect();
        for (wave, jobs) in jobs.chunks(default_max_workers()).enumerate() {
            expected.extend(jobs.iter().map(|job| format!("job {job} starts at {wave}")));
            expected.extend(
                jobs.iter()
                    .map(|job| format!("job {job} ends at {}", wave + 1)),
            );
        }
        assert_eq!(trace.text().lines().collect::<Vec<_>>(), expected);
        lp.close()?;
    }
    Ok(())
}

#[test]
fn a_bare_yield_of_a_done_future_gives_other_tasks_one_turn() -> PyResult<()> {
    let lp = new_loop();
    let log = Log::default();
    let (l1, l2) = (log.clone(), log.clone());
    let first: Coroutine<()> = coroutine(
        #[coroutine]
        move |_| {
            for i in 0..2 {
                l1.push(format!("first {i}"));
                yield_from!(sleep(0.0))?;
            }
            Ok(())
        },
    );
    let second: Coroutine<()> = coroutine(
        #[coroutine]
        move |_| {
            for i in 0..2 {
                l2.push(format!("second {i}"));
                let done = get_running_loop()?.create_future::<()>();
                done.set_result(())?;
                yield_!(done.as_ref())?;
            }
            Ok(())
        },
    );
    lp.create_task(first)?;
    let second = lp.create_task(second)?;
    lp.run_until_complete(second)?;
    assert_eq!(log.take(), ["first 0", "second 0", "first 1", "second 1"]);
    Ok(())
}

#[test]
fn call_soon_threadsafe_from_another_thread_wakes_a_waiting_loop() -> PyResult<()> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    // The real clock: the loop has no timer and blocks until the thread calls in
    // (no sleep anywhere: the thread waits for the loop to be running, then calls).
    let lp = EventLoop::new(Clock::real());
    let handle = lp.threadsafe();
    let (loop_is_running, wait_for_loop) = std::sync::mpsc::channel::<()>();
    let ran = Arc::new(AtomicBool::new(false));
    let ran_in_loop = ran.clone();
    let thread = std::thread::spawn(move || {
        wait_for_loop.recv().unwrap();
        handle
            .call_soon_threadsafe(move || {
                ran_in_loop.store(true, Ordering::SeqCst);
                get_running_loop().expect("runs on the loop").stop();
            })
            .expect("the loop is open");
    });
    lp.call_soon(move || loop_is_running.send(()).unwrap())?;
    lp.run_forever()?;
    thread.join().unwrap();
    assert!(ran.load(Ordering::SeqCst));
    Ok(())
}

// python/rules/timers.py has its twin.
#[test]
fn run_until_complete_on_a_running_loop_is_refused_before_the_coroutine_is_scheduled()
-> PyResult<()> {
    let log = Log::default();
    let (ran, refused) = (log.clone(), log.clone());
    // @types.coroutine
    // def inner(): log.append('inner ran'); return 1; yield
    let inner = move || -> Coroutine<i32> {
        let ran = ran.clone();
        coroutine(
            #[coroutine]
            move |_| {
                ran.push("inner ran");
                Ok(1)
            },
        )
    };
    run_with_clock(
        coroutine(
            #[coroutine]
            move |_| {
                let lp = get_running_loop()?;
                if let Err(e) = lp.run_until_complete(inner()) {
                    refused.push(format_exception_only(&e));
                }
                yield_from!(sleep(0.1))?;
                Ok(())
            },
        ),
        Clock::new_virtual(),
    )?;
    assert_eq!(
        log.take(),
        ["RuntimeError: This event loop is already running"]
    );
    Ok(())
}
