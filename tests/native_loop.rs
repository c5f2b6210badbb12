//! Generation 3: native coroutines on the asyncio-like loop. Every test runs on the
//! virtual clock, so the times it checks are exact and it never waits.

mod common;

use common::Log;
use pycoro::clock::Clock;
use pycoro::event_loop::{EventLoop, get_running_loop};
use pycoro::exceptions::{
    CancelledError, PyResult, RuntimeError, TimeoutError, ValueError, cause, context,
    exception_repr, format_exception_only, same_exception,
};
use pycoro::native::{
    ReturnWhen, as_completed, create_task, current_task, gather, gather_return_exceptions,
    run_with_clock, shield, sleep, sleep_with_result, timeout, timeout_at, to_thread, wait,
    wait_for,
};
use pycoro::trace::PyRepr;

fn run<T: Clone + 'static>(main: impl Future<Output = PyResult<T>> + 'static) -> PyResult<T> {
    run_with_clock(main, Clock::new_virtual())
}

fn now() -> f64 {
    get_running_loop().map_or(f64::NAN, |lp| lp.time())
}

async fn after(seconds: f64, value: &'static str) -> PyResult<&'static str> {
    sleep(seconds).await?;
    Ok(value)
}

async fn fail_after(seconds: f64) -> PyResult<&'static str> {
    sleep(seconds).await?;
    Err(ValueError::new(format!("failed at {seconds}")).into())
}

#[test]
fn sleep_takes_exactly_its_time_on_the_virtual_clock() -> PyResult<()> {
    let times = run(async {
        sleep(1.5).await?;
        let first = now();
        sleep(0.25).await?;
        Ok((first, now()))
    })?;
    assert_eq!(times, (1.5, 1.75));
    Ok(())
}

#[test]
fn gather_gives_results_in_argument_order_whatever_the_finishing_order() -> PyResult<()> {
    let (results, time) = run(async {
        let slow = create_task(after(3.0, "slow"))?;
        let fast = create_task(after(1.0, "fast"))?;
        Ok((gather([slow, fast]).await?, now()))
    })?;
    assert_eq!(results, ["slow", "fast"]);
    assert_eq!(time, 3.0, "concurrently: the slowest decides");
    Ok(())
}

#[test]
fn gather_raises_the_first_exception_as_soon_as_it_happens() -> PyResult<()> {
    let (error, time) = run(async {
        let slow = create_task(after(5.0, "slow"))?;
        let failing = create_task(fail_after(1.0))?;
        let error = gather([slow, failing]).await.unwrap_err();
        Ok((format_exception_only(&error), now()))
    })?;
    assert_eq!(error, "ValueError: failed at 1");
    assert_eq!(time, 1.0);
    Ok(())
}

