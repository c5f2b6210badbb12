//! CPython 3.11's `Lib/test/test_asyncio/test_tasks.py`, its parts on cancellation,
//! `wait`, `gather`, `as_completed` and `shield`: one `#[test]` per `test_*` method, with
//! what the Python asserts above it.
//!
//! `BaseTaskTests` runs under eight classes in CPython (the C and the Python `Task` and
//! `Future`, and subclasses); pycoro has one of each, so its tests are here once, under
//! `PyTask_PyFuture_Tests`. The Python's `TestLoop` is a loop on the virtual clock, which
//! moves to the next timer by itself: the `gen()` generators that drive the Python's clock
//! and its `loop.advance_time(...)` calls have nothing left to do.
//!
//! Adapted: Python's sets are lists in argument order here, compared as sets of task
//! names; `test_utils.run_briefly(loop)` runs a task that does nothing; the white-box
//! `task._fut_waiter` and `task._must_cancel` are seen through what `cancel()` cancels; a
//! call that raises in Python where pycoro returns a future or an awaitable
//! (`gather(...)` without a loop) holds the exception instead. A coroutine cannot be
//! given twice in Rust (it is moved), so the "duplicate coroutines" tests give its task
//! twice, which Python's `gather` and `as_completed` treat the same way.
//!
//! Not carried (see `not_applicable.toml`): what Rust rules out at compile time (an
//! argument that is not an iterable of awaitables), the private `_cancel_message`
//! setter, tracebacks, the handle of `sleep` found by patching `loop.call_later`, and
//! the debug mode's environment variables.

use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use pycoro::event_loop::{EventLoop, Future, set_event_loop};
use pycoro::exceptions::{
    Exception, Object, PyResult, Raise, RuntimeError, SystemExit, TypeError, ValueError,
    ZeroDivisionError, args, clone_exception, context, exception_name, same_exception,
};
use pycoro::native::{
    GatheringFuture, ReturnWhen, Task, as_completed, current_task, shield, sleep_with_result,
};

use crate::asyncio_support::*;

/// `self.new_test_loop()`: a loop of its own, on the virtual clock.
fn test_loop() -> EventLoop {
    EventLoop::new(Clock::new_virtual())
}

/// `loop.run_until_complete(coro)`: the coroutine as a task of `event_loop`.
fn run_on<T: Clone + 'static>(
    event_loop: &EventLoop,
    coro: impl std::future::Future<Output = PyResult<T>> + 'static,
) -> PyResult<T> {
    event_loop.run_until_complete(event_loop.create_native_task(coro)?)
}

/// `loop.run_until_complete(gathering_future)`: runs the loop until the gather is done,
/// then its result.
fn run_gather<R: 'static>(event_loop: &EventLoop, fut: &GatheringFuture<R>) -> PyResult<R> {
    let waited = fut.clone();
    run_on(event_loop, async move { waited.await.map(drop) })?;
    fut.result()
}

/// `test_utils.run_briefly(loop)`: a task that does nothing, run to its end: two passes
/// of the loop, the first running what was ready.
fn run_briefly(event_loop: &EventLoop) -> PyResult<()> {
    run_on(event_loop, async { Ok(()) })
}

/// `GatherTestsBase._run_loop`: `while loop._ready: run_briefly(loop)`. The callbacks
/// of these tests chain three deep at most (a child done, the gather's callback, its done
/// callbacks), and each brief run runs two passes.
fn run_loop(event_loop: &EventLoop) -> PyResult<()> {
    for _ in 0..3 {
        run_briefly(event_loop)?;
    }
    Ok(())
}

/// `self.assertAlmostEqual(expected, loop.time())`.
#[track_caller]
fn assert_time(expected: f64, event_loop: &EventLoop) {
    let time = event_loop.time();
    assert!((expected - time).abs() < 1e-7, "{expected} != {time}");
}

/// The names of tasks, to compare as Python compares the sets `wait` returns.
fn names<'a, T: Clone + 'static>(tasks: impl IntoIterator<Item = &'a Task<T>>) -> BTreeSet<String> {
    tasks.into_iter().map(|t| t.name()).collect()
}

/// `get_innermost_context(exc)`: the class and `args` (as reprs) of the last exception
/// in the chain of `__context__`, and how deep it is.
fn innermost_context(e: &Exception) -> (String, Vec<String>, usize) {
    let (mut e, mut depth) = (e, 0);
    while let Some(next) = context(e) {
        e = next;
        depth += 1;
    }
    (exception_name(e).to_owned(), reprs(args(e)), depth)
}

fn reprs(args: &[Object]) -> Vec<String> {
    args.iter().map(Object::repr).collect()
}

/// The cases of the tests of `cancel(*cancel_args)` and the `args` the `CancelledError`
/// then has: `()`, `(None,)` (both no message: `cancel()` here), `('my message',)`, and
/// `(5,)` (a non-string message goes through as it is).
fn cancel_cases() -> Vec<(Option<Object>, Vec<String>)> {
    vec![
        (None, vec![]),
        (None, vec![]),
        (
            Some(Object::new("my message")),
            vec!["'my message'".to_owned()],
        ),
        (Some(Object::new(5)), vec!["5".to_owned()]),
    ]
}

/// `task.cancel(*cancel_args)`.
fn cancel_with<T: Clone + 'static>(task: &Task<T>, message: Option<Object>) -> bool {
    match message {
        Some(message) => task.cancel_with_message(message),
        None => task.cancel(),
    }
}

/// A slot for a task its own coroutine refers to (the Python's closure over `t`).
type Slot<T> = Rc<OnceCell<Task<T>>>;

/// The reports the loop's exception handler gets (`Task exception was never retrieved`).
fn record_reports(event_loop: &EventLoop) -> List<String> {
    let reports = List::default();
    let seen = reports.clone();
    event_loop.set_exception_handler(Some(Rc::new(move |_, context| {
        seen.push(context.message.clone());
    })));
    reports
}

/// `class PyTask_PyFuture_Tests(BaseTaskTests, SetMethodsTest, test_utils.TestCase)`
mod py_task_py_future_tests {
    use super::*;

    /// `t._cancel_message` is None, then `'my message'` after `t.cancel('my message')`;
    /// running the task raises `CancelledError` whose `args[0]` is that message. The
    /// private attribute is seen where its message goes: the error's `args`.
    #[test]
    fn test_task_cancel_message_getter() -> PyResult<()> {
        let event_loop = test_loop();
        let t = event_loop.create_native_task(async { Ok(()) })?;
        t.cancel_with_message("my message");
        let e = event_loop.run_until_complete(t).unwrap_err();
        assert!(e.is::<CancelledError>());
        assert_eq!(vec!["'my message'"], reprs(args(&e)));
        Ok(())
    }

    /// `t.cancelling()` is false and `repr(t)` has no ` cancelling ` until `t.cancel()`,
    /// which returns true (and again the second time, as 3.11 has it); running the task
    /// raises `CancelledError`.
    #[test]
    fn test_cancelling() -> PyResult<()> {
        let event_loop = test_loop();
        let t = event_loop.create_native_task(sleep(10.0))?;
        assert_eq!(0, t.cancelling());
        assert!(!t.to_string().contains(" cancelling "), "{t}");
        assert!(t.cancel());
        assert!(t.cancelling() > 0);
        assert!(t.to_string().contains(" cancelling "), "{t}");
        assert!(t.cancel());
        assert_raises::<CancelledError, _>(event_loop.run_until_complete(t));
        Ok(())
    }

    /// A task that catches the `CancelledError` of its first sleep, `uncancel()`s and
    /// sleeps again: `cancelling()` is 1 and `repr` says ` cancelling ` after `cancel()`,
    /// 0 and not after the `uncancel()`; the task is not cancelled until the second
    /// `cancel()` ends it, and `uncancel()` after that changes nothing.
    #[test]
    fn test_uncancel_basic() -> PyResult<()> {
        let event_loop = test_loop();
        let t = event_loop.create_native_task(async {
            match sleep(10.0).await {
                Err(e) if e.is::<CancelledError>() => {
                    current_task().expect("in a task").uncancel();
                    sleep(10.0).await
                }
                other => other,
            }
        })?;
        run_on(&event_loop, sleep(0.01))?;

        // Cancel first sleep
        assert!(t.cancel());
        assert!(t.to_string().contains(" cancelling "), "{t}");
        assert_eq!(1, t.cancelling());
        assert!(!t.cancelled()); // Task is still not complete
        run_on(&event_loop, sleep(0.01))?;

        // after .uncancel()
        assert!(!t.to_string().contains(" cancelling "), "{t}");
        assert_eq!(0, t.cancelling());
        assert!(!t.cancelled()); // Task is still not complete

        // Cancel second sleep
        assert!(t.cancel());
        assert_eq!(1, t.cancelling());
        assert!(!t.cancelled()); // Task is still not complete
        assert_raises::<CancelledError, _>(event_loop.run_until_complete(t.clone()));
        assert!(t.cancelled()); // Finally, task complete
        assert!(t.done());

        // uncancel is no longer effective after the task is complete
        t.uncancel();
        assert!(t.cancelled());
        assert!(t.done());
        Ok(())
    }

