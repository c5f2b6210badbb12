//! CPython 3.11's `Lib/test/test_asyncio/test_timeouts.py`: one `#[test]` per `test_*`
//! method, with the Python's key lines above it. Each runs on a fresh loop on the
//! virtual clock, as `IsolatedAsyncioTestCase` runs each on a fresh loop.
//!
//! `async with asyncio.timeout(d) as cm: body` is `let cm = timeout(Some(d))?;` and
//! `cm.run(async { body }).await`. Adapted: the `time.sleep(t)` that keeps the loop busy
//! in `test_nested_timeouts_concurrent` and `test_nested_timeouts_loop_busy` is the loop's
//! clock's `sleep`, which on the virtual clock moves time on while the loop's thread is
//! blocked, as a real `time.sleep` does; `test_utils.await_without_task` is
//! `await_without_task` here, which polls the coroutine from a loop callback, so that no
//! task runs it.

/// `class TimeoutTests(unittest.IsolatedAsyncioTestCase)`
mod timeout_tests {
    use std::cell::RefCell;
    use std::pin::pin;
    use std::rc::Rc;
    use std::task::{Context, Poll, Waker};

    use crate::asyncio_support::*;
    use pycoro::exceptions::{KeyError, ZeroDivisionError, cause};
    use pycoro::native::{Timeout, current_task, timeout, timeout_at};