/// Sleeps until cancelled, and says so (python/rules/gather.py has its twin).
async fn child(log: Log, name: &'static str) -> PyResult<&'static str> {
    let slept = sleep(10.0).await;
    if slept.is_err() {
        log.push(format!("{name} cancelled"));
    }
    slept.map(|()| name)
}

// ANCHOR: gather_cancelled
#[test]
fn cancelling_a_task_that_awaits_gather_cancels_the_tasks_gathered() -> PyResult<()> {
    // python/rules/gather.py: CPython prints the same lines in the same order.
    let log = Log::default();
    let main_log = log.clone();
    run(async move {
        let (a, b) = (
            create_task(child(log.clone(), "child 1"))?,
            create_task(child(log.clone(), "child 2"))?,
        );
        let waiter_log = log.clone();
        let waiter = create_task(async move {
            let gathered = gather([a, b]).await;
            if gathered.is_err() {
                waiter_log.push("waiter cancelled");
            }
            gathered
        })?;
        sleep(0.0).await?;
        waiter.cancel();
        if let Err(e) = waiter.await
            && e.is::<CancelledError>()
        {
            log.push("main sees cancelled");
        }
        Ok(())
    })?;
    assert_eq!(
        main_log.take(),
        [
            "child 1 cancelled",
            "child 2 cancelled",
            "waiter cancelled",
            "main sees cancelled"
        ]
    );
    Ok(())
}
// ANCHOR_END: gather_cancelled

#[test]
fn gather_return_exceptions_gives_every_outcome_in_argument_order() -> PyResult<()> {
    let outcomes = run(async {
        let tasks = [
            create_task(after(2.0, "ok"))?,
            create_task(fail_after(1.0))?,
            create_task(after(3.0, "cancelled"))?,
        ];
        tasks[2].cancel();
        let outcomes = pycoro::native::gather_return_exceptions(tasks).await?;
        Ok(outcomes
            .into_iter()
            .map(|outcome| outcome.map_err(|e| format_exception_only(&e)))
            .collect::<Vec<_>>())
    })?;
    assert_eq!(
        outcomes,
        [
            Ok("ok"),
            Err("ValueError: failed at 1".to_owned()),
            Err("asyncio.exceptions.CancelledError".to_owned())
        ]
    );
    Ok(())
}

#[test]
fn gather_return_exceptions_prints_its_list_as_python_prints_it() -> PyResult<()> {
    // outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    // print(outcomes); print(str(outcomes[0]), str(outcomes[1]))
    let printed = run(async {
        let tasks = [
            create_task(async { sleep(2.0).await.map(|()| (10, "ok")) })?,
            create_task(async {
                sleep(1.5).await?;
                Err::<(i32, &str), _>(ValueError::new("failed at 1.5").into())
            })?,
            create_task(async { sleep(3.0).await.map(|()| (0, "x")) })?,
        ];
        tasks[2].cancel();
        let outcomes = gather_return_exceptions(tasks).await?;
        Ok(format!(
            "{}\n{} {}",
            outcomes.py_repr(),
            outcomes[0].py_str(),
            outcomes[1].py_str()
        ))
    })?;
    // What python3 prints for the same program.
    assert_eq!(
        printed,
        "[(10, 'ok'), ValueError('failed at 1.5'), CancelledError('')]\n(10, 'ok') failed at 1.5"
    );
    Ok(())
}

#[test]
fn a_borrowed_future_is_awaited_as_a_borrowed_task_is() -> PyResult<()> {
    // fut = loop.create_future(); loop.call_soon(fut.set_result, 7)
    // print(await fut, fut.result())
    let (awaited, result, time) = run(async {
        let lp = get_running_loop()?;
        let fut = lp.create_future::<i32>();
        let setter = fut.clone();
        lp.call_later(1.0, move || setter.set_result(7).unwrap())?;
        let awaited = (&fut).await?;
        Ok((awaited, fut.result()?, now()))
    })?;
    assert_eq!((awaited, result, time), (7, 7, 1.0));
    Ok(())
}

#[test]
fn gather_return_exceptions_cancelled_cancels_the_tasks_and_raises_cancelled_error() -> PyResult<()>
{
    let log = Log::default();
    let main_log = log.clone();
    let (outcome, cancelled) = run(async move {
        let tasks = [create_task(child(log.clone(), "child 1"))?];
        let gathered = tasks.clone();
        let waiter = create_task(async move {
            // Task results are `Clone`; a list of exceptions is not: its length will do.
            let outcomes = pycoro::native::gather_return_exceptions(gathered).await?;
            Ok(outcomes.len())
        })?;
        sleep(0.0).await?;
        waiter.cancel();
        let outcome = waiter
            .await
            .map(|_| ())
            .map_err(|e| format_exception_only(&e));
        Ok((outcome, tasks[0].cancelled()))
    })?;
    assert_eq!(outcome, Err("asyncio.exceptions.CancelledError".to_owned()));
    assert!(cancelled, "the task gathered was cancelled");
    assert_eq!(main_log.take(), ["child 1 cancelled"]);
    Ok(())
}

#[test]
fn wait_first_completed_returns_done_and_pending() -> PyResult<()> {
    let (done, pending, time) = run(async {
        let tasks = vec![
            create_task(after(2.0, "a"))?,
            create_task(after(1.0, "b"))?,
            create_task(after(3.0, "c"))?,
        ];
        let (done, pending) = wait(tasks, None, ReturnWhen::FirstCompleted).await?;
        let done: Vec<_> = done.iter().map(|t| t.result().unwrap()).collect();
        Ok((done, pending.len(), now()))
    })?;
    assert_eq!((done, pending, time), (vec!["b"], 2, 1.0));
    Ok(())
}

#[test]
fn wait_first_exception_and_wait_with_a_timeout() -> PyResult<()> {
    let (first_exception, after_timeout) = run(async {
        let tasks = vec![create_task(after(2.0, "a"))?, create_task(fail_after(1.0))?];
        let (done, pending) = wait(tasks, None, ReturnWhen::FirstException).await?;
        let first_exception = (done.len(), pending.len(), now());
        let tasks = vec![create_task(after(10.0, "late"))?];
        let (done, pending) = wait(tasks, Some(0.5), ReturnWhen::AllCompleted).await?;
        Ok((first_exception, (done.len(), pending.len(), now())))
    })?;
    assert_eq!(first_exception, (1, 1, 1.0));
    assert_eq!(after_timeout, (0, 1, 1.5));
    Ok(())
}

#[test]
fn as_completed_gives_results_in_the_order_tasks_finish() -> PyResult<()> {
    let order = run(async {
        let tasks = vec![
            create_task(after(3.0, "third"))?,
            create_task(after(1.0, "first"))?,
            create_task(after(2.0, "second"))?,
        ];
        let mut order = Vec::new();
        for next in as_completed(tasks, None)? {
            order.push(format!("{} at {}", next.await?, now()));
        }
        Ok(order)
    })?;
    assert_eq!(order, ["first at 1", "second at 2", "third at 3"]);
    Ok(())
}

#[test]
fn wait_for_raises_timeout_error_and_cancels_the_task() -> PyResult<()> {
    let (error, cancelled, time) = run(async {
        let task = create_task(after(10.0, "too late"))?;
        let error = wait_for(task.clone(), 2.0).await.unwrap_err();
        sleep(0.0).await?; // let the cancellation reach the task
        Ok((error.is::<TimeoutError>(), task.cancelled(), now()))
    })?;
    assert!(error && cancelled);
    assert_eq!(time, 2.0);
    Ok(())
}

#[test]
fn cancel_raises_cancelled_error_at_the_await_and_the_coroutine_may_clean_up() -> PyResult<()> {
    let log = Log::default();
    let body_log = log.clone();
    let cancelled = run(async move {
        let task = create_task(async move {
            match sleep(10.0).await {
                Err(e) if e.is::<CancelledError>() => {
                    body_log.push(format!("cancelled at {}", now()));
                    sleep(1.0).await?; // cleanup may await
                    body_log.push(format!("cleaned up at {}", now()));
                    Err(e) // re-raised: the task ends cancelled
                }
                other => other.map(|()| "slept"),
            }
        })?;
        sleep(2.0).await?;
        assert!(task.cancel());
        let awaited = (&task).await;
        Ok((
            awaited.unwrap_err().is::<CancelledError>(),
            task.cancelled(),
        ))
    })?;
    assert_eq!(cancelled, (true, true));
    assert_eq!(log.take(), ["cancelled at 2", "cleaned up at 3"]);
    Ok(())
}

#[test]
fn a_coroutine_may_swallow_cancellation_and_return_a_value() -> PyResult<()> {
    let result = run(async {
        let task = create_task(async {
            match sleep(10.0).await {
                Err(e) if e.is::<CancelledError>() => Ok("ignored the cancel"),
                other => other.map(|()| "slept"),
            }
        })?;
        sleep(1.0).await?;
        task.cancel();
        let value = task.clone().await?;
        Ok((value, task.cancelled()))
    })?;
    assert_eq!(result, ("ignored the cancel", false));
    Ok(())
}

#[test]
fn a_panic_inside_a_task_becomes_its_exception_and_the_loop_goes_on() -> PyResult<()> {
    let (error, other) = run(async {
        let panicking = create_task(async {
            sleep(1.0).await?;
            if now() > 0.0 {
                panic!("task exploded");
            }
            Ok("unreachable")
        })?;
        let other = create_task(after(2.0, "still running"))?;
        let error = panicking.await.unwrap_err();
        Ok((format_exception_only(&error), other.await?))
    })?;
    assert_eq!(error, "RuntimeError: panic: task exploded");
    assert_eq!(other, "still running");
    Ok(())
}

#[test]
fn polling_sleep_outside_a_pycoro_loop_is_an_error_not_a_hang() {
    let error = futures::executor::block_on(sleep(1.0)).unwrap_err();
    assert!(error.is::<RuntimeError>());
    assert_eq!(error.to_string(), "no running event loop");
}

#[test]
fn dropping_a_sleep_cancels_its_timer_which_is_rusts_own_cancellation() -> PyResult<()> {
    use futures::future::{Either, select};
    let lp = EventLoop::new(Clock::new_virtual());
    let winner = lp.run_until_complete(lp.create_native_task(async {
        let long = Box::pin(sleep(10.0));
        let short = Box::pin(sleep(1.0));
        let winner = match select(long, short).await {
            Either::Left(_) => "long",
            Either::Right(_) => "short", // the long sleep is dropped here
        };
        Ok(winner)
    })?)?;
    assert_eq!(winner, "short");
    // Nothing is left to wait for: the 10 s timer went with its future.
    let error = lp.run_forever().unwrap_err();
    assert!(error.to_string().contains("nothing left to wait for"));
    assert_eq!(lp.time(), 1.0);
    Ok(())
}

#[test]
fn a_task_has_pythons_repr_and_a_name() -> PyResult<()> {
    let lp = EventLoop::new(Clock::new_virtual());
    let task = lp.create_native_task(after(1.0, "done"))?;
    assert_eq!(
        task.to_string(),
        "<Task pending name='Task-1' coro=<after()>>"
    );
    lp.run_until_complete(task.clone())?;
    assert_eq!(
        task.to_string(),
        "<Task finished name='Task-1' coro=<after()> result='done'>"
    );
    assert_eq!(task.name(), "Task-1");
    Ok(())
}

#[test]
fn run_cancels_the_tasks_still_pending_when_main_returns() -> PyResult<()> {
    let log = Log::default();
    let body_log = log.clone();
    run(async move {
        create_task(async move {
            let slept = sleep(100.0).await;
            if let Err(e) = &slept {
                body_log.push(format_exception_only(e));
            }
            slept
        })?;
        sleep(1.0).await?;
        Ok(())
    })?;
    assert_eq!(log.take(), ["asyncio.exceptions.CancelledError"]);
    Ok(())
}

#[test]
fn an_exception_nobody_retrieves_is_reported_when_the_task_goes() -> PyResult<()> {
    let (reports, ran) = common::unraisable_reports(|| {
        run(async {
            create_task(fail_after(1.0))?; // nobody awaits it
            sleep(2.0).await?;
            Ok(())
        })
    });
    ran?;
    assert_eq!(
        reports,
        [
            // python/rules/tasks.py: CPython writes the same, less its frame lines and
            // where the coroutine was defined (`coro=<fail_after() done, defined at ...>`).
            "Task exception was never retrieved\n\
             future: <Task finished name='Task-2' coro=<fail_after()> exception=ValueError('failed at 1')>\n\
             Traceback (most recent call last):\nValueError: failed at 1"
        ]
    );
    Ok(())
}

/// Sleeps for a long time: a task that is still pending when its loop closes.
async fn forever() -> PyResult<()> {
    sleep(1000.0).await
}

#[test]
fn a_task_still_pending_when_the_loop_closes_is_reported_when_it_goes() -> PyResult<()> {
    // python/rules/tasks.py: CPython prints the same two lines.
    let event_loop = EventLoop::new(Clock::new_virtual());
    let (reports, ran) = common::unraisable_reports(|| {
        let main = event_loop.create_native_task(async {
            create_task(forever())?;
            sleep(0.0).await
        })?;
        event_loop.run_until_complete(main)?;
        event_loop.close()
    });
    ran?;
    assert_eq!(
        reports,
        [
            "Task was destroyed but it is pending!\ntask: <Task pending name='Task-2' coro=<forever()>>"
        ]
    );
    Ok(())
}

#[test]
fn only_its_coroutine_sets_a_tasks_result() -> PyResult<()> {
    // python/rules/tasks.py: CPython raises the same errors.
    let refused = run(async {
        let task = create_task(async { Ok(2) })?;
        let refused = [
            task.set_result(1).map_err(|e| format_exception_only(&e)),
            task.set_exception(ValueError::new("no"))
                .map_err(|e| format_exception_only(&e)),
        ];
        assert_eq!(task.await?, 2, "the coroutine's result is the task's");
        Ok(refused)
    })?;
    assert_eq!(
        refused,
        [
            Err("RuntimeError: Task does not support set_result operation".to_owned()),
            Err("RuntimeError: Task does not support set_exception operation".to_owned()),
        ]
    );
    Ok(())
}

#[test]
fn a_task_that_ran_to_its_end_or_was_cancelled_is_not_reported_at_close() -> PyResult<()> {
    let event_loop = EventLoop::new(Clock::new_virtual());
    let (reports, ran) = common::unraisable_reports(|| {
        let main = event_loop.create_native_task(async {
            let pending = create_task(forever())?;
            create_task(after(1.0, "done"))?.await?;
            pending.cancel();
            sleep(0.0).await // the cancellation is delivered
        })?;
        event_loop.run_until_complete(main)?;
        event_loop.close()
    });
    ran?;
    assert_eq!(reports, Vec::<String>::new());
    Ok(())
}

#[test]
fn current_task_and_all_tasks_name_the_running_and_the_pending_tasks() -> PyResult<()> {
    let (inside, pending) = run(async {
        let other = create_task(after(5.0, "other"))?;
        let me = pycoro::native::current_task().map(|t| t.to_string());
        let pending: Vec<String> = pycoro::native::all_tasks()?
            .iter()
            .map(|t| t.name().to_owned())
            .collect();
        other.cancel();
        Ok((me, pending))
    })?;
    // An `async` block is named after the function it is written in.
    assert_eq!(
        inside.as_deref(),
        Some(
            "<Task pending name='Task-1' coro=<current_task_and_all_tasks_name_the_running_and_the_pending_tasks()>>"
        )
    );
    assert_eq!(pending, ["Task-1", "Task-2"]);
    assert!(
        pycoro::native::current_task().is_none(),
        "none outside a loop"
    );
    Ok(())
}

#[test]
fn run_in_executor_results_are_awaitable_from_native_coroutines() -> PyResult<()> {
    let (value, time) = run(async {
        let lp = get_running_loop()?;
        let clock = lp.clock().clone();
        let future = lp.run_in_executor(move || {
            clock.sleep(2.0); // a blocking call, on a pool thread, in virtual time
            Ok(42)
        })?;
        Ok((future.await?, now()))
    })?;
    assert_eq!((value, time), (42, 2.0));
    Ok(())
}

#[test]
fn async_with_closes_the_resource_after_the_body_succeeds_too() -> PyResult<()> {
    use pycoro::contextlib::{AsyncContextManager, async_with};
    use pycoro::exceptions::Exception;
    struct Resource(Log);
    impl AsyncContextManager for Resource {
        type Target = ();
        async fn aenter(&mut self) -> PyResult<()> {
            Ok(())
        }
        async fn aexit(&mut self, exc: Option<Exception>) -> PyResult<()> {
            sleep(1.0).await?;
            self.0.push(format!("closed at {}", now()));
            exc.map_or(Ok(()), Err)
        }
    }
    let log = Log::default();
    let resource = Resource(log.clone());
    let value = run(async move { async_with(resource, async |()| Ok("body's value")).await })?;
    assert_eq!(value, Some("body's value"));
    assert_eq!(log.take(), ["closed at 1"]);
    Ok(())
}

#[test]
fn tasks_woken_by_foreign_futures_ping_pong_to_the_end() -> PyResult<()> {
    use futures::{SinkExt, StreamExt};
    async fn play(
        mut to_other: futures::channel::mpsc::Sender<u32>,
        mut from_other: futures::channel::mpsc::Receiver<u32>,
        serve: bool,
    ) -> PyResult<u32> {
        let mut count = 0;
        if serve {
            let _ = to_other.send(0).await;
        }
        while let Some(n) = from_other.next().await {
            count += 1;
            if n >= 100 || to_other.send(n + 1).await.is_err() {
                break;
            }
        }
        Ok(count)
    }
    let total = run(async {
        let (ping_tx, ping_rx) = futures::channel::mpsc::channel(1);
        let (pong_tx, pong_rx) = futures::channel::mpsc::channel(1);
        let a = create_task(play(ping_tx, pong_rx, true))?;
        let b = create_task(play(pong_tx, ping_rx, false))?;
        Ok(a.await? + b.await?)
    })?;
    assert_eq!(total, 101);
    Ok(())
}

#[test]
fn printing_a_failed_task_does_not_count_as_retrieving_its_exception() -> PyResult<()> {
    let (reports, printed) = common::unraisable_reports(|| {
        run(async {
            let failing = create_task(fail_after(1.0))?;
            sleep(2.0).await?;
            Ok(failing.to_string()) // repr only: nobody looks at the exception
        })
    });
    let printed = printed?;
    assert_eq!(
        printed,
        "<Task finished name='Task-2' coro=<fail_after()> exception=ValueError('failed at 1')>"
    );
    assert_eq!(reports.len(), 1, "still reported when the task goes");
    Ok(())
}

#[test]
fn get_event_loop_gives_the_threads_loop_or_says_there_is_none() -> PyResult<()> {
    use pycoro::event_loop::{get_event_loop, set_event_loop};
    let e = get_event_loop().unwrap_err();
    assert!(e.is::<RuntimeError>(), "{e}");
    let lp = EventLoop::new(Clock::new_virtual());
    set_event_loop(Some(&lp));
    assert_eq!(get_event_loop()?.id(), lp.id());
    set_event_loop(None);
    Ok(())
}

/// Counts the polls of the future it wraps.
struct Counted<F> {
    inner: std::pin::Pin<Box<F>>,
    polls: std::rc::Rc<std::cell::Cell<u32>>,
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.inner.as_mut().poll(cx)
    }
}