    /// `make_request_with_timeout(sleep, timeout)`: a timeout that cancels its own task
    /// and, in the `finally` of the block it limits, `uncancel()`s and turns the
    /// `CancelledError` into `TimeoutError` (caught): gives `(timed_out,
    /// structured_block_finished, outer_code_reached)`.
    async fn make_request_with_timeout(
        sleep_for: f64,
        timeout: f64,
    ) -> PyResult<(bool, bool, bool)> {
        let task = current_task().expect("in a task");
        let event_loop = get_running_loop()?;
        let timed_out = Shared::new(false);
        let mut structured_block_finished = false;

        let on_timeout = {
            let (timed_out, task) = (timed_out.clone(), task.clone());
            move || {
                timed_out.set(true);
                task.cancel();
            }
        };
        let timeout_handle = event_loop.call_later(timeout, on_timeout)?;
        // try: (structured block affected by the timeout)
        let slept = sleep(sleep_for).await;
        if slept.is_ok() {
            structured_block_finished = true;
        }
        // finally: (the checks in this order, so that `cancelling()` stays in sync)
        timeout_handle.cancel();
        let raised = match slept {
            Err(e) if timed_out.get() && task.uncancel() == 0 && e.is::<CancelledError>() => {
                Err(TimeoutError::default().into())
            }
            other => other,
        };
        // except TimeoutError:
        match raised {
            Err(e) if e.is::<TimeoutError>() => assert!(timed_out.get()),
            other => other?,
        }

        // Outer code not affected by the timeout:
        let outer_code_reached = true;
        sleep0().await?;
        Ok((
            timed_out.get(),
            structured_block_finished,
            outer_code_reached,
        ))
    }

    /// A task whose block times out ends `(True, False, True)` with `cancelling()` 0: it
    /// was uncancelled, and went on after the block; one that does not time out ends
    /// `(False, True, True)`, `cancelling()` 0.
    #[test]
    fn test_uncancel_structured_blocks() -> PyResult<()> {
        let event_loop = test_loop();

        // Test which timed out.
        let t1 = event_loop.create_native_task(make_request_with_timeout(10.0, 0.1))?;
        let (timed_out, structured_block_finished, outer_code_reached) =
            event_loop.run_until_complete(t1.clone())?;
        assert!(timed_out);
        assert!(!structured_block_finished); // it was cancelled
        assert!(outer_code_reached); // task got uncancelled after leaving the block
        assert_eq!(0, t1.cancelling()); // no pending cancellation of the outer task

        // Test which did not time out.
        let t2 = event_loop.create_native_task(make_request_with_timeout(0.0, 10.0))?;
        let (timed_out, structured_block_finished, outer_code_reached) =
            event_loop.run_until_complete(t2.clone())?;
        assert!(!timed_out);
        assert!(structured_block_finished);
        assert!(outer_code_reached);
        assert_eq!(0, t2.cancelling());
        Ok(())
    }

    /// `loop.call_soon(t.cancel)` before a task's 10 s sleep: running it raises
    /// `CancelledError`; it is done and cancelled, and a second `cancel()` is false.
    #[test]
    fn test_cancel() -> PyResult<()> {
        let event_loop = test_loop();
        let t = event_loop.create_native_task(async {
            sleep(10.0).await?;
            Ok(12)
        })?;
        let cancelled = t.clone();
        event_loop.call_soon(move || {
            cancelled.cancel();
        })?;
        assert_raises::<CancelledError, _>(event_loop.run_until_complete(t.clone()));
        assert!(t.done());
        assert!(t.cancelled());
        assert!(!t.cancel());
        Ok(())
    }

    /// A task cancelled with each of `cancel_cases`, waited for with `wait`, then asked for
    /// its `result()`: the `CancelledError` that ends the outer task has the expected
    /// `args`, and no `__context__`. `exception()` for `result()` in the next test.
    fn cancel_with_message_then(ask: fn(&Task<()>) -> PyResult<()>) -> PyResult<()> {
        for (cancel_args, expected_args) in cancel_cases() {
            let event_loop = test_loop();
            let task = event_loop.create_native_task(async move {
                let task = create_task(async { sleep(10.0).await })?;
                sleep0().await?;
                cancel_with(&task, cancel_args);
                let (_done, _pending) =
                    wait([task.clone()], None, ReturnWhen::AllCompleted).await?;
                ask(&task)
            })?;
            let exc = event_loop.run_until_complete(task).unwrap_err();
            assert!(exc.is::<CancelledError>());
            assert_eq!(expected_args, reprs(args(&exc)));
            assert_eq!(
                ("CancelledError".to_owned(), expected_args, 0),
                innermost_context(&exc)
            );
        }
        Ok(())
    }

    /// See `cancel_with_message_then`: `task.result()`.
    #[test]
    fn test_cancel_with_message_then_future_result() -> PyResult<()> {
        cancel_with_message_then(|task| task.result())
    }

    /// See `cancel_with_message_then`: `task.exception()`.
    #[test]
    fn test_cancel_with_message_then_future_exception() -> PyResult<()> {
        cancel_with_message_then(|task| task.exception().map(drop))
    }

    /// `raise ValueError("cancelled") from ex` where `ex` is the `CancelledError` of an
    /// inner task cancelled with `'msg'`: the `ValueError`'s `args` are `('cancelled',)`,
    /// and its innermost context is `CancelledError('msg')`, one deep.
    #[test]
    fn test_cancellation_exception_context() -> PyResult<()> {
        let event_loop = test_loop();
        let fut = event_loop.create_future::<()>();
        let task = event_loop.create_native_task(async move {
            let started = fut.clone();
            let inner_task = create_task(async move {
                started.set_result(())?;
                sleep(10.0).await
            })?;
            fut.await?;
            let cancelled = inner_task.clone();
            call_soon(move || {
                cancelled.cancel_with_message("msg");
            })?;
            match inner_task.await {
                Err(ex) if ex.is::<CancelledError>() => {
                    Err(ValueError::new("cancelled").raise_from(ex))
                }
                other => other,
            }
        })?;
        let exc = event_loop.run_until_complete(task).unwrap_err();
        assert!(exc.is::<ValueError>());
        assert_eq!(vec!["'cancelled'"], reprs(args(&exc)));
        assert_eq!(
            ("CancelledError".to_owned(), vec!["'msg'".to_owned()], 1),
            innermost_context(&exc)
        );
        Ok(())
    }

    /// A task cancelled with `'my message'` before it started, waited for, then asked for
    /// its `exception()`: the `CancelledError` has `args` `('my message',)`, and no context.
    #[test]
    fn test_cancel_with_message_before_starting_task() -> PyResult<()> {
        let event_loop = test_loop();
        let task = event_loop.create_native_task(async {
            let task = create_task(async { sleep(10.0).await })?;
            // We deliberately leave out the sleep here.
            task.cancel_with_message("my message");
            let (_done, _pending) = wait([task.clone()], None, ReturnWhen::AllCompleted).await?;
            task.exception().map(drop)
        })?;
        let exc = event_loop.run_until_complete(task).unwrap_err();
        assert!(exc.is::<CancelledError>());
        assert_eq!(vec!["'my message'"], reprs(args(&exc)));
        assert_eq!(
            (
                "CancelledError".to_owned(),
                vec!["'my message'".to_owned()],
                0
            ),
            innermost_context(&exc)
        );
        Ok(())
    }

    /// A task cancelled between its two `sleep(0)`: running it raises `CancelledError`;
    /// done, cancelled, and `cancel()` again is false.
    #[test]
    fn test_cancel_yield() -> PyResult<()> {
        let event_loop = test_loop();
        let t = event_loop.create_native_task(async {
            sleep0().await?;
            sleep0().await?;
            Ok(12)
        })?;
        run_briefly(&event_loop)?; // start coro
        t.cancel();
        assert_raises::<CancelledError, _>(event_loop.run_until_complete(t.clone()));
        assert!(t.done());
        assert!(t.cancelled());
        assert!(!t.cancel());
        Ok(())
    }

    /// The future `f` a task awaits is cancelled, then the task too if `also_task`: the
    /// task ends done and cancelled, and so does `f`.
    fn check_cancel_inner_future(also_task: bool) -> PyResult<()> {
        let event_loop = test_loop();
        let f = event_loop.create_future::<()>();
        let awaited = f.clone();
        let t = event_loop.create_native_task(async move {
            awaited.await?;
            Ok(12)
        })?;
        run_briefly(&event_loop)?; // start task
        f.cancel();
        if also_task {
            t.cancel();
        }
        assert_raises::<CancelledError, _>(event_loop.run_until_complete(t.clone()));
        assert!(t.done());
        assert!(f.cancelled());
        assert!(t.cancelled());
        Ok(())
    }

    /// See `check_cancel_inner_future`.
    #[test]
    fn test_cancel_inner_future() -> PyResult<()> {
        check_cancel_inner_future(false)
    }

    /// See `check_cancel_inner_future`.
    #[test]
    fn test_cancel_both_task_and_inner_future() -> PyResult<()> {
        check_cancel_inner_future(true)
    }

