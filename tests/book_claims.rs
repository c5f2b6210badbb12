//! What the book says pycoro does where it departs from asyncio, or where asyncio is
//! easily misread: each test has a CPython counterpart in `python/rules/` that shows
//! what CPython 3.11 does in the same program. Every test runs on the virtual clock.
#![feature(coroutines)]

mod common;

use common::Log;
use pycoro::clock::Clock;
use pycoro::event_loop::{EventLoop, get_running_loop};
use pycoro::exceptions::PyResult;
use pycoro::native::{self, create_task};
use pycoro::yield_from as generation_2;
use pycoro::yield_from::{coroutine, ensure_future};

// ANCHOR: equal_deadlines
#[test]
fn timers_at_an_equal_deadline_run_in_scheduling_order_in_pycoro() -> PyResult<()> {
    // python/rules/timers.py: CPython runs the same three timers as 0, 2, 1.
    let event_loop = EventLoop::new(Clock::new_virtual());
    let log = Log::default();
    let when = event_loop.time() + 0.01;
    for i in 0..3 {
        let log = log.clone();
        event_loop.call_at(when, move || log.push(i.to_string()))?;
    }
    let stopper = event_loop.clone();
    event_loop.call_at(when + 0.01, move || stopper.stop())?;
    event_loop.run_forever()?;
    assert_eq!(log.take(), ["0", "1", "2"]);
    Ok(())
}
// ANCHOR_END: equal_deadlines

// ANCHOR: native_sleep
#[test]
fn a_native_sleep_resumes_its_task_on_the_pass_its_timer_fires_a_pass_before_asyncio()
-> PyResult<()> {
    // python/rules/timers.py: on CPython the callback comes first.
    let log = Log::default();
    let task_log = log.clone();
    native::run_with_clock(
        async move {
            let event_loop = get_running_loop()?;
            let now = event_loop.time(); // virtual time stands still while nothing waits
            let sleeper_log = task_log.clone();
            let sleeper = create_task(async move {
                native::sleep(1.0).await?;
                sleeper_log.push("sleeper resumes");
                Ok(())
            })?;
            native::sleep(0.0).await?; // the sleeper runs to its sleep: a timer at now + 1
            let callback_log = task_log.clone();
            event_loop.call_at(now + 1.0, move || {
                callback_log.push("callback due at the same time")
            })?;
            sleeper.await
        },
        Clock::new_virtual(),
    )?;
    // The sleep's timer queues the task's step itself, on the pass it fires.
    assert_eq!(
        log.take(),
        ["sleeper resumes", "callback due at the same time"]
    );
    Ok(())
}
// ANCHOR_END: native_sleep

#[test]
fn a_generation_2_sleep_resumes_its_task_one_pass_after_its_timer_fires_as_asyncio_does()
-> PyResult<()> {
    // python/rules/timers.py: the same order as CPython's.
    let log = Log::default();
    let task_log = log.clone();
    let main = coroutine(
        #[coroutine]
        move |_| {
            let event_loop = pycoro::event_loop::get_running_loop()?;
            let now = event_loop.time();
            let sleeper_log = task_log.clone();
            let sleeper = ensure_future(coroutine(
                #[coroutine]
                move |_| {
                    pycoro::yield_from!(generation_2::sleep(1.0))?;
                    sleeper_log.push("sleeper resumes");
                    Ok(())
                },
            ))?;
            pycoro::yield_from!(generation_2::sleep(0.0))?;
            let callback_log = task_log.clone();
            event_loop.call_at(now + 1.0, move || {
                callback_log.push("callback due at the same time")
            })?;
            pycoro::yield_from!(sleeper)?;
            Ok(())
        },
    );
    generation_2::run_with_clock(main, Clock::new_virtual())?;
    // A future and a timer that sets it: the task's wake-up is the future's done
    // callback, scheduled with call_soon, so it runs on the next pass.
    assert_eq!(
        log.take(),
        ["callback due at the same time", "sleeper resumes"]
    );
    Ok(())
}

// ANCHOR: kept
#[test]
fn a_pending_task_nobody_references_is_kept_by_the_loop_until_it_closes() -> PyResult<()> {
    // python/rules/tasks.py: CPython collects the same task while the loop runs.
    let event_loop = EventLoop::new(Clock::new_virtual());
    let main = event_loop.create_native_task(async {
        create_task(async {
            let future = get_running_loop()?.create_future::<()>();
            future.await // a future only this task holds
        })?; // the task is not kept
        native::sleep(0.0).await?;
        Ok(native::all_tasks()?.len())
    })?;
    let (while_running, tasks) = common::unraisable_reports(|| event_loop.run_until_complete(main));
    assert_eq!(tasks?, 2, "main and the task nobody holds");
    assert!(while_running.is_empty(), "{while_running:?}");
    let (at_close, closed) = common::unraisable_reports(|| event_loop.close());
    closed?;
    assert_eq!(at_close.len(), 1, "{at_close:?}");
    assert!(
        at_close[0].starts_with(
            "Task was destroyed but it is pending!\ntask: <Task pending name='Task-2'"
        ),
        "{at_close:?}"
    );
    Ok(())
}
// ANCHOR_END: kept

// ANCHOR: cancelled_aclose
#[test]
fn a_task_cancelled_in_aclose_leaves_the_generator_closed_in_pycoro() -> PyResult<()> {
    // python/rules/async_generators.py: CPython 3.11 leaves it "already running" for ever.
    use pycoro::native::{AsyncGenerator, StopAsyncIteration, run_with_clock, sleep};
    let g = AsyncGenerator::new(async move |co| {
        let body = co.yield_(1).await; // try: yield 1
        sleep(1.0).await?; // finally: await asyncio.sleep(1)
        body.map(drop)
    });
    run_with_clock(
        async move {
            g.anext().await?;
            let closer = create_task(g.aclose())?;
            sleep(0.5).await?;
            closer.cancel();
            assert!(closer.await.is_err());
            assert!(!g.ag_running());
            let next = g.anext().await.unwrap_err();
            assert!(next.is::<StopAsyncIteration>(), "{next}");
            Ok(())
        },
        Clock::new_virtual(),
    )
}
// ANCHOR_END: cancelled_aclose