#[test]
fn a_finished_tasks_waker_does_not_wake_the_task_that_took_its_place() -> PyResult<()> {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::task::{Poll, Waker};

    let stale: Rc<RefCell<Option<Waker>>> = Rc::default();
    let polls = Rc::new(Cell::new(0));
    let (keep, count) = (stale.clone(), polls.clone());
    run(async move {
        // A keeps its waker and finishes at once: its place in the loop is free again.
        let a = create_task(std::future::poll_fn(move |cx| {
            keep.replace(Some(cx.waker().clone()));
            Poll::Ready(Ok(()))
        }))?;
        a.await?;
        // B takes that place: it is polled once to start its sleep, once when it ends.
        let b = create_task(Counted {
            inner: Box::pin(sleep(1.0)),
            polls: count,
        })?;
        sleep(0.0).await?; // B starts
        let waker = stale.take().expect("A kept its waker");
        waker.wake(); // A's waker: it must not reach B
        b.await
    })?;
    assert_eq!(polls.get(), 2);
    Ok(())
}

#[test]
fn a_sleep_stepped_before_its_time_sleeps_on() -> PyResult<()> {
    use std::task::Poll;

    let woke_at = run(async {
        let mut early = false;
        // A foreign future that wakes its task at once, once: the sleep beside it is
        // polled before its timer fires, and must not finish (or set a second timer).
        let nudge = std::future::poll_fn(move |cx| {
            if !early {
                early = true;
                cx.waker().wake_by_ref();
            }
            Poll::<()>::Pending
        });
        let slept = sleep(2.0);
        futures::pin_mut!(nudge, slept);
        match futures::future::select(slept, nudge).await {
            futures::future::Either::Left((slept, _)) => slept?,
            futures::future::Either::Right(_) => unreachable!("the nudge never finishes"),
        }
        Ok(now())
    })?;
    assert_eq!(woke_at, 2.0);
    Ok(())
}