    /// A task awaiting `fut1`, then `fut2` in a `try` that returns 42 on
    /// `CancelledError`: once it awaits `fut2` (the Python checks `t._fut_waiter`),
    /// `t.cancel()` cancels `fut2`; the task returns 42 and is not cancelled.
    #[test]
    fn test_cancel_task_catching() -> PyResult<()> {
        let event_loop = test_loop();
        let fut1 = event_loop.create_future::<()>();
        let fut2 = event_loop.create_future::<()>();
        let (first, second) = (fut1.clone(), fut2.clone());
        let t = event_loop.create_native_task(async move {
            first.await?;
            match second.await {
                Err(e) if e.is::<CancelledError>() => Ok(Some(42)),
                other => other.map(|()| None),
            }
        })?;
        run_briefly(&event_loop)?;
        fut1.set_result(())?;
        run_briefly(&event_loop)?;
        t.cancel();
        assert!(fut2.cancelled());
        let res = event_loop.run_until_complete(t.clone())?;
        assert_eq!(Some(42), res);
        assert!(!t.cancelled());
        Ok(())
    }

    /// As above, the task swallowing the `CancelledError` of `fut2` and going on to await
    /// `fut3`: it returns `fut3`'s 42, and neither `fut3` nor the task is cancelled.
    #[test]
    fn test_cancel_task_ignoring() -> PyResult<()> {
        let event_loop = test_loop();
        let fut1 = event_loop.create_future::<()>();
        let fut2 = event_loop.create_future::<()>();
        let fut3 = event_loop.create_future::<i32>();
        let (first, second, third) = (fut1.clone(), fut2.clone(), fut3.clone());
        let t = event_loop.create_native_task(async move {
            first.await?;
            match second.await {
                Err(e) if e.is::<CancelledError>() => {}
                other => other?,
            }
            third.await
        })?;
        run_briefly(&event_loop)?;
        fut1.set_result(())?;
        run_briefly(&event_loop)?;
        t.cancel();
        assert!(fut2.cancelled());
        run_briefly(&event_loop)?;
        fut3.set_result(42)?;
        let res = event_loop.run_until_complete(t.clone())?;
        assert_eq!(42, res);
        assert!(!fut3.cancelled());
        assert!(!t.cancelled());
        Ok(())
    }

    /// A task that cancels itself, then sleeps 100 s (`then_sleeps`) or returns 12 at
    /// once: either way it ends cancelled (the sleep raising at once), done, and
    /// `cancel()` again is false. (The Python also checks the private `t._must_cancel`.)
    fn check_task_cancelling_itself(then_sleeps: bool) -> PyResult<()> {
        let event_loop = test_loop();
        let slot: Slot<i32> = Rc::default();
        let itself = slot.clone();
        let t = event_loop.create_native_task(async move {
            itself.get().expect("set before it runs").cancel();
            if then_sleeps {
                sleep(100.0).await?;
            }
            Ok(12)
        })?;
        let _ = slot.set(t.clone());
        assert!(!t.cancelled());
        assert_raises::<CancelledError, _>(event_loop.run_until_complete(t.clone()));
        assert!(t.done());
        assert!(t.cancelled());
        assert!(!t.cancel());
        Ok(())
    }

    /// See `check_task_cancelling_itself`: the sleep should be cancelled immediately.
    #[test]
    fn test_cancel_current_task() -> PyResult<()> {
        check_task_cancelling_itself(true)
    }

    /// See `check_task_cancelling_itself`: the coroutine ends right after the task is
    /// cancelled.
    #[test]
    fn test_cancel_at_end() -> PyResult<()> {
        check_task_cancelling_itself(false)
    }

    /// A task that cancels itself while not blocked, then awaits a nested task (which
    /// awaits `fut`): the nested task, and `fut`, are cancelled at once (bpo-34872).
    #[test]
    fn test_cancel_awaited_task() -> PyResult<()> {
        let event_loop = test_loop();
        let fut = event_loop.create_future::<()>();
        let task_slot: Slot<()> = Rc::default();
        let nested_slot: Slot<()> = Rc::default();
        let (itself, nested_task_slot, awaited) =
            (task_slot.clone(), nested_slot.clone(), fut.clone());
        let task = event_loop.create_native_task(async move {
            // Create a sub-task and wait for it to run.
            let nested_task = create_task(async move { awaited.await })?;
            let _ = nested_task_slot.set(nested_task.clone());
            sleep0().await?;
            // Request the current task to be cancelled.
            itself.get().expect("set before it runs").cancel();
            // Block on the nested task, which should be immediately cancelled.
            nested_task.await
        })?;
        let _ = task_slot.set(task.clone());
        assert_raises::<CancelledError, _>(event_loop.run_until_complete(task.clone()));
        assert!(task.cancelled());
        assert!(nested_slot.get().expect("created").cancelled());
        assert!(fut.cancelled());
        Ok(())
    }

    /// `wait([b, a])` of sleeps of 0.1 and 0.15 s: both done, none pending, at 0.15;
    /// waiting again takes no time.
    #[test]
    fn test_wait() -> PyResult<()> {
        let event_loop = test_loop();
        let a = event_loop.create_native_task(sleep(0.1))?;
        let b = event_loop.create_native_task(sleep(0.15))?;
        let foo = || {
            let (a, b) = (a.clone(), b.clone());
            async move {
                let (done, pending) =
                    wait([b.clone(), a.clone()], None, ReturnWhen::AllCompleted).await?;
                assert_eq!(names([&a, &b]), names(&done));
                assert!(pending.is_empty());
                Ok(42)
            }
        };
        let res = run_on(&event_loop, foo())?;
        assert_eq!(42, res);
        assert_time(0.15, &event_loop);

        // Doing it again should take no time and exercise a different path.
        let res = run_on(&event_loop, foo())?;
        assert_time(0.15, &event_loop);
        assert_eq!(42, res);
        Ok(())
    }