    /// `with self.assertRaisesRegex(E, text):` around `result`, `text` a plain substring.
    #[track_caller]
    fn assert_raises_regex<E: std::fmt::Display + std::fmt::Debug + Send + Sync + 'static, T>(
        result: PyResult<T>,
        text: &str,
    ) {
        let e = match result {
            Ok(_) => panic!("{} not raised", std::any::type_name::<E>()),
            Err(e) => e,
        };
        assert!(
            e.is::<E>(),
            "expected {}, got {e:?}",
            std::any::type_name::<E>()
        );
        assert!(e.to_string().contains(text), "{text:?} not in {e}");
    }

    /// `with self.assertRaises(E):` as a block inside the code under test: `E` is caught,
    /// another exception goes on through it, and no exception at all fails the test.
    #[track_caller]
    fn caught<E: std::fmt::Display + std::fmt::Debug + Send + Sync + 'static, T>(
        result: PyResult<T>,
    ) -> PyResult<()> {
        match result {
            Ok(_) => panic!("{} not raised", std::any::type_name::<E>()),
            Err(e) if e.is::<E>() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `time.sleep(seconds)` on the loop's thread: the loop is busy, and its clock moves.
    fn busy(seconds: f64) -> PyResult<()> {
        get_running_loop()?.clock().sleep(seconds);
        Ok(())
    }

    /// `test_utils.await_without_task(coro)`: the coroutine runs in a callback of the
    /// loop, outside any task, and its exception is raised here after one `sleep(0)`.
    async fn await_without_task<T: 'static>(
        coro: impl Future<Output = PyResult<T>> + 'static,
    ) -> PyResult<()> {
        let outcome: Rc<RefCell<Option<PyResult<T>>>> = Rc::default();
        let slot = outcome.clone();
        call_soon(move || {
            let coro = pin!(coro);
            if let Poll::Ready(result) = coro.poll(&mut Context::from_waker(Waker::noop())) {
                *slot.borrow_mut() = Some(result);
            }
        })?;
        sleep0().await?;
        let finished = outcome.borrow_mut().take();
        match finished {
            Some(result) => result.map(drop),
            None => panic!("the coroutine did not finish in its callback"),
        }
    }

    /// `assertRegex(repr(cm), r"<Timeout \[active\] when=\d+\.\d*>")`.
    #[track_caller]
    fn assert_active_repr(repr: &str) {
        let digits =
            |s: &str, at_least: usize| s.len() >= at_least && s.chars().all(|c| c.is_ascii_digit());
        let matches = repr
            .strip_prefix("<Timeout [active] when=")
            .and_then(|rest| rest.strip_suffix('>'))
            .and_then(|when| when.split_once('.'))
            .is_some_and(|(whole, fraction)| digits(whole, 1) && digits(fraction, 0));
        assert!(
            matches,
            "{repr:?} does not match <Timeout [active] when=N.N>"
        );
    }

    #[test]
    fn test_timeout_basic() -> PyResult<()> {
        // with self.assertRaises(TimeoutError):
        //     async with asyncio.timeout(0.01) as cm: await asyncio.sleep(10)
        // self.assertTrue(cm.expired())
        run(async {
            let cm = timeout(Some(0.01))?;
            assert_raises::<TimeoutError, _>(cm.run(sleep(10.0)).await);
            assert!(cm.expired());
            Ok(())
        })
    }

    #[test]
    fn test_timeout_at_basic() -> PyResult<()> {
        // deadline = loop.time() + 0.01
        // async with asyncio.timeout_at(deadline) as cm: await asyncio.sleep(10)
        // raises TimeoutError; cm.expired(); cm.when() == deadline
        run(async {
            let deadline = get_running_loop()?.time() + 0.01;
            let cm = timeout_at(Some(deadline));
            assert_raises::<TimeoutError, _>(cm.run(sleep(10.0)).await);
            assert!(cm.expired());
            assert_eq!(Some(deadline), cm.when());
            Ok(())
        })
    }

    #[test]
    fn test_nested_timeouts() -> PyResult<()> {
        // Two timeouts at the same deadline: only the topmost raises TimeoutError, the
        // inner one lets the CancelledError through (`cancelled` is set on its way out),
        // and both have expired.
        run(async {
            let deadline = get_running_loop()?.time() + 0.01;
            let cancelled = Shared::new(false);
            let cm1 = timeout_at(Some(deadline));
            let cm2 = timeout_at(Some(deadline));
            let outcome = cm1
                .run(async {
                    match cm2.run(sleep(10.0)).await {
                        Err(e) if e.is::<CancelledError>() => {
                            cancelled.set(true);
                            Err(e)
                        }
                        other => other,
                    }
                })
                .await;
            assert_raises::<TimeoutError, _>(outcome);
            assert!(cancelled.get());
            assert!(cm1.expired());
            assert!(cm2.expired());
            Ok(())
        })
    }

    #[test]
    fn test_waiter_cancelled() -> PyResult<()> {
        // The block's await gets CancelledError when the timeout passes; the timeout
        // turns it into TimeoutError.
        run(async {
            let cancelled = Shared::new(false);
            let outcome = timeout(Some(0.01))?
                .run(async {
                    match sleep(10.0).await {
                        Err(e) if e.is::<CancelledError>() => {
                            cancelled.set(true);
                            Err(e)
                        }
                        other => other,
                    }
                })
                .await;
            assert_raises::<TimeoutError, _>(outcome);
            assert!(cancelled.get());
            Ok(())
        })
    }

    #[test]
    fn test_timeout_not_called() -> PyResult<()> {
        // async with asyncio.timeout(10) as cm: await asyncio.sleep(0.01)
        // not cm.expired(); cm.when() > loop.time()
        run(async {
            let cm = timeout(Some(10.0))?;
            cm.run(sleep(0.01)).await?;
            let t1 = get_running_loop()?.time();
            assert!(!cm.expired());
            assert!(cm.when().unwrap() > t1);
            Ok(())
        })
    }

    #[test]
    fn test_timeout_disabled() -> PyResult<()> {
        // async with asyncio.timeout(None) as cm: await asyncio.sleep(0.01)
        // not cm.expired(); cm.when() is None
        run(async {
            let cm = timeout(None)?;
            cm.run(sleep(0.01)).await?;
            assert!(!cm.expired());
            assert_eq!(None, cm.when());
            Ok(())
        })
    }

    #[test]
    fn test_timeout_at_disabled() -> PyResult<()> {
        // async with asyncio.timeout_at(None) as cm: await asyncio.sleep(0.01)
        // not cm.expired(); cm.when() is None
        run(async {
            let cm = timeout_at(None);
            cm.run(sleep(0.01)).await?;
            assert!(!cm.expired());
            assert_eq!(None, cm.when());
            Ok(())
        })
    }

    /// `t0 = loop.time()`, then `async with asyncio.timeout(delay) as cm: await
    /// asyncio.sleep(nap)`, which raises TimeoutError with `cm` expired: then `t0`,
    /// `cm.when()` and `t1 = loop.time()`.
    async fn expire(delay: f64, nap: f64) -> PyResult<(f64, f64, f64)> {
        let t0 = get_running_loop()?.time();
        let cm = timeout(Some(delay))?;
        assert_raises::<TimeoutError, _>(cm.run(sleep(nap)).await);
        let t1 = get_running_loop()?.time();
        assert!(cm.expired());
        Ok((t0, cm.when().unwrap(), t1))
    }

    #[test]
    fn test_timeout_zero() -> PyResult<()> {
        // async with asyncio.timeout(0) as cm: await asyncio.sleep(10)
        // raises TimeoutError; cm.expired(); t0 <= cm.when() <= t1
        let (t0, when, t1) = run(expire(0.0, 10.0))?;
        assert!(t0 <= when && when <= t1);
        Ok(())
    }

    #[test]
    fn test_timeout_zero_sleep_zero() -> PyResult<()> {
        // async with asyncio.timeout(0) as cm: await asyncio.sleep(0)
        // raises TimeoutError: even a bare yield is cancelled; t0 <= cm.when() <= t1
        let (t0, when, t1) = run(expire(0.0, 0.0))?;
        assert!(t0 <= when && when <= t1);
        Ok(())
    }

    #[test]
    fn test_timeout_in_the_past_sleep_zero() -> PyResult<()> {
        // async with asyncio.timeout(-11) as cm: await asyncio.sleep(0)
        // raises TimeoutError; cm.expired(); t0 >= cm.when() <= t1
        let (t0, when, t1) = run(expire(-11.0, 0.0))?;
        assert!(t0 >= when && when <= t1);
        Ok(())
    }

    #[test]
    fn test_foreign_exception_passed() -> PyResult<()> {
        // async with asyncio.timeout(0.01) as cm: raise KeyError
        // the KeyError goes on; not cm.expired()
        run(async {
            let cm = timeout(Some(0.01))?;
            let outcome: PyResult<()> = cm.run(async { Err(KeyError::default().into()) }).await;
            assert_raises::<KeyError, _>(outcome);
            assert!(!cm.expired());
            Ok(())
        })
    }

    #[test]
    fn test_foreign_exception_on_timeout() -> PyResult<()> {
        // async def crash(): try: await asyncio.sleep(1) finally: 1/0
        // async with asyncio.timeout(0.01): await crash()   -> ZeroDivisionError
        run(async {
            let crash = || async {
                let _ = sleep(1.0).await;
                // finally: 1/0
                Err::<(), _>(ZeroDivisionError::new("division by zero").into())
            };
            let outcome = timeout(Some(0.01))?.run(crash()).await;
            assert_raises::<ZeroDivisionError, _>(outcome);
            Ok(())
        })
    }

    #[test]
    fn test_foreign_cancel_doesnt_timeout_if_not_expired() -> PyResult<()> {
        // async with asyncio.timeout(10) as cm:
        //     asyncio.current_task().cancel(); await asyncio.sleep(10)
        // CancelledError goes on; not cm.expired()
        run(async {
            let cm = timeout(Some(10.0))?;
            let outcome = cm
                .run(async {
                    current_task().unwrap().cancel();
                    sleep(10.0).await
                })
                .await;
            assert_raises::<CancelledError, _>(outcome);
            assert!(!cm.expired());
            Ok(())
        })
    }

    #[test]
    fn test_outer_task_is_not_cancelled() -> PyResult<()> {
        // A task whose timeout expired, and which caught the TimeoutError, ends done and
        // not cancelled.
        run(async {
            let outer = async {
                let outcome = timeout(Some(0.001))?.run(sleep(10.0)).await;
                assert_raises::<TimeoutError, _>(outcome);
                Ok(())
            };
            let task = create_task(outer)?;
            task.clone().await?;
            assert!(!task.cancelled());
            assert!(task.done());
            Ok(())
        })
    }

    #[test]
    fn test_nested_timeouts_concurrent() -> PyResult<()> {
        // async with asyncio.timeout(0.002):
        //     with self.assertRaises(TimeoutError):
        //         async with asyncio.timeout(0.1):
        //             time.sleep(0.01); await asyncio.sleep(1)
        // The outer deadline passes while the loop is busy: the outer timeout raises
        // TimeoutError, its CancelledError passing through the inner one.
        run(async {
            let outcome = timeout(Some(0.002))?
                .run(async {
                    let inner = timeout(Some(0.1))?
                        .run(async {
                            busy(0.01)?;
                            sleep(1.0).await
                        })
                        .await;
                    caught::<TimeoutError, _>(inner)
                })
                .await;
            assert_raises::<TimeoutError, _>(outcome);
            Ok(())
        })
    }

    #[test]
    fn test_nested_timeouts_loop_busy() -> PyResult<()> {
        // async with asyncio.timeout(0.1):            # (1)
        //     with self.assertRaises(TimeoutError):
        //         async with asyncio.timeout(0.01):   # (2)
        //             time.sleep(0.1); await asyncio.sleep(1)
        //     await asyncio.sleep(10)                  # interrupted by (1)
        // raises TimeoutError, and t0 <= t1 <= t0 + 1
        run(async {
            let t0 = get_running_loop()?.time();
            let outcome = timeout(Some(0.1))?
                .run(async {
                    let inner = timeout(Some(0.01))?
                        .run(async {
                            busy(0.1)?;
                            sleep(1.0).await
                        })
                        .await;
                    caught::<TimeoutError, _>(inner)?;
                    sleep(10.0).await
                })
                .await;
            assert_raises::<TimeoutError, _>(outcome);
            let t1 = get_running_loop()?.time();
            assert!(t0 <= t1 && t1 <= t0 + 1.0, "t0={t0} t1={t1}");
            Ok(())
        })
    }

    #[test]
    fn test_reschedule() -> PyResult<()> {
        // A task's timeout, handed out through a future, is rescheduled from another
        // task: when() follows, None disables it; cancelling the task then raises
        // CancelledError, and the timeout has not expired.
        run(async {
            let event_loop = get_running_loop()?;
            let fut = event_loop.create_future::<Timeout>();
            let deadline1 = event_loop.time() + 10.0;
            let deadline2 = deadline1 + 20.0;

            let f = {
                let fut = fut.clone();
                async move {
                    let cm = timeout_at(Some(deadline1));
                    cm.run(async {
                        fut.set_result(cm.clone())?;
                        sleep(50.0).await
                    })
                    .await
                }
            };
            let task = create_task(f)?;
            let cm = fut.await?;

            assert_eq!(cm.when(), Some(deadline1));
            cm.reschedule(Some(deadline2))?;
            assert_eq!(cm.when(), Some(deadline2));
            cm.reschedule(None)?;
            assert_eq!(cm.when(), None);

            task.cancel();

            assert_raises::<CancelledError, _>(task.await);
            assert!(!cm.expired());
            Ok(())
        })
    }

    #[test]
    fn test_repr_active() -> PyResult<()> {
        // async with asyncio.timeout(10) as cm:
        //     self.assertRegex(repr(cm), r"<Timeout \[active\] when=\d+\.\d*>")
        run(async {
            let cm = timeout(Some(10.0))?;
            cm.run(async {
                assert_active_repr(&cm.to_string());
                Ok(())
            })
            .await
        })
    }

    #[test]
    fn test_repr_expired() -> PyResult<()> {
        // After TimeoutError: repr(cm) == "<Timeout [expired]>"
        run(async {
            let cm = timeout(Some(0.01))?;
            assert_raises::<TimeoutError, _>(cm.run(sleep(10.0)).await);
            assert_eq!(cm.to_string(), "<Timeout [expired]>");
            Ok(())
        })
    }

    #[test]
    fn test_repr_finished() -> PyResult<()> {
        // async with asyncio.timeout(10) as cm: await asyncio.sleep(0)
        // repr(cm) == "<Timeout [finished]>"
        run(async {
            let cm = timeout(Some(10.0))?;
            cm.run(sleep(0.0)).await?;
            assert_eq!(cm.to_string(), "<Timeout [finished]>");
            Ok(())
        })
    }

    #[test]
    fn test_repr_disabled() -> PyResult<()> {
        // async with asyncio.timeout(None) as cm:
        //     repr(cm) == "<Timeout [active] when=None>"
        run(async {
            let cm = timeout(None)?;
            cm.run(async {
                assert_eq!(cm.to_string(), "<Timeout [active] when=None>");
                Ok(())
            })
            .await
        })
    }

    #[test]
    fn test_nested_timeout_in_finally() -> PyResult<()> {
        // async with asyncio.timeout(0.01):
        //     try: await asyncio.sleep(1)
        //     finally:
        //         with self.assertRaises(TimeoutError):
        //             async with asyncio.timeout(0.01): await asyncio.sleep(10)
        // A timeout inside the clean-up of a timed-out block expires on its own and
        // raises its TimeoutError there; the outer one still raises TimeoutError.
        run(async {
            let outcome = timeout(Some(0.01))?
                .run(async {
                    let slept = sleep(1.0).await;
                    // finally:
                    let inner = timeout(Some(0.01))?.run(sleep(10.0)).await;
                    assert_raises::<TimeoutError, _>(inner);
                    slept
                })
                .await;
            assert_raises::<TimeoutError, _>(outcome);
            Ok(())
        })
    }

    /// The `try` of the two `..._after_cancellation` tests: the task cancels itself, and
    /// the `except CancelledError: pass` swallows what its work raises, leaving the
    /// request counted (`cancelling()` is 1) for the `finally` that follows.
    async fn cancelled_work() -> PyResult<()> {
        current_task().unwrap().cancel();
        match sleep(1.0).await {
            Err(e) if e.is::<CancelledError>() => Ok(()),
            other => other,
        }
    }

    #[test]
    fn test_timeout_after_cancellation() -> PyResult<()> {
        // try: asyncio.current_task().cancel(); await asyncio.sleep(1)
        // except asyncio.CancelledError: pass
        // finally:
        //     with self.assertRaises(TimeoutError):
        //         async with asyncio.timeout(0.0): await asyncio.sleep(1)
        // A timeout entered while a cancellation request is still counted (cancelling()
        // is 1) raises TimeoutError all the same.
        run(async {
            let tried = cancelled_work().await;
            // finally:
            assert_raises::<TimeoutError, _>(timeout(Some(0.0))?.run(sleep(1.0)).await);
            tried
        })
    }

    #[test]
    fn test_cancel_in_timeout_after_cancellation() -> PyResult<()> {
        // as test_timeout_after_cancellation, but the block cancels its own task before
        // the deadline: CancelledError goes on, not TimeoutError.
        run(async {
            let tried = cancelled_work().await;
            // finally:
            let outcome = timeout(Some(1.0))?
                .run(async {
                    current_task().unwrap().cancel();
                    sleep(2.0).await
                })
                .await;
            assert_raises::<CancelledError, _>(outcome);
            tried
        })
    }

    #[test]
    fn test_timeout_exception_cause() -> PyResult<()> {
        // async with asyncio.timeout(0): await asyncio.sleep(1)
        // the TimeoutError's __cause__ is a CancelledError
        run(async {
            let e = timeout(Some(0.0))?.run(sleep(1.0)).await.unwrap_err();
            assert!(e.is::<TimeoutError>(), "{e:?}");
            assert!(cause(&e).is_some_and(|cause| cause.is::<CancelledError>()));
            Ok(())
        })
    }

    #[test]
    fn test_timeout_already_entered() -> PyResult<()> {
        // async with asyncio.timeout(0.01) as cm:
        //     with self.assertRaisesRegex(RuntimeError, "has already been entered"):
        //         async with cm: pass
        run(async {
            let cm = timeout(Some(0.01))?;
            cm.run(async {
                let again = cm.run(async { Ok(()) }).await;
                assert_raises_regex::<RuntimeError, _>(again, "has already been entered");
                Ok(())
            })
            .await
        })
    }

    #[test]
    fn test_timeout_double_enter() -> PyResult<()> {
        // async with asyncio.timeout(0.01) as cm: pass
        // async with cm: pass   -> RuntimeError "has already been entered"
        run(async {
            let cm = timeout(Some(0.01))?;
            cm.run(async { Ok(()) }).await?;
            let again = cm.run(async { Ok(()) }).await;
            assert_raises_regex::<RuntimeError, _>(again, "has already been entered");
            Ok(())
        })
    }

    #[test]
    fn test_timeout_finished() -> PyResult<()> {
        // async with asyncio.timeout(0.01) as cm: pass
        // cm.reschedule(0.02)   -> RuntimeError "finished"
        run(async {
            let cm = timeout(Some(0.01))?;
            cm.run(async { Ok(()) }).await?;
            assert_raises_regex::<RuntimeError, _>(cm.reschedule(Some(0.02)), "finished");
            Ok(())
        })
    }

    #[test]
    fn test_timeout_expired() -> PyResult<()> {
        // After TimeoutError: cm.reschedule(0.02)   -> RuntimeError "expired"
        run(async {
            let cm = timeout(Some(0.01))?;
            assert_raises::<TimeoutError, _>(cm.run(sleep(1.0)).await);
            assert_raises_regex::<RuntimeError, _>(cm.reschedule(Some(0.02)), "expired");
            Ok(())
        })
    }

    #[test]
    fn test_timeout_expiring() -> PyResult<()> {
        // async with asyncio.timeout(0.01) as cm:
        //     with self.assertRaises(asyncio.CancelledError): await asyncio.sleep(1)
        //     with self.assertRaisesRegex(RuntimeError, "expiring"): cm.reschedule(0.02)
        // The block swallowed the cancellation, so it ends without TimeoutError.
        run(async {
            let cm = timeout(Some(0.01))?;
            cm.run(async {
                assert_raises::<CancelledError, _>(sleep(1.0).await);
                assert_raises_regex::<RuntimeError, _>(cm.reschedule(Some(0.02)), "expiring");
                Ok(())
            })
            .await
        })
    }

    #[test]
    fn test_timeout_not_entered() -> PyResult<()> {
        // cm = asyncio.timeout(0.01); cm.reschedule(0.02)
        //     -> RuntimeError "has not been entered"
        run(async {
            let cm = timeout(Some(0.01))?;
            assert_raises_regex::<RuntimeError, _>(
                cm.reschedule(Some(0.02)),
                "has not been entered",
            );
            Ok(())
        })
    }

    #[test]
    fn test_timeout_without_task() -> PyResult<()> {
        // cm = asyncio.timeout(0.01)
        // await await_without_task(cm.__aenter__())   -> RuntimeError "task"
        // cm.reschedule(0.02)   -> RuntimeError "has not been entered"
        run(async {
            let cm = timeout(Some(0.01))?;
            let entered = {
                let cm = cm.clone();
                async move { cm.run(async { Ok(()) }).await }
            };
            assert_raises_regex::<RuntimeError, _>(await_without_task(entered).await, "task");
            assert_raises_regex::<RuntimeError, _>(
                cm.reschedule(Some(0.02)),
                "has not been entered",
            );
            Ok(())
        })
    }
}
