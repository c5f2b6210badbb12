//! CPython 3.11's `Lib/test/test_asyncio/test_waitfor.py`: one `#[test]` per `test_*`
//! method, with the Python's key lines above it. Each runs on a fresh loop on the
//! virtual clock, as `IsolatedAsyncioTestCase` runs each on a fresh loop.
//!
//! Adapted: `SlowTask` measures its 0.2 seconds on the loop's clock where the Python
//! reads `time.monotonic()` (the same clock, in a real loop; a virtual one here);
//! `support.LONG_TIMEOUT` is its value, 300 seconds; the subtests of
//! `test_wait_for_timeout_less_then_0_or_0` are a loop over the two timeouts.

/// `class AsyncioWaitForTest(unittest.IsolatedAsyncioTestCase)`
mod asyncio_wait_for_test {
    use crate::asyncio_support::*;
    use pycoro::exceptions::context;
    use pycoro::native::ReturnWhen;

    /// `_EPSILON`: a timeout that passes `timeout > 0` and is over at once.
    const EPSILON: f64 = 0.0001;

    /// `support.LONG_TIMEOUT`.
    const LONG_TIMEOUT: f64 = 5.0 * 60.0;

    pycoro::py_exception!(FooException(Exception));

    /// `class SlowTask`: runs for `TASK_TIMEOUT` seconds, ignoring cancel requests.
    #[derive(Clone, Default)]
    struct SlowTask {
        exited: Shared<bool>,
    }

    impl SlowTask {
        const TASK_TIMEOUT: f64 = 0.2;