    async fn coro(s: &'static str) -> PyResult<&'static str> {
        Ok(s)
    }

    /// `wait([c, c, other])`, `c` a task given twice: nothing pending, and the results
    /// of the done ones are `{'test', 'spam'}`, each once (Python's `done` is a set).
    #[test]
    fn test_wait_duplicate_coroutines() -> PyResult<()> {
        let event_loop = test_loop();
        let c = event_loop.create_native_task(coro("test"))?;
        let spam = event_loop.create_native_task(coro("spam"))?;
        let task = event_loop.create_native_task(wait(
            [c.clone(), c, spam],
            None,
            ReturnWhen::AllCompleted,
        ))?;
        let (done, pending) = event_loop.run_until_complete(task)?;
        assert!(pending.is_empty());
        let mut results = done
            .iter()
            .map(|f| f.result())
            .collect::<PyResult<Vec<_>>>()?;
        results.sort();
        assert_eq!(vec!["spam", "test"], results);
        Ok(())
    }

    /// `wait(set())` raises `ValueError`. (Its second half, `return_when=-1`, cannot be
    /// written: `ReturnWhen` has three values.)
    #[test]
    fn test_wait_errors() {
        assert_wait_of_none_raises::<Task<()>>();
    }

    /// `wait()` of no `G` at all raises `ValueError`.
    fn assert_wait_of_none_raises<G: pycoro::native::Gathered>() {
        let waiting = wait(Vec::<G>::new(), None, ReturnWhen::AllCompleted);
        assert_raises::<ValueError, _>(run_on(
            &test_loop(),
            async move { waiting.await.map(drop) },
        ));
    }

    /// `wait([b, a], return_when=FIRST_COMPLETED)`, `a` sleeping 10 s and `b` 0.1 s:
    /// done `{b}` (its result None), pending `{a}`, at 0.1.
    #[test]
    fn test_wait_first_completed() -> PyResult<()> {
        let event_loop = test_loop();
        let a = event_loop.create_native_task(sleep(10.0))?;
        let b = event_loop.create_native_task(sleep(0.1))?;
        let task = event_loop.create_native_task(wait(
            [b.clone(), a.clone()],
            None,
            ReturnWhen::FirstCompleted,
        ))?;
        let (done, pending) = event_loop.run_until_complete(task)?;
        assert_eq!(names([&b]), names(&done));
        assert_eq!(names([&a]), names(&pending));
        assert!(!a.done());
        assert!(b.done());
        b.result()?;
        assert_time(0.1, &event_loop);

        // move forward to close generator
        run_on(&event_loop, wait([a, b], None, ReturnWhen::AllCompleted))?;
        Ok(())
    }

    /// `wait([b, a], FIRST_COMPLETED)` where `a` ends after one `sleep(0)` and `b` after
    /// two: by the time the waiting task runs again both are done, and both are in `done`.
    #[test]
    fn test_wait_really_done() -> PyResult<()> {
        let event_loop = test_loop();
        let a = event_loop.create_native_task(async { sleep0().await })?;
        let b = event_loop.create_native_task(async {
            sleep0().await?;
            sleep0().await
        })?;
        let task = event_loop.create_native_task(wait(
            [b.clone(), a.clone()],
            None,
            ReturnWhen::FirstCompleted,
        ))?;
        let (done, _pending) = event_loop.run_until_complete(task)?;
        assert_eq!(names([&a, &b]), names(&done));
        assert!(a.done());
        a.result()?;
        assert!(b.done());
        b.result()?;
        Ok(())
    }

    /// `wait([b, a], FIRST_EXCEPTION)`, `a` sleeping 10 s and `b` raising after `delay`
    /// seconds (at its first step for 0): done `{b}`, pending `{a}`, at `delay`.
    fn check_wait_first_exception(delay: f64) -> PyResult<()> {
        let event_loop = test_loop();
        let a = event_loop.create_native_task(sleep(10.0))?;
        let b = event_loop.create_native_task(async move {
            if delay > 0.0 {
                sleep(delay).await?;
            }
            Err::<(), _>(ZeroDivisionError::new("err").into())
        })?;
        let task = wait([b.clone(), a.clone()], None, ReturnWhen::FirstException);
        let (done, pending) = run_on(&event_loop, task)?;
        assert_eq!(names([&b]), names(&done));
        assert_eq!(names([&a]), names(&pending));
        assert_time(delay, &event_loop);

        // move forward to close generator
        run_on(&event_loop, wait([a, b], None, ReturnWhen::AllCompleted))?;
        Ok(())
    }

    /// First exception, the task already failed: see `check_wait_first_exception`.
    #[test]
    fn test_wait_first_exception() -> PyResult<()> {
        check_wait_first_exception(0.0)
    }

    /// First exception, raised during the wait: see `check_wait_first_exception`.
    #[test]
    fn test_wait_first_exception_in_wait() -> PyResult<()> {
        check_wait_first_exception(0.01)
    }

    /// `wait([b, a])`, `b` raising after 0.15 s: both done, one with an exception, at
    /// 0.15; again, no time passes.
    #[test]
    fn test_wait_with_exception() -> PyResult<()> {
        let event_loop = test_loop();
        let a = event_loop.create_native_task(sleep(0.1))?;
        let b = event_loop.create_native_task(async {
            sleep(0.15).await?;
            Err::<(), _>(ZeroDivisionError::new("really").into())
        })?;
        let foo = || {
            let (a, b) = (a.clone(), b.clone());
            async move {
                let (done, pending) = wait([b, a], None, ReturnWhen::AllCompleted).await?;
                assert_eq!(2, done.len());
                assert!(pending.is_empty());
                let mut errors = 0;
                for f in &done {
                    if f.exception()?.is_some() {
                        errors += 1;
                    }
                }
                assert_eq!(1, errors);
                Ok(())
            }
        };
        run_on(&event_loop, foo())?;
        assert_time(0.15, &event_loop);

        run_on(&event_loop, foo())?;
        assert_time(0.15, &event_loop);
        Ok(())
    }

    /// `wait([b, a], timeout=0.11)` of sleeps of 0.1 and 0.15 s: done `{a}`, pending
    /// `{b}`, at 0.11.
    #[test]
    fn test_wait_with_timeout() -> PyResult<()> {
        let event_loop = test_loop();
        let a = event_loop.create_native_task(sleep(0.1))?;
        let b = event_loop.create_native_task(sleep(0.15))?;
        let (x, y) = (a.clone(), b.clone());
        run_on(&event_loop, async move {
            let (done, pending) =
                wait([y.clone(), x.clone()], Some(0.11), ReturnWhen::AllCompleted).await?;
            assert_eq!(names([&x]), names(&done));
            assert_eq!(names([&y]), names(&pending));
            Ok(())
        })?;
        assert_time(0.11, &event_loop);

        // move forward to close generator
        run_on(&event_loop, wait([a, b], None, ReturnWhen::AllCompleted))?;
        Ok(())
    }

    /// `wait([b, a], timeout=0.1)`, `a` ending at 0.1 too: `a` is done, `b` pending, at 0.1.
    #[test]
    fn test_wait_concurrent_complete() -> PyResult<()> {
        let event_loop = test_loop();
        let a = event_loop.create_native_task(sleep(0.1))?;
        let b = event_loop.create_native_task(sleep(0.15))?;
        let (done, pending) = run_on(
            &event_loop,
            wait([b.clone(), a.clone()], Some(0.1), ReturnWhen::AllCompleted),
        )?;
        assert_eq!(names([&a]), names(&done));
        assert_eq!(names([&b]), names(&pending));
        assert_time(0.1, &event_loop);

        // move forward to close generator
        run_on(&event_loop, wait([a, b], None, ReturnWhen::AllCompleted))?;
        Ok(())
    }

    /// `wait(iter([b, a]))`: an iterator does as a list.
    #[test]
    fn test_wait_with_iterator_of_tasks() -> PyResult<()> {
        let event_loop = test_loop();
        let a = event_loop.create_native_task(sleep(0.1))?;
        let b = event_loop.create_native_task(sleep(0.15))?;
        let (x, y) = (a.clone(), b.clone());
        let res = run_on(&event_loop, async move {
            let (done, pending) = wait(
                std::iter::once(y.clone()).chain(std::iter::once(x.clone())),
                None,
                ReturnWhen::AllCompleted,
            )
            .await?;
            assert_eq!(names([&x, &y]), names(&done));
            assert!(pending.is_empty());
            Ok(42)
        })?;
        assert_eq!(42, res);
        assert_time(0.15, &event_loop);
        Ok(())
    }

    async fn sleeper(dt: f64, x: &'static str) -> PyResult<&'static str> {
        sleep(dt).await?;
        Ok(x)
    }

    /// `as_completed([b, c, a])` of coroutines sleeping 0.01, 0.15 and 0.01 s: `a` and
    /// `b` come first (in either order), then `c`, at 0.15. (The Python's `sleeper`
    /// moves its clock by hand once `a` and `b` are done; this one moves by itself.)
    #[test]
    fn test_as_completed() -> PyResult<()> {
        let event_loop = test_loop();
        let a = sleeper(0.01, "a");
        let b = sleeper(0.01, "b");
        let c = sleeper(0.15, "c");
        let res = run_on(&event_loop, async move {
            let mut values = Vec::new();
            for f in as_completed([b, c, a], None)? {
                values.push(f.await?);
            }
            Ok(values)
        })?;
        assert_time(0.15, &event_loop);
        assert!(res[..2].contains(&"a"));
        assert!(res[..2].contains(&"b"));
        assert_eq!("c", res[2]);
        Ok(())
    }

    /// `as_completed([a, b], timeout=0.12)`, `a` giving `'a'` at 0.1 and `b` at 0.15: the
    /// first gives `'a'`, the second raises `TimeoutError`, at 0.12.
    #[test]
    fn test_as_completed_with_timeout() -> PyResult<()> {
        let event_loop = test_loop();
        let a = event_loop.create_native_task(sleep_with_result(0.1, "a"))?;
        let b = event_loop.create_native_task(sleep_with_result(0.15, "b"))?;
        let (x, y) = (a.clone(), b.clone());
        let res = run_on(&event_loop, async move {
            let mut values = Vec::new();
            for f in as_completed([x, y], Some(0.12))? {
                match f.await {
                    Ok(v) => values.push((1, v.to_owned())),
                    Err(exc) if exc.is::<TimeoutError>() => {
                        values.push((2, exception_name(&exc).to_owned()))
                    }
                    Err(exc) => return Err(exc),
                }
            }
            Ok(values)
        })?;
        assert_eq!(2, res.len(), "{res:?}");
        assert_eq!((1, "a".to_owned()), res[0]);
        assert_eq!((2, "TimeoutError".to_owned()), res[1]);
        assert_time(0.12, &event_loop);

        // move forward to close generator
        run_on(&event_loop, wait([a, b], None, ReturnWhen::AllCompleted))?;
        Ok(())
    }

    /// `as_completed([a], timeout=1)`, `a` giving `'a'` at 0.01: it gives `'a'`.
    #[test]
    fn test_as_completed_with_unused_timeout() -> PyResult<()> {
        let event_loop = test_loop();
        let a = sleep_with_result(0.01, "a");
        run_on(&event_loop, async move {
            for f in as_completed([a], Some(1.0))? {
                let v = f.await?;
                assert_eq!("a", v);
            }
            Ok(())
        })
    }

    /// Of the two awaitables `as_completed({a, b})` gives, the one awaited first gives the
    /// first to finish (`'a'`, at 0.05), whichever it is; the other gives `'b'`, at 0.1.
    #[test]
    fn test_as_completed_reverse_wait() -> PyResult<()> {
        let event_loop = test_loop();
        let a = sleep_with_result(0.05, "a");
        let b = sleep_with_result(0.10, "b");
        let clock = event_loop.clone();
        run_on(&event_loop, async move {
            let futs = as_completed([a, b], None)?;
            assert_eq!(2, futs.len());
            let mut futs = futs.into_iter();
            let (first, second) = (futs.next().expect("two"), futs.next().expect("two"));

            let x = second.await?;
            assert_eq!("a", x);
            assert_time(0.05, &clock);
            let y = first.await?;
            assert_eq!("b", y);
            assert_time(0.10, &clock);
            Ok(())
        })
    }

    /// The awaitables of `as_completed({a, b})`, both ending at 0.05, made tasks and
    /// waited for together: they give `{'a', 'b'}`.
    #[test]
    fn test_as_completed_concurrent() -> PyResult<()> {
        let event_loop = test_loop();
        let a = sleep_with_result(0.05, "a");
        let b = sleep_with_result(0.05, "b");
        run_on(&event_loop, async move {
            let futs = as_completed([a, b], None)?;
            assert_eq!(2, futs.len());
            let tasks = futs
                .into_iter()
                .map(create_task)
                .collect::<PyResult<Vec<_>>>()?;
            let (done, _pending) = wait(tasks, None, ReturnWhen::AllCompleted).await?;
            let results = done
                .iter()
                .map(|f| f.result())
                .collect::<PyResult<BTreeSet<_>>>()?;
            assert_eq!(BTreeSet::from(["a", "b"]), results);
            Ok(())
        })
    }

    /// `as_completed([c, c, coro('spam')])`: `c` counts once, so the results are
    /// `{'ham', 'spam'}`, two of them.
    #[test]
    fn test_as_completed_duplicate_coroutines() -> PyResult<()> {
        let event_loop = test_loop();
        let fut = event_loop.create_native_task(async {
            let mut result = Vec::new();
            let c = create_task(coro("ham"))?;
            for f in as_completed([c.clone(), c, create_task(coro("spam"))?], None)? {
                result.push(f.await?);
            }
            Ok(result)
        })?;
        event_loop.run_until_complete(fut.clone())?;
        let result = fut.result()?;
        assert_eq!(
            BTreeSet::from(["ham", "spam"]),
            result.iter().copied().collect()
        );
        assert_eq!(2, result.len());
        Ok(())
    }

    async fn forty_two() -> PyResult<i32> {
        Ok(42)
    }

    /// `as_completed([coro()])` with no loop running or set: `RuntimeError: ... no current
    /// event loop` (Python raises it when iterated; pycoro's `as_completed` makes its
    /// list at once).
    #[test]
    fn test_as_completed_coroutine_without_loop() {
        set_event_loop(None);
        let a = forty_two();
        let e = as_completed([a], None).err().expect("RuntimeError");
        assert!(e.is::<RuntimeError>());
        assert!(e.to_string().contains("no current event loop"), "{e}");
    }

    /// `as_completed([coro()])` inside a coroutine: one awaitable, which gives 42.
    #[test]
    fn test_as_completed_coroutine_use_running_loop() -> PyResult<()> {
        let event_loop = test_loop();
        run_on(&event_loop, async {
            let futs = as_completed([forty_two()], None)?;
            assert_eq!(1, futs.len());
            for f in futs {
                assert_eq!(42, f.await?);
            }
            Ok(())
        })
    }

    /// A task awaiting a task sleeping 5000 s, which `call_later(0.1, sleeper.cancel)`
    /// cancels: it catches `CancelledError` and returns `'cancelled'`, at 0.1.
    #[test]
    fn test_task_cancel_sleeping_task() -> PyResult<()> {
        let event_loop = test_loop();
        let doer = async {
            let sleeper = create_task(async { sleep(5000.0).await })?;
            let cancelled = sleeper.clone();
            call_later(0.1, move || {
                cancelled.cancel();
            })?;
            match sleeper.await {
                Err(e) if e.is::<CancelledError>() => Ok("cancelled"),
                Err(e) => Err(e),
                Ok(()) => Ok("slept in"),
            }
        };
        assert_eq!("cancelled", run_on(&event_loop, doer)?);
        assert_time(0.1, &event_loop);
        Ok(())
    }

    /// A task awaiting `fut` (the Python checks `task._fut_waiter is fut`): cancelling
    /// the task cancels `fut`, and the task ends cancelled.
    #[test]
    fn test_task_cancel_waiter_future() -> PyResult<()> {
        let event_loop = test_loop();
        let fut = event_loop.create_future::<()>();
        let awaited = fut.clone();
        let task = event_loop.create_native_task(async move { awaited.await })?;
        run_briefly(&event_loop)?;
        task.cancel();
        run_briefly(&event_loop)?;
        assert_raises::<CancelledError, _>(event_loop.run_until_complete(task));
        assert!(fut.cancelled());
        Ok(())
    }

    /// A task that answers the `CancelledError` of its sleep with `SystemExit`: the loop
    /// raises `SystemExit` out of `run_briefly`; the task is done, not cancelled, and its
    /// exception is that very `SystemExit`.
    #[test]
    fn test_baseexception_during_cancel() -> PyResult<()> {
        let event_loop = test_loop();
        async fn sleeper() -> PyResult<()> {
            sleep(10.0).await
        }
        let base_exc: Exception = SystemExit::default().into();
        let raised = clone_exception(&base_exc);
        let task = event_loop.create_native_task(async move {
            match sleeper().await {
                Err(e) if e.is::<CancelledError>() => Err(raised),
                other => other,
            }
        })?;
        run_briefly(&event_loop)?;
        task.cancel();
        assert!(!task.done());
        assert_raises::<SystemExit, _>(run_briefly(&event_loop));
        assert!(task.done());
        assert!(!task.cancelled());
        assert!(same_exception(
            &base_exc,
            &task.exception()?.expect("an exception")
        ));
        Ok(())
    }

    /// Cancelling `outer()` cancels the `inner()` it awaits, which cancels the future
    /// `inner()` awaits: `inner` sees `CancelledError` and re-raises it (+1), `outer`
    /// catches it (+100): 101, and the future is cancelled.
    #[test]
    fn test_yield_future_passes_cancel() -> PyResult<()> {
        let event_loop = test_loop();
        let proof = Shared::new(0);
        let waiter = event_loop.create_future::<()>();
        let inner = {
            let (proof, waiter) = (proof.clone(), waiter.clone());
            async move {
                match waiter.await {
                    Err(e) if e.is::<CancelledError>() => {
                        proof.set(proof.get() + 1);
                        Err(e)
                    }
                    Err(e) => Err(e),
                    Ok(()) => panic!("got past sleep() in inner()"),
                }
            }
        };
        let outer = {
            let proof = proof.clone();
            async move {
                match inner.await {
                    Err(e) if e.is::<CancelledError>() => proof.set(proof.get() + 100), // Expect this path.
                    Err(e) => return Err(e),
                    Ok(()) => proof.set(proof.get() + 10),
                }
                Ok(())
            }
        };
        let f = event_loop.create_native_task(outer)?;
        run_briefly(&event_loop)?;
        f.cancel();
        event_loop.run_until_complete(f)?;
        assert_eq!(101, proof.get());
        assert!(waiter.cancelled());
        Ok(())
    }

    /// The Python's `inner()` of the tests that cancel an `outer()` awaiting it: it
    /// awaits `waiter`, then adds 1 to `proof`.
    type Inner = std::pin::Pin<Box<dyn std::future::Future<Output = PyResult<()>>>>;

    /// `outer()` awaits `inner()` `through` something (`wait`, `shield`), then adds 100 to
    /// `proof`. Cancelled once it waits, `outer` raises `CancelledError` and never adds
    /// its 100; `inner` runs on, and adds its 1 once `waiter` is set.
    fn cancel_outer_leaves_inner_running<
        W: std::future::Future<Output = PyResult<()>> + 'static,
    >(
        through: fn(Inner) -> W,
    ) -> PyResult<()> {
        let event_loop = test_loop();
        let proof = Shared::new(0);
        let waiter = event_loop.create_future::<()>();
        let inner: Inner = {
            let (proof, waiter) = (proof.clone(), waiter.clone());
            Box::pin(async move {
                waiter.await?;
                proof.set(proof.get() + 1);
                Ok(())
            })
        };
        let outer = {
            let proof = proof.clone();
            async move {
                through(inner).await?;
                proof.set(proof.get() + 100);
                Ok(())
            }
        };
        let f = event_loop.create_native_task(outer)?;
        run_briefly(&event_loop)?;
        f.cancel();
        assert_raises::<CancelledError, _>(event_loop.run_until_complete(f));
        waiter.set_result(())?;
        run_briefly(&event_loop)?;
        assert_eq!(1, proof.get());
        Ok(())
    }

    /// Cancelling `outer()` while it is in `wait([create_task(inner())])` makes the wait
    /// return early (raising `CancelledError`) and leaves `inner()` running: see
    /// `cancel_outer_leaves_inner_running`.
    #[test]
    fn test_yield_wait_does_not_shield_cancel() -> PyResult<()> {
        cancel_outer_leaves_inner_running(|inner| async move {
            let (_d, _p) = wait([create_task(inner)?], None, ReturnWhen::AllCompleted).await?;
            Ok(())
        })
    }

    /// `shield(inner)`, then `inner.set_result(42)`: the shield gives 42.
    #[test]
    fn test_shield_result() -> PyResult<()> {
        let event_loop = test_loop();
        let inner = event_loop.create_future::<i32>();
        let outer = shield(&inner)?;
        inner.set_result(42)?;
        let res = event_loop.run_until_complete(outer)?;
        assert_eq!(42, res);
        Ok(())
    }

    /// `inner.set_exception(exc)` under a shield: the shield's exception is `exc` itself.
    #[test]
    fn test_shield_exception() -> PyResult<()> {
        let event_loop = test_loop();
        let inner = event_loop.create_future::<i32>();
        let outer = shield(&inner)?;
        run_briefly(&event_loop)?;
        let exc: Exception = RuntimeError::new("expected").into();
        inner.set_exception(clone_exception(&exc))?;
        run_briefly(&event_loop)?;
        let raised = outer.exception()?.expect("an exception");
        assert!(same_exception(&exc, &raised));
        Ok(())
    }

    /// A shield of a pending future, given time to start, then `cancel` given the inner
    /// future and the shield, then a brief run again: the shield.
    fn shield_then(cancel: fn(&Future<i32>, &Future<i32>) -> bool) -> PyResult<Future<i32>> {
        let event_loop = test_loop();
        let inner = event_loop.create_future::<i32>();
        let outer = shield(&inner)?;
        run_briefly(&event_loop)?;
        cancel(&inner, &outer);
        run_briefly(&event_loop)?;
        Ok(outer)
    }

    /// `inner.cancel()` under a shield: the shield is cancelled too.
    #[test]
    fn test_shield_cancel_inner() -> PyResult<()> {
        let outer = shield_then(|inner, _| inner.cancel())?;
        assert!(outer.cancelled());
        Ok(())
    }

    /// `outer.cancel()` of a shield: it is cancelled (the Python also checks that the
    /// private `outer._callbacks` is empty, as it is for any future done and run).
    #[test]
    fn test_shield_cancel_outer() -> PyResult<()> {
        let outer = shield_then(|_, outer| outer.cancel())?;
        assert!(outer.cancelled());
        Ok(())
    }

    /// `shield(fut)` of a future already done: it gives its 42.
    #[test]
    fn test_shield_shortcut() -> PyResult<()> {
        let event_loop = test_loop();
        let fut = event_loop.create_future::<i32>();
        fut.set_result(42)?;
        let res = event_loop.run_until_complete(shield(&fut)?)?;
        assert_eq!(42, res);
        Ok(())
    }

    /// Cancelling `outer()`, which awaits `shield(inner())`, does not affect `inner()`:
    /// see `cancel_outer_leaves_inner_running`.
    #[test]
    fn test_shield_effect() -> PyResult<()> {
        cancel_outer_leaves_inner_running(|inner| async move { shield(inner)?.await })
    }

    /// `shield(gather(child1, child2))` cancelled: the shield is cancelled, the gather is
    /// not, and it gives `[1, 2]` once its children are set.
    #[test]
    fn test_shield_gather() -> PyResult<()> {
        let event_loop = test_loop();
        let child1 = event_loop.create_future::<i32>();
        let child2 = event_loop.create_future::<i32>();
        let parent = gather([child1.clone(), child2.clone()]);
        let outer = shield(&parent)?;
        run_briefly(&event_loop)?;
        outer.cancel();
        run_briefly(&event_loop)?;
        assert!(outer.cancelled());
        child1.set_result(1)?;
        child2.set_result(2)?;
        run_briefly(&event_loop)?;
        assert_eq!(vec![1, 2], parent.result()?);
        Ok(())
    }

    /// `gather(shield(child1), shield(child2))` cancelled: the gather ends with a
    /// `CancelledError` as its exception, the shields are cancelled, the children are not
    /// (setting their results still works).
    #[test]
    fn test_gather_shield() -> PyResult<()> {
        let event_loop = test_loop();
        let child1 = event_loop.create_future::<i32>();
        let child2 = event_loop.create_future::<i32>();
        let inner1 = shield(&child1)?;
        let inner2 = shield(&child2)?;
        let parent = gather([inner1.clone(), inner2.clone()]);
        run_briefly(&event_loop)?;
        parent.cancel();
        // This should cancel inner1 and inner2 but not child1 and child2.
        run_briefly(&event_loop)?;
        assert!(
            parent
                .exception()?
                .expect("an exception")
                .is::<CancelledError>()
        );
        assert!(inner1.cancelled());
        assert!(inner2.cancelled());
        child1.set_result(1)?;
        child2.set_result(2)?;
        run_briefly(&event_loop)
    }

    /// `shield(coro())` with no loop running or set: `RuntimeError: ... no current event
    /// loop`.
    #[test]
    fn test_shield_coroutine_without_loop() {
        set_event_loop(None);
        let inner = forty_two();
        let e = shield(inner).err().expect("RuntimeError");
        assert!(e.is::<RuntimeError>());
        assert!(e.to_string().contains("no current event loop"), "{e}");
    }

    /// `shield(coro())` inside a coroutine: the shield is of the running loop, and gives 42.
    #[test]
    fn test_shield_coroutine_use_running_loop() -> PyResult<()> {
        let event_loop = test_loop();
        let outer = run_on(&event_loop, async { shield(forty_two()) })?;
        assert_eq!(event_loop.id(), outer.get_loop().id());
        let res = event_loop.run_until_complete(outer)?;
        assert_eq!(42, res);
        Ok(())
    }

    /// `shield(coro())` with no loop running but one set by `set_event_loop`: the shield
    /// is of that loop, and gives 42.
    #[test]
    fn test_shield_coroutine_use_global_loop() -> PyResult<()> {
        let event_loop = test_loop();
        set_event_loop(Some(&event_loop));
        let outer = shield(forty_two());
        set_event_loop(None);
        let outer = outer?;
        assert_eq!(event_loop.id(), outer.get_loop().id());
        let res = event_loop.run_until_complete(outer)?;
        assert_eq!(42, res);
        Ok(())
    }

    /// `wait([])` raises `ValueError`. (Its first two assertions, the `TypeError` of
    /// `wait(fut)` and `wait(coro)`, are type errors in Rust: `wait` takes an iterable of
    /// tasks or futures.)
    #[test]
    fn test_wait_invalid_args() {
        assert_wait_of_none_raises::<Future<()>>();
    }

    /// A task that raised `TypeError`, then cancelled (too late: it is done) and let go:
    /// nothing is logged, as `cancel()` marks its exception seen.
    #[test]
    fn test_tb_logger_not_called_after_cancel() -> PyResult<()> {
        let event_loop = test_loop();
        let reports = record_reports(&event_loop);
        run_on(&event_loop, async {
            let task = create_task(async { Err::<(), _>(TypeError::default().into()) })?;
            sleep(0.05).await?;
            task.cancel();
            drop(task);
            Ok(())
        })?;
        assert_eq!(Vec::<String>::new(), reports.get());
        Ok(())
    }

    /// A gather whose only child ends in the same pass as a callback that cancels the
    /// gather: `cancel()` is false (the child is done), the gather is not cancelled, and
    /// it gives `[42]` (Python issue #26923).
    #[test]
    fn test_cancel_gather_1() -> PyResult<()> {
        let event_loop = test_loop();
        let fut = event_loop.create_future::<i32>();
        let child = fut.clone();
        // The indirection fut->child_coro is needed since otherwise the gathering task
        // is done at the same time as the child future.
        let gather_task = run_on(&event_loop, async move {
            Ok(gather([async move { child.await }]))
        })?;

        let cancel_result = Shared::new(None);
        let (result, gathering) = (cancel_result.clone(), gather_task.clone());
        fut.add_done_callback(move |_| result.set(Some(gathering.cancel())));

        fut.set_result(42)?; // calls the cancelling_callback after fut is done()

        // At this point the task should complete.
        run_gather(&event_loop, &gather_task)?;

        // Python issue #26923: asyncio.gather drops cancellation
        assert_eq!(Some(false), cancel_result.get());
        assert!(!gather_task.cancelled());
        assert_eq!(vec![42], gather_task.result()?);
        Ok(())
    }

    /// A task in a loop of `gather(sleep(0.05), return_exceptions=True)`, cancelled with
    /// each of `cancel_cases`: the `CancelledError` reaches whoever awaits the task, with
    /// the expected `args` and no context.
    #[test]
    fn test_cancel_gather_2() -> PyResult<()> {
        for (cancel_args, expected_args) in cancel_cases() {
            let event_loop = test_loop();
            let test = async {
                let mut time = 0.0;
                loop {
                    time += 0.05;
                    gather_return_exceptions([sleep(0.05)]).await?;
                    if time > 1.0 {
                        return Ok(());
                    }
                }
            };
            let main = async move {
                let qwe = create_task(test)?;
                sleep(0.2).await?;
                cancel_with(&qwe, cancel_args);
                qwe.await
            };
            match run_on(&event_loop, main) {
                Err(exc) if exc.is::<CancelledError>() => {
                    assert_eq!(expected_args, reprs(args(&exc)));
                    assert_eq!(
                        ("CancelledError".to_owned(), expected_args, 0),
                        innermost_context(&exc)
                    );
                }
                other => panic!(
                    "gather() does not propagate CancelledError raised by inner task to the \
                     gather() caller: {other:?}"
                ),
            }
        }
        Ok(())
    }
}

/// The four tests each class inheriting `GatherTestsBase` runs, over its `gathers`.
macro_rules! gather_tests_base {
    ($gathers:expr) => {
        /// `_check_success()`, then `_check_success(return_exceptions=False)`.
        #[test]
        fn test_success() -> PyResult<()> {
            gather_tests_base::check_success($gathers, false)?;
            gather_tests_base::check_success($gathers, false)
        }

        /// `_check_success(return_exceptions=True)`.
        #[test]
        fn test_result_exception_success() -> PyResult<()> {
            gather_tests_base::check_success($gathers, true)
        }

        #[test]
        fn test_one_exception() -> PyResult<()> {
            gather_tests_base::one_exception($gathers)
        }

        #[test]
        fn test_return_exceptions() -> PyResult<()> {
            gather_tests_base::return_exceptions($gathers)
        }
    };
}

/// `class GatherTestsBase`: the tests `FutureGatherTests` and `CoroutineGatherTests`
/// share, over `wrap_futures` (the futures as they are, or coroutines awaiting them)
/// and `_gather` (called as it is, or inside a coroutine of `one_loop`).
mod gather_tests_base {
    use super::*;

    /// Which of the two classes runs the test.
    #[derive(Clone, Copy)]
    pub enum Gathers {
        Futures,
        Coroutines,
    }

    impl Gathers {
        /// `self._gather(*self.wrap_futures(*futures))`.
        pub fn gather(
            self,
            one_loop: &EventLoop,
            futures: Vec<Future<i32>>,
        ) -> GatheringFuture<Vec<i32>> {
            match self {
                Gathers::Futures => gather(futures),
                Gathers::Coroutines => {
                    let coros: Vec<_> = futures
                        .into_iter()
                        .map(|fut| async move { fut.await })
                        .collect();
                    run_on(one_loop, async move { Ok(gather(coros)) }).expect("gather")
                }
            }
        }

        /// `self._gather(*self.wrap_futures(*futures), return_exceptions=True)`.
        pub fn gather_return_exceptions(
            self,
            one_loop: &EventLoop,
            futures: Vec<Future<i32>>,
        ) -> GatheringFuture<Vec<PyResult<i32>>> {
            match self {
                Gathers::Futures => gather_return_exceptions(futures),
                Gathers::Coroutines => {
                    let coros: Vec<_> = futures
                        .into_iter()
                        .map(|fut| async move { fut.await })
                        .collect();
                    run_on(one_loop, async move { Ok(gather_return_exceptions(coros)) })
                        .expect("gather")
                }
            }
        }
    }

    /// `[self.one_loop.create_future() for i in range(N)]`.
    pub fn futures<const N: usize>(one_loop: &EventLoop) -> [Future<i32>; N] {
        std::array::from_fn(|_| one_loop.create_future())
    }

    /// `test_utils.MockCallback()` added as a done callback: how often it was called
    /// (each time with the gather, done).
    pub fn mock_callback<R: 'static>(fut: &GatheringFuture<R>) -> Shared<usize> {
        let calls = Shared::new(0);
        let counted = calls.clone();
        fut.add_done_callback(move |fut| {
            assert!(fut.done());
            counted.incr();
        });
        calls
    }

    /// `_check_success(**kwargs)`: `b`, then `a` set: the gather is not done, its
    /// callback not called; once `c` is set, the callback is called once, and the result
    /// is `[2, 1, 3]`.
    pub fn check_success(gathers: Gathers, return_exceptions: bool) -> PyResult<()> {
        let one_loop = test_loop();
        let [a, b, c] = futures::<3>(&one_loop);
        let futs = vec![a.clone(), b.clone(), c.clone()];
        if return_exceptions {
            let fut = gathers.gather_return_exceptions(&one_loop, futs);
            check_success_of(&one_loop, &fut, [a, b, c], |res| res.into_iter().collect())
        } else {
            let fut = gathers.gather(&one_loop, futs);
            check_success_of(&one_loop, &fut, [a, b, c], Ok)
        }
    }

    /// `_check_success` once the gather `fut` of `[a, b, c]` is made; `list` reads its
    /// result as a list of numbers.
    fn check_success_of<R: 'static>(
        one_loop: &EventLoop,
        fut: &GatheringFuture<R>,
        [a, b, c]: [Future<i32>; 3],
        list: fn(R) -> PyResult<Vec<i32>>,
    ) -> PyResult<()> {
        let cb = mock_callback(fut);
        b.set_result(1)?;
        a.set_result(2)?;
        run_loop(one_loop)?;
        assert_eq!(0, cb.get());
        assert!(!fut.done());
        c.set_result(3)?;
        run_loop(one_loop)?;
        assert_eq!(1, cb.get());
        assert_eq!(vec![2, 1, 3], list(fut.result()?)?);
        Ok(())
    }