#[test]
fn a_task_that_keeps_its_waker_only_later_is_still_woken_by_it() -> PyResult<()> {
    // Steps that never keep their waker borrow a spare one; the step that keeps one
    // must keep one that wakes this task, and only it.
    let (tx, rx) = futures::channel::oneshot::channel::<u32>();
    let got = run(async move {
        let receiver = create_task(async move {
            sleep(1.0).await?; // a step or two on a borrowed waker
            let value = rx.await.map_err(|_| ValueError::new("sender dropped"))?; // kept
            Ok((value, now()))
        })?;
        let other = create_task(async {
            sleep(1.5).await?; // borrows the same spare meanwhile
            Ok((0, now()))
        })?;
        sleep(2.0).await?;
        let _ = tx.send(7); // wakes the receiver through the waker it kept
        let other = other.await?;
        let got = receiver.await?;
        Ok((got, other))
    })?;
    assert_eq!(got, ((7, 2.0), (0, 1.5)));
    Ok(())
}

#[test]
fn two_sleeps_in_one_task_each_end_at_their_own_time() -> PyResult<()> {
    // One task, two timers: each sleep must tell its own timer's step from the other's.
    let times = run(async {
        let short = sleep(1.0);
        let long = sleep(3.0);
        futures::pin_mut!(short, long);
        let long = match futures::future::select(short, long).await {
            futures::future::Either::Left((slept, long)) => {
                slept?;
                long
            }
            futures::future::Either::Right(_) => unreachable!("the longer sleep ended first"),
        };
        let first = now();
        long.await?;
        Ok((first, now()))
    })?;
    assert_eq!(times, (1.0, 3.0));
    Ok(())
}

#[test]
fn a_task_cancelled_in_its_sleep_is_not_stepped_when_the_sleep_was_due() -> PyResult<()> {
    use std::cell::Cell;
    use std::future::IntoFuture;
    use std::rc::Rc;

    // The cancelled sleep's timer stays in the heap (as asyncio's cancelled handles do);
    // when it comes due it must step nobody: the task now waits for something else.
    let polls = Rc::new(Cell::new(0));
    let seen = polls.clone();
    run(async move {
        let never = get_running_loop()?.create_future::<()>();
        let waiter = never.clone();
        let task = create_task(async move {
            if let Err(e) = sleep(1.0).await {
                assert!(e.is::<CancelledError>());
            }
            let mut waiting = waiter.into_future();
            std::future::poll_fn(|cx| {
                seen.set(seen.get() + 1);
                std::pin::Pin::new(&mut waiting).poll(cx)
            })
            .await
        })?;
        sleep(0.5).await?;
        task.cancel();
        sleep(2.0).await?;
        never.set_result(())?;
        task.await
    })?;
    assert_eq!(
        polls.get(),
        2,
        "polled when it began to wait, and when the future was done"
    );
    Ok(())
}

// ANCHOR: passed_on
#[test]
fn cancelling_a_task_cancels_the_task_it_awaits() -> PyResult<()> {
    // As python/rules/cancellation.py: the cancellation reaches the awaited task, whose
    // coroutine gets `CancelledError` and cleans up; it is not only marked cancelled.
    let log = Log::default();
    let seen = log.clone();
    run(async move {
        let cleanup = seen.clone();
        let inner = create_task(async move {
            let slept = sleep(10.0).await;
            if let Err(e) = &slept
                && e.is::<CancelledError>()
            {
                cleanup.push("inner cleans up");
            }
            slept
        })?;
        let awaited = inner.clone();
        let outer = create_task(async move { awaited.await })?;
        sleep(0.0).await?;
        outer.cancel();
        if let Err(e) = (&outer).await
            && e.is::<CancelledError>()
        {
            seen.push("outer cancelled");
        }
        assert!(inner.cancelled());
        Ok(())
    })?;
    assert_eq!(log.take(), ["inner cleans up", "outer cancelled"]);
    Ok(())
}
// ANCHOR_END: passed_on