        fn run(&self) -> impl Future<Output = PyResult<()>> + 'static {
            let exited = self.exited.clone();
            async move {
                let event_loop = get_running_loop()?;
                let exitat = event_loop.time() + Self::TASK_TIMEOUT;
                loop {
                    let tosleep = exitat - event_loop.time();
                    if tosleep <= 0.0 {
                        break;
                    }
                    match sleep(tosleep).await {
                        Err(e) if e.is::<CancelledError>() => {}
                        other => other?,
                    }
                }
                exited.set(true);
                Ok(())
            }
        }
    }

    #[test]
    fn test_asyncio_wait_for_cancelled() -> PyResult<()> {
        // waitfortask = asyncio.create_task(asyncio.wait_for(t.run(), t.TASK_TIMEOUT * 2))
        // await asyncio.sleep(0); waitfortask.cancel(); await asyncio.wait({waitfortask})
        // self.assertTrue(t.exited): the cancelled wait_for waited for the inner task.
        run(async {
            let t = SlowTask::default();

            let waitfortask = create_task(wait_for(t.run(), SlowTask::TASK_TIMEOUT * 2.0))?;
            sleep0().await?;
            waitfortask.cancel();
            wait(vec![waitfortask], None, ReturnWhen::AllCompleted).await?;

            assert!(t.exited.get());
            Ok(())
        })
    }

    #[test]
    fn test_asyncio_wait_for_timeout() -> PyResult<()> {
        // try: await asyncio.wait_for(t.run(), t.TASK_TIMEOUT / 2)
        // except asyncio.TimeoutError: pass
        // self.assertTrue(t.exited): wait_for returned only once the inner task had.
        run(async {
            let t = SlowTask::default();

            match wait_for(t.run(), SlowTask::TASK_TIMEOUT / 2.0).await {
                Err(e) if e.is::<TimeoutError>() => {}
                other => other?,
            }

            assert!(t.exited.get());
            Ok(())
        })
    }

    #[test]
    fn test_wait_for_timeout_less_then_0_or_0_future_done() -> PyResult<()> {
        // fut = loop.create_future(); fut.set_result('done')
        // ret = await asyncio.wait_for(fut, 0)
        // ret == 'done'; fut.done()
        run(async {
            let fut = get_running_loop()?.create_future();
            fut.set_result("done")?;

            let ret = wait_for(fut.clone(), 0.0).await?;

            assert_eq!(ret, "done");
            assert!(fut.done());
            Ok(())
        })
    }

    #[test]
    fn test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started() -> PyResult<()> {
        // async def foo(): nonlocal foo_started; foo_started = True
        // await asyncio.wait_for(foo(), 0)   -> TimeoutError, and foo never ran
        run(async {
            let foo_started = Shared::new(false);
            let foo = {
                let foo_started = foo_started.clone();
                async move {
                    foo_started.set(true);
                    Ok(())
                }
            };

            assert_raises::<TimeoutError, _>(wait_for(foo, 0.0).await);

            assert!(!foo_started.get());
            Ok(())
        })
    }

    #[test]
    fn test_wait_for_timeout_less_then_0_or_0() -> PyResult<()> {
        // for timeout in [0, -1]: a started task, awaited with wait_for(fut, timeout),
        // raises TimeoutError; the task is done, cancelled, and its finally has run.
        run(async {
            for timeout in [0.0, -1.0] {
                let foo_running: Shared<Option<bool>> = Shared::new(None);
                let started = get_running_loop()?.create_future::<()>();

                let foo = {
                    let (foo_running, started) = (foo_running.clone(), started.clone());
                    async move {
                        foo_running.set(Some(true));
                        started.set_result(())?;
                        let slept = sleep(10.0).await;
                        // finally:
                        foo_running.set(Some(false));
                        slept?;
                        Ok("done")
                    }
                };

                let fut = create_task(foo)?;
                started.await?;

                assert_raises::<TimeoutError, _>(wait_for(fut.clone(), timeout).await);

                assert!(fut.done(), "timeout={timeout}");
                // it should have been cancelled due to the timeout
                assert!(fut.cancelled(), "timeout={timeout}");
                assert_eq!(foo_running.get(), Some(false), "timeout={timeout}");
            }
            Ok(())
        })
    }

    #[test]
    fn test_wait_for() -> PyResult<()> {
        // fut = asyncio.create_task(foo())   # sleeps LONG_TIMEOUT, finally foo_running = False
        // await asyncio.wait_for(fut, 0.1)   -> TimeoutError
        // fut.done(); fut.cancelled(); foo_running is False
        run(async {
            let foo_running: Shared<Option<bool>> = Shared::new(None);

            let foo = {
                let foo_running = foo_running.clone();
                async move {
                    foo_running.set(Some(true));
                    let slept = sleep(LONG_TIMEOUT).await;
                    // finally:
                    foo_running.set(Some(false));
                    slept?;
                    Ok("done")
                }
            };

            let fut = create_task(foo)?;

            assert_raises::<TimeoutError, _>(wait_for(fut.clone(), 0.1).await);
            assert!(fut.done());
            // it should have been cancelled due to the timeout
            assert!(fut.cancelled());
            assert_eq!(foo_running.get(), Some(false));
            Ok(())
        })
    }

    #[test]
    fn test_wait_for_blocking() -> PyResult<()> {
        // async def coro(): return 'done'
        // res = await asyncio.wait_for(coro(), timeout=None)   -> 'done'
        run(async {
            let coro = async { Ok("done") };

            let res = wait_for(coro, None).await?;
            assert_eq!(res, "done");
            Ok(())
        })
    }

    #[test]
    fn test_wait_for_race_condition() -> PyResult<()> {
        // fut = loop.create_future(); task = asyncio.wait_for(fut, timeout=0.2)
        // loop.call_later(0.1, fut.set_result, "ok"); res = await task   -> "ok"
        run(async {
            let fut = get_running_loop()?.create_future();
            let task = wait_for(fut.clone(), 0.2);
            call_later(0.1, move || {
                let _ = fut.set_result("ok");
            })?;
            let res = task.await?;
            assert_eq!(res, "ok");
            Ok(())
        })
    }

    #[test]
    fn test_wait_for_cancellation_race_condition() -> PyResult<()> {
        // async def inner():
        //     with self.assertRaises(asyncio.CancelledError): await asyncio.sleep(1)
        //     return 1
        // result = await asyncio.wait_for(inner(), timeout=.01)   -> 1
        run(async {
            let inner = async {
                assert_raises::<CancelledError, _>(sleep(1.0).await);
                Ok(1)
            };

            let result = wait_for(inner, 0.01).await?;
            assert_eq!(result, 1);
            Ok(())
        })
    }

    /// The `inner()` of the two `test_wait_for_waits_for_task_cancellation` tests:
    /// try: await asyncio.sleep(10)
    /// except asyncio.CancelledError: await asyncio.sleep(_EPSILON); raise
    /// finally: task_done = True
    async fn slow_to_cancel(task_done: Shared<bool>) -> PyResult<()> {
        let tried = async {
            match sleep(10.0).await {
                Err(e) if e.is::<CancelledError>() => {
                    sleep(EPSILON).await?;
                    Err(e)
                }
                other => other,
            }
        }
        .await;
        // finally:
        task_done.set(true);
        tried
    }

    /// What both tests assert: TimeoutError, raised once the inner task's clean-up was
    /// done, with the inner task's CancelledError as its `__context__`.
    #[track_caller]
    fn assert_timed_out_after(outcome: PyResult<()>, task_done: &Shared<bool>) {
        let e = outcome.unwrap_err();
        assert!(e.is::<TimeoutError>(), "{e:?}");
        assert!(task_done.get());
        let chained = context(&e).expect("a __context__");
        assert!(chained.is::<CancelledError>(), "{chained:?}");
    }

    #[test]
    fn test_wait_for_waits_for_task_cancellation() -> PyResult<()> {
        // async def inner():
        //     try: await asyncio.sleep(10)
        //     except asyncio.CancelledError: await asyncio.sleep(_EPSILON); raise
        //     finally: task_done = True
        // await asyncio.wait_for(inner_task, timeout=_EPSILON)   -> TimeoutError
        // task_done; type(cm.exception.__context__) is asyncio.CancelledError
        run(async {
            let task_done = Shared::new(false);

            let inner_task = create_task(slow_to_cancel(task_done.clone()))?;

            let outcome = wait_for(inner_task, EPSILON).await;

            assert_timed_out_after(outcome, &task_done);
            Ok(())
        })
    }

    #[test]
    fn test_wait_for_waits_for_task_cancellation_w_timeout_0() -> PyResult<()> {
        // As test_wait_for_waits_for_task_cancellation, inside foo(), which lets the
        // inner task start (sleep(_EPSILON)) and then calls wait_for(inner_task, timeout=0).
        run(async {
            let task_done = Shared::new(false);

            let foo = async {
                let inner_task = create_task(slow_to_cancel(task_done.clone()))?;
                sleep(EPSILON).await?;
                wait_for(inner_task, 0.0).await
            };

            assert_timed_out_after(foo.await, &task_done);
            Ok(())
        })
    }

    #[test]
    fn test_wait_for_reraises_exception_during_cancellation() -> PyResult<()> {
        // async def inner():
        //     try: await asyncio.sleep(0.2)
        //     finally: raise FooException
        // await asyncio.wait_for(inner_task, timeout=_EPSILON)   -> FooException
        run(async {
            let foo = async {
                let inner = async {
                    let _ = sleep(0.2).await;
                    // finally:
                    Err::<(), _>(FooException::default().into())
                };

                let inner_task = create_task(inner)?;

                wait_for(inner_task, EPSILON).await
            };

            assert_raises::<FooException, _>(foo.await);
            Ok(())
        })
    }

    #[test]
    fn test_wait_for_self_cancellation() -> PyResult<()> {
        // inner() holds up two cancellations (sleeping 0.3 after each) and returns 42;
        // wait_for(inner_task, timeout=0.1) runs in a task, cancelled at 0.2 while it
        // waits for the cancelled inner task: that task raises CancelledError at once,
        // and the inner task goes on to return 42.
        run(async {
            let inner = async {
                if let Err(e) = sleep(0.3).await {
                    if !e.is::<CancelledError>() {
                        return Err(e);
                    }
                    if let Err(e) = sleep(0.3).await {
                        if !e.is::<CancelledError>() {
                            return Err(e);
                        }
                        sleep(0.3).await?;
                    }
                }
                Ok(42)
            };

            let inner_task = create_task(inner)?;

            let wait = wait_for(inner_task.clone(), 0.1);

            // Test that wait_for itself is properly cancellable
            // even when the initial task holds up the initial cancellation.
            let task = create_task(wait)?;
            sleep(0.2).await?;
            task.cancel();

            assert_raises::<CancelledError, _>(task.await);

            assert_eq!(inner_task.await?, 42);
            Ok(())
        })
    }

    /// `_test_cancel_wait_for(timeout)`: a task blocked on a future that is never set,
    /// awaited through wait_for in a task that is cancelled on the next pass: that task
    /// raises CancelledError, and the blocked task is cancelled too (Python issue #23219).
    async fn cancel_wait_for(timeout: Option<f64>) -> PyResult<()> {
        let event_loop = get_running_loop()?;

        let blocking_coroutine = {
            let event_loop = event_loop.clone();
            async move {
                let fut = event_loop.create_future::<()>();
                // Block: fut result is never set
                fut.await
            }
        };

        let task = create_task(blocking_coroutine)?;

        let wait = create_task(wait_for(task.clone(), timeout))?;
        {
            let wait = wait.clone();
            call_soon(move || {
                wait.cancel();
            })?;
        }

        assert_raises::<CancelledError, _>(wait.await);

        // Python issue #23219: cancelling the wait must also cancel the task
        assert!(task.cancelled());
        Ok(())
    }

    #[test]
    fn test_cancel_blocking_wait_for() -> PyResult<()> {
        // await self._test_cancel_wait_for(None)
        run(cancel_wait_for(None))
    }

    #[test]
    fn test_cancel_wait_for() -> PyResult<()> {
        // await self._test_cancel_wait_for(60.0)
        run(cancel_wait_for(Some(60.0)))
    }
}