    /// `test_one_exception`: of five, `a` set and `b` failed: the gather is done, its
    /// callback called once, and its exception is `b`'s; what the others do afterwards
    /// does nothing.
    pub fn one_exception(gathers: Gathers) -> PyResult<()> {
        let one_loop = test_loop();
        let [a, b, c, d, e] = futures::<5>(&one_loop);
        let fut = gathers.gather(
            &one_loop,
            vec![a.clone(), b.clone(), c.clone(), d.clone(), e.clone()],
        );
        let cb = mock_callback(&fut);
        let exc: Exception = ZeroDivisionError::default().into();
        a.set_result(1)?;
        b.set_exception(clone_exception(&exc))?;
        run_loop(&one_loop)?;
        assert!(fut.done());
        assert_eq!(1, cb.get());
        assert!(same_exception(
            &exc,
            &fut.exception()?.expect("an exception")
        ));
        // Does nothing
        c.set_result(3)?;
        d.cancel();
        e.set_exception(RuntimeError::default())?;
        e.exception()?;
        Ok(())
    }

    /// `test_return_exceptions`: of four, `b` and `a` set and `c` failed: not done; once
    /// `d` fails too, done, the callback called once, and the result is
    /// `[3, 1, exc, exc2]`, the very exceptions.
    pub fn return_exceptions(gathers: Gathers) -> PyResult<()> {
        let one_loop = test_loop();
        let [a, b, c, d] = futures::<4>(&one_loop);
        let fut = gathers
            .gather_return_exceptions(&one_loop, vec![a.clone(), b.clone(), c.clone(), d.clone()]);
        let cb = mock_callback(&fut);
        let exc: Exception = ZeroDivisionError::default().into();
        let exc2: Exception = RuntimeError::default().into();
        b.set_result(1)?;
        c.set_exception(clone_exception(&exc))?;
        a.set_result(3)?;
        run_loop(&one_loop)?;
        assert!(!fut.done());
        d.set_exception(clone_exception(&exc2))?;
        run_loop(&one_loop)?;
        assert!(fut.done());
        assert_eq!(1, cb.get());
        let res = fut.result()?;
        assert_eq!(4, res.len());
        assert_eq!(3, *res[0].as_ref().expect("3"));
        assert_eq!(1, *res[1].as_ref().expect("1"));
        assert!(same_exception(&exc, res[2].as_ref().expect_err("exc")));
        assert!(same_exception(&exc2, res[3].as_ref().expect_err("exc2")));
        Ok(())
    }
}