// ANCHOR: swallowed
#[test]
fn a_task_that_swallows_the_cancellation_gives_its_result_to_its_waiter() -> PyResult<()> {
    run(async {
        let inner = create_task(async {
            match sleep(10.0).await {
                Err(e) if e.is::<CancelledError>() => Ok(5),
                other => other.map(|()| 0),
            }
        })?;
        let awaited = inner.clone();
        let outer = create_task(async move { awaited.await })?;
        sleep(0.0).await?;
        assert!(outer.cancel());
        assert_eq!((&outer).await?, 5);
        assert!(!outer.cancelled() && !inner.cancelled());
        Ok(())
    })
}
// ANCHOR_END: swallowed

#[test]
fn closing_the_loop_lets_go_of_pending_tasks_that_hold_each_other() -> PyResult<()> {
    use std::cell::Cell;
    use std::rc::Rc;

    /// Counts its drops: a coroutine's locals are dropped when the coroutine is.
    struct Dropped(Rc<Cell<u32>>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    // A awaits B, and B holds A (and waits for ever): an `Rc` cycle through a task's
    // coroutine and what its task waits on. Closing the loop must still drop both.
    let dropped = Rc::new(Cell::new(0));
    let event_loop = EventLoop::new(Clock::new_virtual());
    let (a_dropped, b_dropped) = (Dropped(dropped.clone()), Dropped(dropped.clone()));
    let main = event_loop.create_native_task(async move {
        let (give_a, get_a) = futures::channel::oneshot::channel();
        let b = create_task(async move {
            let _guard = b_dropped;
            let _a: pycoro::native::Task<()> = get_a.await.expect("A is sent");
            std::future::pending::<()>().await;
            Ok(())
        })?;
        let a = create_task(async move {
            let _guard = a_dropped;
            b.await
        })?;
        let _ = give_a.send(a);
        sleep(1.0).await?; // both suspended now
        Ok(())
    })?;
    event_loop.run_until_complete(main)?;
    assert_eq!(dropped.get(), 0, "both still pending");
    event_loop.close()?;
    assert_eq!(
        dropped.get(),
        2,
        "both coroutines dropped when the loop closed"
    );
    Ok(())
}

// The rules of `python/rules/cancellation.py`, under the same names.

// ANCHOR: cancel_message
#[test]
fn cancel_with_a_message_reaches_the_coroutine_and_whoever_awaits_the_task() -> PyResult<()> {
    async fn sleeper() -> PyResult<()> {
        sleep(10.0).await
    }
    let seen = run(async {
        let mut seen = Vec::new();
        let sleeping = create_task(sleeper())?;
        let unstarted = create_task(sleeper())?;
        sleep(0.0).await?;
        sleeping.cancel_with_message("shutting down");
        unstarted.cancel_with_message("never ran");
        for task in [&sleeping, &unstarted] {
            seen.push(exception_repr(&task.await.unwrap_err()));
        }
        // The first to ask gets the coroutine's own exception; after that, a new one
        // that has no message, as the task's `Future.cancel()` was given none.
        seen.push(exception_repr(&sleeping.result().unwrap_err()));
        // gather(return_exceptions=True) lists a new one, '' for no message.
        let again = create_task(sleeper())?;
        sleep(0.0).await?;
        again.cancel_with_message("bye");
        let outcomes = gather_return_exceptions([again]).await?;
        let outcomes: Vec<_> = outcomes
            .iter()
            .map(|o| exception_repr(o.as_ref().unwrap_err()))
            .collect();
        seen.push(format!("[{}]", outcomes.join(", ")));
        // A future cancelled with a message: its waiter gets the message.
        let future = get_running_loop()?.create_future::<()>();
        let waiter = create_task(future.clone().into_future())?;
        sleep(0.0).await?;
        future.cancel_with_message("no result");
        seen.push(exception_repr(&waiter.await.unwrap_err()));
        Ok(seen)
    })?;
    assert_eq!(
        seen,
        [
            "CancelledError('shutting down')",
            "CancelledError('never ran')",
            "CancelledError()",
            "[CancelledError('')]",
            "CancelledError('no result')",
        ]
    );
    Ok(())
}
// ANCHOR_END: cancel_message

// ANCHOR: before_first_step
#[test]
fn a_task_cancelled_before_its_first_step_never_runs_its_body() -> PyResult<()> {
    let log = Log::default();
    let (body_log, main_log) = (log.clone(), log.clone());
    let cancelled = run(async move {
        let task = create_task(async move {
            body_log.push("body ran");
            Ok(1)
        })?;
        assert!(task.cancel());
        match (&task).await {
            Err(e) if e.is::<CancelledError>() => main_log.push("cancelled"),
            other => panic!("the task was not cancelled: {other:?}"),
        }
        Ok(task.cancelled())
    })?;
    assert_eq!(log.take(), ["cancelled"]);
    assert!(cancelled);
    Ok(())
}
// ANCHOR_END: before_first_step

// ANCHOR: returns_while_cancelled
#[test]
fn a_task_that_returns_while_a_cancel_is_pending_ends_cancelled() -> PyResult<()> {
    let log = Log::default();
    let (returns_log, main_log) = (log.clone(), log.clone());
    let (returned, raised) = run(async move {
        let returned = create_task(async move {
            current_task().expect("in a task").cancel();
            returns_log.push("returns");
            Ok(2)
        })?;
        match (&returned).await {
            Err(e) if e.is::<CancelledError>() => main_log.push("cancelled"),
            other => panic!("the task was not cancelled: {other:?}"),
        }
        let raised = create_task(async {
            current_task().expect("in a task").cancel();
            Err::<(), _>(ValueError::new("raised").into())
        })?;
        match (&raised).await {
            Err(e) if e.is::<ValueError>() => main_log.push("its exception wins"),
            other => panic!("no ValueError: {other:?}"),
        }
        Ok((returned.cancelled(), raised.cancelled()))
    })?;
    assert_eq!(log.take(), ["returns", "cancelled", "its exception wins"]);
    assert!(returned && !raised);
    Ok(())
}
// ANCHOR_END: returns_while_cancelled

#[test]
fn cancelling_counts_the_requests_and_uncancel_takes_one_back() -> PyResult<()> {
    run(async {
        let task = create_task(sleep(10.0))?;
        sleep(0.0).await?;
        assert_eq!(task.cancelling(), 0);
        task.cancel();
        task.cancel();
        assert_eq!(task.cancelling(), 2);
        assert_eq!(task.uncancel(), 1);
        assert_eq!(task.cancelling(), 1);
        assert!((&task).await.is_err_and(|e| e.is::<CancelledError>()));
        assert!(!task.cancel(), "done: no request is counted");
        assert_eq!(task.cancelling(), 1);
        Ok(())
    })
}

// ANCHOR: wait_for_waits
#[test]
fn wait_for_cancels_the_inner_task_and_waits_for_it_before_timeout_error() -> PyResult<()> {
    let log = Log::default();
    let (inner_log, main_log) = (log.clone(), log.clone());
    run(async move {
        let slow = async move {
            match sleep(10.0).await {
                Err(e) if e.is::<CancelledError>() => {
                    inner_log.push("inner cleans up");
                    sleep(1.0).await?;
                    inner_log.push("inner cleaned up");
                    Err(e)
                }
                other => other,
            }
        };
        match wait_for(slow, 2.0).await {
            Err(e) if e.is::<TimeoutError>() => main_log.push(format!("timeout at {}", now())),
            other => panic!("no TimeoutError: {other:?}"),
        }
        Ok(())
    })?;
    assert_eq!(
        log.take(),
        ["inner cleans up", "inner cleaned up", "timeout at 3"]
    );
    Ok(())
}
// ANCHOR_END: wait_for_waits

#[test]
fn wait_for_returns_the_value_of_an_inner_task_that_swallows_the_cancellation() -> PyResult<()> {
    let value = run(async {
        let stubborn = async {
            match sleep(10.0).await {
                Err(e) if e.is::<CancelledError>() => Ok("kept going"),
                other => other.map(|()| "slept"),
            }
        };
        wait_for(stubborn, 1.0).await
    })?;
    assert_eq!(value, "kept going");
    Ok(())
}

#[test]
fn cancelling_the_task_that_awaits_wait_for_cancels_the_inner_task() -> PyResult<()> {
    let log = Log::default();
    let (inner_log, main_log) = (log.clone(), log.clone());
    run(async move {
        let inner = async move {
            let slept = sleep(10.0).await;
            if slept.as_ref().is_err_and(|e| e.is::<CancelledError>()) {
                inner_log.push("inner cancelled");
            }
            slept
        };
        let outer = create_task(async move { wait_for(inner, 5.0).await })?;
        sleep(1.0).await?;
        outer.cancel();
        match (&outer).await {
            Err(e) if e.is::<CancelledError>() => main_log.push("outer cancelled"),
            other => panic!("the outer task was not cancelled: {other:?}"),
        }
        Ok(())
    })?;
    assert_eq!(log.take(), ["inner cancelled", "outer cancelled"]);
    Ok(())
}

#[test]
fn a_message_cancelling_wait_for_reaches_the_inner_task_only_without_a_timeout() -> PyResult<()> {
    // With a timeout, wait_for waits on a future of its own: the message cancels that,
    // and the inner task is cancelled after, without it. With none it awaits the task
    // itself, which the cancellation reaches as it is.
    let log = Log::default();
    let main_log = log.clone();
    run(async move {
        for timeout in [Some(5.0), None] {
            let inner_log = main_log.clone();
            let inner_task = create_task(async move {
                let slept = sleep(10.0).await;
                if let Err(e) = &slept {
                    inner_log.push(format!("inner: {}", exception_repr(e)));
                }
                slept
            })?;
            let outer = create_task(wait_for(inner_task.clone(), timeout))?;
            sleep(1.0).await?;
            outer.cancel_with_message("stop");
            match (&outer).await {
                Err(e) if e.is::<CancelledError>() => {
                    main_log.push(format!("outer: {}", exception_repr(&e)))
                }
                other => panic!("the outer task was not cancelled: {other:?}"),
            }
            assert!(inner_task.cancelled());
        }
        Ok(())
    })?;
    assert_eq!(
        log.take(),
        [
            "inner: CancelledError()",
            "outer: CancelledError('stop')",
            "inner: CancelledError('stop')",
            "outer: CancelledError('stop')"
        ]
    );
    Ok(())
}

// The rules of `python/rules/timeouts.py`, under the same names.

// ANCHOR: timeout_expires
#[test]
fn a_timeout_cancels_the_block_and_raises_timeout_error_at_its_deadline() -> PyResult<()> {
    let log = Log::default();
    let main_log = log.clone();
    let (expired, repr) = run(async move {
        let start = now();
        let cm = timeout(Some(0.1))?;
        let block_log = main_log.clone();
        let outcome = cm
            .run(async move {
                let slept = sleep(10.0).await;
                if slept.as_ref().is_err_and(|e| e.is::<CancelledError>()) {
                    block_log.push("the block is cancelled");
                }
                slept
            })
            .await;
        match outcome {
            Err(e) if e.is::<TimeoutError>() => {
                main_log.push(format!("TimeoutError at {:.1}", now() - start))
            }
            other => panic!("no TimeoutError: {other:?}"),
        }
        Ok((cm.expired(), cm.to_string()))
    })?;
    assert_eq!(
        log.take(),
        ["the block is cancelled", "TimeoutError at 0.1"]
    );
    assert!(expired);
    assert_eq!(repr, "<Timeout [expired]>");
    Ok(())
}
// ANCHOR_END: timeout_expires

#[test]
fn a_block_that_ends_in_time_gives_its_value_and_the_timeout_has_not_expired() -> PyResult<()> {
    run(async {
        let cm = timeout(Some(0.5))?;
        cm.run(sleep(0.1)).await?;
        assert!(!cm.expired());
        assert_eq!(cm.to_string(), "<Timeout [finished]>");
        Ok(())
    })
}

#[test]
fn reschedule_moves_the_deadline_from_inside_the_block() -> PyResult<()> {
    let elapsed = run(async {
        let start = now();
        let cm = timeout(Some(0.1))?;
        let inside = cm.clone();
        let outcome = cm
            .run(async move {
                inside.reschedule(Some(now() + 0.3))?;
                sleep(10.0).await
            })
            .await;
        assert!(outcome.is_err_and(|e| e.is::<TimeoutError>()));
        Ok(now() - start)
    })?;
    assert_eq!(format!("{elapsed:.1}"), "0.3");
    Ok(())
}

#[test]
fn a_timeout_without_a_deadline_never_expires() -> PyResult<()> {
    run(async {
        let cm = timeout_at(None);
        assert_eq!(cm.to_string(), "<Timeout [created]>");
        let inside = cm.clone();
        cm.run(async move {
            assert_eq!(inside.to_string(), "<Timeout [active] when=None>");
            sleep(0.1).await
        })
        .await?;
        assert!(cm.when().is_none() && !cm.expired());
        let error = cm.reschedule(Some(1.0)).unwrap_err();
        assert!(error.is::<RuntimeError>());
        assert_eq!(error.to_string(), "Cannot change state of finished Timeout");
        Ok(())
    })
}

#[test]
fn a_cancellation_from_outside_the_block_stays_a_cancellation() -> PyResult<()> {
    run(async {
        let task = create_task(async { timeout(Some(10.0))?.run(sleep(0.5)).await })?;
        sleep(0.1).await?;
        task.cancel();
        assert!((&task).await.is_err_and(|e| e.is::<CancelledError>()));
        Ok(())
    })
}

#[test]
fn timeout_error_is_raised_from_the_cancelled_error() -> PyResult<()> {
    // `raise TimeoutError from exc_val` in timeout()'s __aexit__, and
    // `raise TimeoutError() from exc` in wait_for: the CancelledError is both the cause
    // and the context.
    run(async {
        let stuck = || sleep(10.0);
        let errors = [
            timeout(Some(0.1))?.run(stuck()).await.unwrap_err(),
            wait_for(stuck(), 0.1).await.unwrap_err(),
        ];
        for e in &errors {
            assert!(e.is::<TimeoutError>(), "{e:?}");
            let cause = cause(e).expect("a __cause__");
            assert!(cause.is::<CancelledError>(), "{cause:?}");
            assert!(context(e).is_some_and(|context| same_exception(context, cause)));
        }
        Ok(())
    })
}

// ANCHOR: shield
#[test]
fn shield_keeps_a_cancellation_of_the_waiter_from_the_task() -> PyResult<()> {
    let log = Log::default();
    let (precious_log, main_log) = (log.clone(), log.clone());
    let saved = run(async move {
        let inner = create_task(async move {
            sleep(0.2).await?;
            precious_log.push("precious work done");
            Ok("saved")
        })?;
        let shielded = shield(&inner)?;
        let outer = create_task(async move { shielded.await })?;
        sleep(0.1).await?;
        outer.cancel();
        match (&outer).await {
            Err(e) if e.is::<CancelledError>() => main_log.push("the waiter is cancelled"),
            other => panic!("the waiter was not cancelled: {other:?}"),
        }
        inner.await
    })?;
    assert_eq!(saved, "saved");
    assert_eq!(
        log.take(),
        ["the waiter is cancelled", "precious work done"]
    );
    Ok(())
}
// ANCHOR_END: shield

#[test]
fn sleep_with_result_gives_its_result_after_the_delay() -> PyResult<()> {
    let (value, time) = run(async { Ok((sleep_with_result(1.5, "awake").await?, now())) })?;
    assert_eq!((value, time), ("awake", 1.5));
    Ok(())
}

#[test]
fn to_thread_runs_the_function_on_another_thread_and_gives_its_result() -> PyResult<()> {
    let here = std::thread::current().id();
    let elsewhere =
        run(async move { to_thread(move || Ok(std::thread::current().id() != here)).await })?;
    assert!(elsewhere);
    Ok(())
}

#[test]
fn as_completed_raises_timeout_error_for_every_result_not_in_by_its_timeout() -> PyResult<()> {
    // for f in asyncio.as_completed([fast, slow], timeout=2): await f
    let outcomes = run(async {
        let fast = create_task(after(1.0, "fast"))?;
        let slow = create_task(after(3.0, "slow"))?;
        let mut outcomes = Vec::new();
        for next in as_completed(vec![slow.clone(), fast], Some(2.0))? {
            outcomes.push(match next.await {
                Ok(value) => format!("{value} at {}", now()),
                Err(e) => format!("{} at {}", format_exception_only(&e), now()),
            });
        }
        outcomes.push(format!("the slow task goes on: {}", slow.await?));
        Ok(outcomes)
    })?;
    assert_eq!(
        outcomes,
        [
            "fast at 1",
            "TimeoutError at 2",
            "the slow task goes on: slow"
        ]
    );
    Ok(())
}

// ANCHOR: gather_mixed
#[test]
fn gather_of_different_result_types_gives_a_tuple_in_argument_order() -> PyResult<()> {
    let (results, time) = run(async {
        let start = now();
        let name = async {
            sleep(0.2).await?;
            Ok("Ada")
        };
        let age = async {
            sleep(0.1).await?;
            Ok(36)
        };
        let event_loop = get_running_loop()?;
        let ready = event_loop.create_future::<bool>();
        let setter = ready.clone();
        event_loop.call_later(0.1, move || drop(setter.set_result(true)))?;
        let results = pycoro::gather!(name, age, ready).await?;
        Ok((results, format!("{:.1}", now() - start)))
    })?;
    assert_eq!(results, ("Ada", 36, true));
    assert_eq!(time, "0.2", "concurrently: the slowest decides");
    Ok(())
}
// ANCHOR_END: gather_mixed

#[test]
fn gather_of_different_result_types_raises_the_first_exception_and_passes_on_a_cancellation()
-> PyResult<()> {
    let (first_error, children_cancelled) = run(async {
        let error = pycoro::gather!(after(2.0, "late"), fail_after(1.0))
            .await
            .unwrap_err();
        let first_error = format!("{} at {}", format_exception_only(&error), now());
        let slow = create_task(after(10.0, "slow"))?;
        let other = create_task(async {
            sleep(10.0).await?;
            Ok(1)
        })?;
        let (a, b) = (slow.clone(), other.clone());
        let waiter = create_task(async move { pycoro::gather!(a, b).await })?;
        sleep(1.0).await?;
        waiter.cancel();
        assert!((&waiter).await.is_err_and(|e| e.is::<CancelledError>()));
        Ok((first_error, slow.cancelled() && other.cancelled()))
    })?;
    assert_eq!(first_error, "ValueError: failed at 1 at 1");
    assert!(children_cancelled);
    Ok(())
}

// ANCHOR: finally_awaits
#[test]
fn a_finally_that_awaits_runs_when_the_task_is_cancelled() -> PyResult<()> {
    let log = Log::default();
    let (worker_log, main_log) = (log.clone(), log.clone());
    run(async move {
        let start = now();
        let worker = create_task(async move {
            pycoro::try_! {
                try {
                    sleep(10.0).await?;
                }
                except CancelledError as e {
                    worker_log.push("cancelled");
                    Err(e)?;
                }
                finally {
                    sleep(0.1).await?;
                    worker_log.push(format!("cleaned up at {:.1}", now() - start));
                }
            }
            Ok(())
        })?;
        sleep(0.1).await?;
        worker.cancel();
        match (&worker).await {
            Err(e) if e.is::<CancelledError>() => main_log.push("the task ended cancelled"),
            other => panic!("the task was not cancelled: {other:?}"),
        }
        Ok(())
    })?;
    assert_eq!(
        log.take(),
        ["cancelled", "cleaned up at 0.2", "the task ended cancelled"]
    );
    Ok(())
}
// ANCHOR_END: finally_awaits

#[test]
fn set_exception_handler_receives_what_the_loop_cannot_raise_to_anyone() -> PyResult<()> {
    // loop.set_exception_handler(lambda loop, context: seen.append(context['message']))
    let event_loop = EventLoop::new(Clock::new_virtual());
    let seen = Log::default();
    let sink = seen.clone();
    event_loop.set_exception_handler(Some(std::rc::Rc::new(move |_, context| {
        let exception = context.exception.as_ref().map(format_exception_only);
        sink.push(format!(
            "{} | {:?} | {exception:?}",
            context.message, context.future
        ));
    })));
    let main = event_loop.create_native_task(async {
        create_task(fail_after(1.0))?; // nobody awaits it
        sleep(2.0).await
    })?;
    event_loop.run_until_complete(main)?;
    event_loop.set_exception_handler(None);
    assert_eq!(
        seen.take(),
        ["Task exception was never retrieved | \
          Some(\"<Task finished name='Task-2' coro=<fail_after()> exception=ValueError('failed at 1')>\") | \
          Some(\"ValueError: failed at 1\")"]
    );
    Ok(())
}

// As gather's _done_callback: a member that fails after the gather has failed has its
// exception marked as seen, so it is not reported as never retrieved.
#[test]
fn a_member_of_gather_that_fails_after_the_gather_is_not_reported_as_unretrieved() -> PyResult<()> {
    let event_loop = EventLoop::new(Clock::new_virtual());
    let seen = Log::default();
    let sink = seen.clone();
    event_loop.set_exception_handler(Some(std::rc::Rc::new(move |_, context| {
        sink.push(context.message.clone());
    })));
    let main = event_loop.create_native_task(async {
        let later = async {
            sleep(2.0).await?;
            Err::<i32, _>(RuntimeError::new("also failed").into())
        };
        let error = pycoro::gather!(fail_after(1.0), later).await.unwrap_err();
        assert_eq!(format_exception_only(&error), "ValueError: failed at 1");
        sleep(3.0).await // the second member fails meanwhile, and goes
    })?;
    event_loop.run_until_complete(main)?;
    event_loop.set_exception_handler(None);
    assert_eq!(seen.take(), Vec::<String>::new());
    Ok(())
}

// `wait_for(aw, None)` is `return await aw`: a coroutine runs in the task that awaits it.
#[test]
fn wait_for_without_a_timeout_runs_a_coroutine_in_place() -> PyResult<()> {
    run(async {
        async fn inner() -> PyResult<String> {
            Ok(current_task().expect("in a task").name())
        }
        let here = current_task().expect("in a task").name();
        assert_eq!(wait_for(inner(), None).await?, here);
        let task = create_task(inner())?;
        assert_eq!(wait_for(&task, None).await?, task.name());
        Ok(())
    })
}

// asyncio.run cancels the tasks left, then hands each that ended with an exception other
// than its cancellation to the loop's exception handler (and none is reported again as
// never retrieved).
#[test]
fn a_task_that_fails_while_asyncio_run_cancels_it_is_reported_at_shutdown() -> PyResult<()> {
    use std::cell::RefCell;
    use std::rc::Rc;
    let reports = Rc::new(RefCell::new(Vec::new()));
    let handled = reports.clone();
    let (unraisable, result) = common::unraisable_reports(|| {
        run(async move {
            get_running_loop()?.set_exception_handler(Some(Rc::new(move |_, context| {
                handled.borrow_mut().push((
                    context.message.clone(),
                    context.exception.as_ref().map(exception_repr),
                    context.task.clone().unwrap_or_default(),
                ));
            })));
            let stubborn = create_task(async {
                let _cancelled = sleep(10.0).await; // try:
                Err::<(), _>(ValueError::new("raised while cancelled").into()) // finally: raise
            })?;
            stubborn.set_name("stubborn");
            sleep(0.0).await
        })
    });
    result?;
    let reports = reports.borrow();
    let [(message, exception, task)] = reports.as_slice() else {
        panic!("one report, not {reports:?}")
    };
    assert_eq!(message, "unhandled exception during asyncio.run() shutdown");
    assert_eq!(
        exception.as_deref(),
        Some("ValueError('raised while cancelled')")
    );
    assert!(task.starts_with("<Task finished name='stubborn'"), "{task}");
    assert!(
        task.ends_with(" exception=ValueError('raised while cancelled')>"),
        "{task}"
    );
    assert_eq!(unraisable, Vec::<String>::new());
    Ok(())
}

// Awaiting a future (or task) that is already done does not yield, so a cancel the task
// gave itself is not raised there: it comes at the next await that suspends.
#[test]
fn awaiting_a_done_future_does_not_yield_so_a_pending_cancel_waits_for_the_next_suspension()
-> PyResult<()> {
    run(async {
        let log = Log::default();
        let future = get_running_loop()?.create_future::<i32>();
        future.set_result(1)?;
        let finished = create_task(async { Ok(2) })?;
        sleep(0.0).await?;
        current_task().expect("in a task").cancel();
        log.push(future.await?.to_string());
        log.push(finished.await?.to_string());
        if sleep(0.0).await.is_err_and(|e| e.is::<CancelledError>()) {
            log.push("cancelled at the next suspension");
        }
        current_task().expect("in a task").uncancel();
        assert_eq!(log.take(), ["1", "2", "cancelled at the next suspension"]);
        Ok(())
    })
}

// A task that cancels itself and then awaits sleep(0), sleep(1) or a lock it must wait
// for: as in Python, the CancelledError comes at its next step, after the tasks ready now.
#[test]
fn a_task_that_cancels_itself_raises_at_its_next_step_after_the_tasks_ready() -> PyResult<()> {
    use pycoro::native::Lock;
    run(async {
        let lock = Lock::new();
        lock.acquire().await?.forget();
        for wait in 0..3 {
            let log = Log::default();
            let other_log = log.clone();
            let task = create_task(async move {
                other_log.push("other ran");
                Ok(())
            })?;
            current_task().expect("in a task").cancel();
            let waited = match wait {
                0 => sleep(0.0).await,
                1 => sleep(1.0).await,
                _ => lock.acquire().await.map(|guard| guard.forget()),
            };
            if waited.as_ref().is_err_and(|e| e.is::<CancelledError>()) {
                log.push("cancelled");
            }
            current_task().expect("in a task").uncancel();
            assert_eq!(log.take(), ["other ran", "cancelled"], "wait {wait}");
            task.await?;
        }
        Ok(())
    })
}

#[test]
// python/rules/tasks.py has its twin.
fn a_concurrent_future_gives_its_result_or_exception_at_every_call() -> PyResult<()> {
    use pycoro::native::{LoopThread, run_coroutine_threadsafe};
    // loop = new_event_loop(); threading.Thread(target=loop.run_forever).start()
    let loop_thread = LoopThread::start(Clock::real());
    let good = run_coroutine_threadsafe(|| async { Ok(1) }, &loop_thread);
    let bad = run_coroutine_threadsafe(
        || async { Err::<i32, _>(ValueError::new("bad").into()) },
        &loop_thread,
    );
    // future.result(), twice; future.exception()
    assert_eq!((good.result()?, good.result()?), (1, 1));
    assert!(good.exception()?.is_none() && good.done());
    assert_eq!(bad.result().unwrap_err().to_string(), "bad");
    assert_eq!(bad.result().unwrap_err().to_string(), "bad");
    assert!(bad.exception()?.is_some_and(|e| e.is::<ValueError>()));
    loop_thread.stop();
    loop_thread.join()
}

// python/rules/timers.py has its twin.
#[test]
fn run_until_complete_of_a_native_coroutine_on_a_running_loop_is_refused_and_it_never_runs()
-> PyResult<()> {
    let log = Log::default();
    let (ran, refused) = (log.clone(), log.clone());
    let inner = move || {
        let ran = ran.clone();
        async move {
            ran.push("inner ran");
            Ok(1)
        }
    };
    let nested = inner.clone();
    run(async move {
        let lp = get_running_loop()?;
        if let Err(e) = lp.run_until_complete(nested()) {
            refused.push(format_exception_only(&e));
        }
        sleep(0.1).await
    })?;
    assert_eq!(
        log.take(),
        ["RuntimeError: This event loop is already running"]
    );
    // A coroutine becomes a task.
    let lp = EventLoop::new(Clock::new_virtual());
    assert_eq!(lp.run_until_complete(inner())?, 1);
    lp.close()
}