/// `class FutureGatherTests(GatherTestsBase, test_utils.TestCase)`
mod future_gather_tests {
    use super::gather_tests_base::{Gathers, futures, mock_callback};
    use super::*;

    gather_tests_base!(Gathers::Futures);

    /// `gather()` with no loop running or set: `RuntimeError: ... no current event loop`
    /// (raised at the call in Python; the future pycoro's `gather` gives holds it).
    #[test]
    fn test_constructor_empty_sequence_without_loop() {
        set_event_loop(None);
        let fut = gather(Vec::<Future<i32>>::new());
        let e = fut.result().unwrap_err();
        assert!(e.is::<RuntimeError>());
        assert!(e.to_string().contains("no current event loop"), "{e}");
    }

    /// `gather()` inside a coroutine: a future of the running loop, done with `[]`.
    #[test]
    fn test_constructor_empty_sequence_use_running_loop() -> PyResult<()> {
        let one_loop = test_loop();
        let fut = run_on(&one_loop, async { Ok(gather(Vec::<Future<i32>>::new())) })?;
        assert_eq!(one_loop.id(), fut.get_loop().id());
        run_loop(&one_loop)?;
        assert!(fut.done());
        assert_eq!(Vec::<i32>::new(), fut.result()?);
        Ok(())
    }

    /// `gather()` with `one_loop` set by `set_event_loop`: a future of that loop, done
    /// with `[]`.
    #[test]
    fn test_constructor_empty_sequence_use_global_loop() -> PyResult<()> {
        let one_loop = test_loop();
        set_event_loop(Some(&one_loop));
        let fut = gather(Vec::<Future<i32>>::new());
        set_event_loop(None);
        assert_eq!(one_loop.id(), fut.get_loop().id());
        run_loop(&one_loop)?;
        assert!(fut.done());
        assert_eq!(Vec::<i32>::new(), fut.result()?);
        Ok(())
    }

    /// `gather(fut1, fut2)` of futures of two loops: `ValueError` (raised at the call in
    /// Python; held by the future here).
    #[test]
    fn test_constructor_heterogenous_futures() {
        let one_loop = test_loop();
        let other_loop = test_loop();
        let fut1 = one_loop.create_future::<i32>();
        let fut2 = other_loop.create_future::<i32>();
        assert_raises::<ValueError, _>(gather([fut1, fut2]).result());
    }

    /// `gather(*children)` of futures of `other_loop`: a future of `other_loop`, not done
    /// while they are not; twice.
    #[test]
    fn test_constructor_homogenous_futures() -> PyResult<()> {
        let other_loop = test_loop();
        let children = futures::<3>(&other_loop).to_vec();
        let fut = gather(children.clone());
        assert_eq!(other_loop.id(), fut.get_loop().id());
        run_loop(&other_loop)?;
        assert!(!fut.done());
        let fut = gather(children);
        assert_eq!(other_loop.id(), fut.get_loop().id());
        run_loop(&other_loop)?;
        assert!(!fut.done());
        Ok(())
    }

    /// Of five, `a` set and `b` cancelled: the gather is done (not cancelled), its
    /// callback called once, its exception a `CancelledError`; the others do nothing.
    #[test]
    fn test_one_cancellation() -> PyResult<()> {
        let one_loop = test_loop();
        let [a, b, c, d, e] = futures::<5>(&one_loop);
        let fut = gather([a.clone(), b.clone(), c.clone(), d.clone(), e.clone()]);
        let cb = mock_callback(&fut);
        a.set_result(1)?;
        b.cancel();
        run_loop(&one_loop)?;
        assert!(fut.done());
        assert_eq!(1, cb.get());
        assert!(!fut.cancelled());
        assert!(
            fut.exception()?
                .expect("an exception")
                .is::<CancelledError>()
        );
        // Does nothing
        c.set_result(3)?;
        d.cancel();
        e.set_exception(RuntimeError::default())?;
        e.exception()?;
        Ok(())
    }

    /// `gather(..., return_exceptions=True)` of six, two cancelled: done once all are,
    /// the cancelled ones listed as `CancelledError`, the others' results and exceptions
    /// in their places, the callback called once.
    #[test]
    fn test_result_exception_one_cancellation() -> PyResult<()> {
        let one_loop = test_loop();
        let [a, b, c, d, e, f] = futures::<6>(&one_loop);
        let fut = gather_return_exceptions([
            a.clone(),
            b.clone(),
            c.clone(),
            d.clone(),
            e.clone(),
            f.clone(),
        ]);
        let cb = mock_callback(&fut);
        a.set_result(1)?;
        let zde: Exception = ZeroDivisionError::default().into();
        b.set_exception(clone_exception(&zde))?;
        c.cancel();
        run_loop(&one_loop)?;
        assert!(!fut.done());
        d.set_result(3)?;
        e.cancel();
        let rte: Exception = RuntimeError::default().into();
        f.set_exception(clone_exception(&rte))?;
        let res = run_gather(&one_loop, &fut)?;
        assert_eq!(6, res.len());
        assert!(
            res[2]
                .as_ref()
                .expect_err("cancelled")
                .is::<CancelledError>()
        );
        assert!(
            res[4]
                .as_ref()
                .expect_err("cancelled")
                .is::<CancelledError>()
        );
        assert_eq!(1, *res[0].as_ref().expect("1"));
        assert!(same_exception(&zde, res[1].as_ref().expect_err("zde")));
        assert_eq!(3, *res[3].as_ref().expect("3"));
        assert!(same_exception(&rte, res[5].as_ref().expect_err("rte")));
        assert_eq!(1, cb.get());
        Ok(())
    }
}

/// `class CoroutineGatherTests(GatherTestsBase, test_utils.TestCase)`
mod coroutine_gather_tests {
    use super::gather_tests_base::Gathers;
    use super::*;

    gather_tests_base!(Gathers::Coroutines);

    async fn abc() -> PyResult<&'static str> {
        Ok("abc")
    }

    /// `gather(gen1, gen2)` of coroutines with no loop running or set: `RuntimeError:
    /// ... no current event loop` (raised at the call in Python; held by the future here).
    #[test]
    fn test_constructor_without_loop() {
        set_event_loop(None);
        let (gen1, gen2) = (abc(), abc());
        let e = gather([gen1, gen2]).result().unwrap_err();
        assert!(e.is::<RuntimeError>());
        assert!(e.to_string().contains("no current event loop"), "{e}");
    }

    /// `gather(gen1, gen2)` inside a coroutine: a future of the running loop, which runs.
    #[test]
    fn test_constructor_use_running_loop() -> PyResult<()> {
        let one_loop = test_loop();
        let (gen1, gen2) = (abc(), abc());
        let fut = run_on(&one_loop, async move { Ok(gather([gen1, gen2])) })?;
        assert_eq!(one_loop.id(), fut.get_loop().id());
        run_gather(&one_loop, &fut)?;
        Ok(())
    }

    /// `gather(gen1, gen2)` with `other_loop` set by `set_event_loop`: a future of that
    /// loop, which runs.
    #[test]
    fn test_constructor_use_global_loop() -> PyResult<()> {
        let other_loop = test_loop();
        set_event_loop(Some(&other_loop));
        let (gen1, gen2) = (abc(), abc());
        let fut = gather([gen1, gen2]);
        set_event_loop(None);
        assert_eq!(other_loop.id(), fut.get_loop().id());
        run_gather(&other_loop, &fut)?;
        Ok(())
    }

    async fn coro(s: &'static str) -> PyResult<&'static str> {
        Ok(s)
    }

    /// `gather(c, c, coro('def'), c)`: `['abc', 'abc', 'def', 'abc']` (`c` is one task).
    #[test]
    fn test_duplicate_coroutines() -> PyResult<()> {
        let one_loop = test_loop();
        let fut = run_on(&one_loop, async {
            let c = create_task(coro("abc"))?;
            Ok(gather([c.clone(), c.clone(), create_task(coro("def"))?, c]))
        })?;
        run_loop(&one_loop)?;
        assert_eq!(vec!["abc", "abc", "def", "abc"], fut.result()?);
        Ok(())
    }

    /// Cancelling `outer()`, which awaits `gather(child1, child2)`, cancels both children
    /// and the future they await; the gather, done, refuses a later `cancel()`, and
    /// nothing got past its await (`proof` stays 0).
    #[test]
    fn test_cancellation_broadcast() -> PyResult<()> {
        let one_loop = test_loop();
        let proof = Shared::new(0);
        let waiter = one_loop.create_future::<()>();
        let inner = || {
            let (proof, waiter) = (proof.clone(), waiter.clone());
            async move {
                waiter.await?;
                proof.set(proof.get() + 1);
                Ok(())
            }
        };
        let child1 = one_loop.create_native_task(inner())?;
        let child2 = one_loop.create_native_task(inner())?;
        let gatherer: Rc<OnceCell<GatheringFuture<Vec<()>>>> = Rc::default();
        let outer = {
            let (proof, gatherer, children) = (
                proof.clone(),
                gatherer.clone(),
                [child1.clone(), child2.clone()],
            );
            async move {
                let gathering = gather(children);
                let _ = gatherer.set(gathering.clone());
                gathering.await?;
                proof.set(proof.get() + 100);
                Ok(())
            }
        };
        let f = one_loop.create_native_task(outer)?;
        run_briefly(&one_loop)?;
        assert!(f.cancel());
        assert_raises::<CancelledError, _>(one_loop.run_until_complete(f));
        assert!(!gatherer.get().expect("gathered").cancel());
        assert!(waiter.cancelled());
        assert!(child1.cancelled());
        assert!(child2.cancelled());
        run_briefly(&one_loop)?;
        assert_eq!(0, proof.get());
        Ok(())
    }

    /// `gather(inner(a), inner(b))`, each raising `RuntimeError` once its future is set:
    /// the gather's task ends with the first `RuntimeError`, and the second, which came
    /// after the gather was done, is marked retrieved (no "exception was never
    /// retrieved" is reported for it once everything is gone).
    #[test]
    fn test_exception_marking() -> PyResult<()> {
        let one_loop = test_loop();
        let reports = record_reports(&one_loop);
        async fn inner(f: Future<()>) -> PyResult<()> {
            f.await?;
            Err(RuntimeError::new("should not be ignored").into())
        }
        let a = one_loop.create_future::<()>();
        let b = one_loop.create_future::<()>();
        let (x, y) = (a.clone(), b.clone());
        let f = one_loop
            .create_native_task(async move { gather([inner(x), inner(y)]).await.map(drop) })?;
        run_briefly(&one_loop)?;
        a.set_result(())?;
        run_briefly(&one_loop)?;
        b.set_result(())?;
        run_briefly(&one_loop)?;
        assert!(f.exception()?.expect("an exception").is::<RuntimeError>());
        drop(f);
        assert_eq!(Vec::<String>::new(), reports.get());
        Ok(())
    }
}
