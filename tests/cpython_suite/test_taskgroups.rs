//! CPython 3.11's `Lib/test/test_asyncio/test_taskgroups.py`: one `#[test]` per `test_*`
//! method, with what the Python asserts above it. Each runs on a fresh loop on the
//! virtual clock, as `IsolatedAsyncioTestCase` runs each on a fresh loop.
//!
//! `async with taskgroups.TaskGroup() as g: body` is `g.run(async { body }).await`;
//! `1 / 0` is a `ZeroDivisionError`, and a Python `finally` that raises is a Rust block
//! that ignores the body's outcome and returns its own error. The private `len(g._tasks)`
//! is read from the group's `repr`, which shows it.
//!
//! `g.create_task(coro, name=n)` is `g.create_task(coro)?` then `set_name(n)`, which is
//! what `create_task` does with `name` (`tasks._set_task_name`).
//!
//! Not carried (see `not_applicable.toml`): `test_taskgroup_task_context` (contextvars).

/// `class TestTaskGroup(unittest.IsolatedAsyncioTestCase)`
mod test_task_group {
    use std::collections::BTreeSet;
    use std::future::Future;

    use futures::FutureExt;
    use pycoro::contextlib::{async_with, asynccontextmanager};
    use pycoro::exceptions::{
        BaseException, BaseExceptionGroup, Exception as ExceptionClass, ExceptionGroup,
        KeyboardInterrupt, TypeError, ZeroDivisionError, except_star, exception_name, object,
        raise,
    };
    use pycoro::native::{AsyncGenerator, TaskGroup, current_task};

    use crate::asyncio_support::*;

    pycoro::py_exception!(
        /// `class MyExc(Exception)`.
        pub MyExc(ExceptionClass)
    );
    pycoro::py_exception!(
        /// `class MyBaseExc(BaseException)`.
        pub MyBaseExc(BaseException)
    );

    /// `1 / 0`.
    fn zero_division() -> Exception {
        ZeroDivisionError::new("division by zero").into()
    }

    /// `get_error_types(eg)`: `{type(exc) for exc in eg.exceptions}`, by name.
    fn error_types(eg: &Exception) -> BTreeSet<String> {
        let members = object(eg)
            .and_then(|o| o.exceptions())
            .unwrap_or_else(|| panic!("not an exception group: {eg:?}"));
        members
            .iter()
            .map(|e| exception_name(e).to_owned())
            .collect()
    }

    fn types(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    /// `eg.exceptions[0]`.
    fn first_member(eg: &Exception) -> Exception {
        let members = object(eg).and_then(|o| o.exceptions()).expect("a group");
        pycoro::exceptions::clone_exception(&members[0])
    }

    /// `len(g._tasks)`, which `repr(g)` shows as `tasks=N` (none when there are none).
    fn tasks_of(g: &TaskGroup) -> usize {
        let repr = g.to_string();
        repr.split_whitespace()
            .find_map(|word| word.strip_prefix("tasks="))
            .map_or(0, |n| n.trim_end_matches('>').parse().unwrap())
    }

    /// `self.assertRaisesRegex(RuntimeError, pattern)`.
    #[track_caller]
    fn assert_runtime_error<T>(result: PyResult<T>, pattern: &str) {
        match result {
            Ok(_) => panic!("RuntimeError not raised"),
            Err(e) => {
                assert!(e.is::<RuntimeError>(), "{e:?}");
                assert!(e.to_string().contains(pattern), "{e}");
            }
        }
    }

    /// `self.assertRaises(E) as cm`: the exception, checked to be an `E`.
    #[track_caller]
    fn raised<E: std::fmt::Display + std::fmt::Debug + Send + Sync + 'static, T>(
        result: PyResult<T>,
    ) -> Exception {
        match result {
            Ok(_) => panic!("{} not raised", std::any::type_name::<E>()),
            Err(e) => {
                assert!(
                    e.is::<E>(),
                    "expected {}, got {e:?}",
                    std::any::type_name::<E>()
                );
                e
            }
        }
    }

    /// `r = asyncio.create_task(runner()); await asyncio.sleep(0.1);
    /// self.assertFalse(r.done()); r.cancel()`, then `await r`.
    async fn cancel_after_a_tenth<T: Clone + 'static>(
        runner: impl Future<Output = PyResult<T>> + 'static,
    ) -> PyResult<T> {
        let r = create_task(runner)?;
        sleep(0.1).await?;
        assert!(!r.done());
        r.cancel();
        r.await
    }

    async fn sleep_then(delay: f64, value: i64) -> PyResult<i64> {
        sleep(delay).await?;
        Ok(value)
    }

    /// `async def f(): try: await asyncio.sleep(delay) finally: raise exc`.
    async fn sleep_finally_raise(delay: f64, exc: fn() -> Exception) -> PyResult<()> {
        let _ = sleep(delay).await;
        Err(exc())
    }

    /// `async def crash_soon(): await asyncio.sleep(delay); 1 / 0`.
    async fn crash_after(delay: f64) -> PyResult<()> {
        sleep(delay).await?;
        Err(zero_division())
    }

    /// `async def foo(): try: await asyncio.sleep(delay) except CancelledError: NUM += 1; raise`
    async fn counting_sleeper(delay: f64, num: Shared<usize>) -> PyResult<()> {
        match sleep(delay).await {
            Err(e) if e.is::<CancelledError>() => {
                num.incr();
                Err(e)
            }
            other => other,
        }
    }

    // async with taskgroups.TaskGroup() as g:
    //     t1 = g.create_task(foo1())   # sleep(0.1); return 42
    //     t2 = g.create_task(foo2())   # sleep(0.2); return 11
    // self.assertEqual(t1.result(), 42); self.assertEqual(t2.result(), 11)
    #[test]
    fn test_taskgroup_01() -> PyResult<()> {
        run(async {
            let g = TaskGroup::new();
            let (t1, t2) = g
                .run(async {
                    Ok((
                        g.create_task(sleep_then(0.1, 42))?,
                        g.create_task(sleep_then(0.2, 11))?,
                    ))
                })
                .await?;
            assert_eq!(t1.result()?, 42);
            assert_eq!(t2.result()?, 11);
            Ok(())
        })
    }

    // As 01, with `await asyncio.sleep(0.15)` between the two create_task calls.
    #[test]
    fn test_taskgroup_02() -> PyResult<()> {
        run(async {
            let g = TaskGroup::new();
            let (t1, t2) = g
                .run(async {
                    let t1 = g.create_task(sleep_then(0.1, 42))?;
                    sleep(0.15).await?;
                    let t2 = g.create_task(sleep_then(0.2, 11))?;
                    Ok((t1, t2))
                })
                .await?;
            assert_eq!(t1.result()?, 42);
            assert_eq!(t2.result()?, 11);
            Ok(())
        })
    }

    // t1 (sleep 1) is cancelled explicitly inside the block after 0.15 s: everything
    // else goes on; t1.cancelled() and t2.result() == 11.
    #[test]
    fn test_taskgroup_03() -> PyResult<()> {
        run(async {
            let g = TaskGroup::new();
            let (t1, t2) = g
                .run(async {
                    let t1 = g.create_task(sleep_then(1.0, 42))?;
                    sleep(0.15).await?;
                    t1.cancel();
                    let t2 = g.create_task(sleep_then(0.2, 11))?;
                    Ok((t1, t2))
                })
                .await?;
            assert!(t1.cancelled());
            assert_eq!(t2.result()?, 11);
            Ok(())
        })
    }

    // foo1 fails after 0.1 s; foo2 (sleep 1) is cancelled, sees CancelledError; the
    // runner task raises ExceptionGroup {ZeroDivisionError} and never reaches NUM += 10.
    #[test]
    fn test_taskgroup_04() -> PyResult<()> {
        run(async {
            let num = Shared::new(0usize);
            let t2_cancel = Shared::new(0usize);
            let t2 = List::default();
            let runner = {
                let (num, t2_cancel, t2) = (num.clone(), t2_cancel.clone(), t2.clone());
                async move {
                    let g = TaskGroup::new();
                    g.run(async {
                        g.create_task(crash_after(0.1))?;
                        let foo2 = counting_sleeper(1.0, t2_cancel.clone());
                        let num = num.clone();
                        t2.push(g.create_task(async move {
                            foo2.await?;
                            num.incr();
                            Ok(())
                        })?);
                        Ok(())
                    })
                    .await?;
                    num.set(num.get() + 10);
                    Ok(())
                }
            };
            let eg = raised::<ExceptionGroup, _>(create_task(runner)?.await);
            assert_eq!(error_types(&eg), types(&["ZeroDivisionError"]));
            assert_eq!(num.get(), 0);
            assert_eq!(t2_cancel.get(), 1);
            assert!(t2.get()[0].cancelled());
            Ok(())
        })
    }

    // Three foo1 fail after 0.1 s; foo2 and the block's own `await asyncio.sleep(10)`
    // are cancelled; ExceptionGroup {ZeroDivisionError}; NUM stays 0.
    #[test]
    fn test_cancel_children_on_child_error() -> PyResult<()> {
        run(async {
            let num = Shared::new(0usize);
            let t2_cancel = Shared::new(0usize);
            let runner_cancel = Shared::new(0usize);
            let runner = {
                let (num, t2_cancel, runner_cancel) =
                    (num.clone(), t2_cancel.clone(), runner_cancel.clone());
                async move {
                    let g = TaskGroup::new();
                    g.run(async {
                        for _ in 0..3 {
                            g.create_task(crash_after(0.1))?;
                        }
                        let foo2 = counting_sleeper(5.0, t2_cancel.clone());
                        let num = num.clone();
                        g.create_task(async move {
                            foo2.await?;
                            num.incr();
                            Ok(())
                        })?;
                        counting_sleeper(10.0, runner_cancel.clone()).await
                    })
                    .await?;
                    num.set(num.get() + 10);
                    Ok(())
                }
            };
            let eg = raised::<ExceptionGroup, _>(create_task(runner)?.await);
            assert_eq!(error_types(&eg), types(&["ZeroDivisionError"]));
            assert_eq!(num.get(), 0);
            assert_eq!(t2_cancel.get(), 1);
            assert_eq!(runner_cancel.get(), 1);
            Ok(())
        })
    }

    // Cancelling the task that runs a group of five sleepers cancels all five (NUM == 5)
    // and the task ends with CancelledError.
    #[test]
    fn test_cancellation() -> PyResult<()> {
        run(async {
            let num = Shared::new(0usize);
            let runner = {
                let num = num.clone();
                async move {
                    let g = TaskGroup::new();
                    g.run(async {
                        for _ in 0..5 {
                            g.create_task(counting_sleeper(5.0, num.clone()))?;
                        }
                        Ok(())
                    })
                    .await
                }
            };
            raised::<CancelledError, _>(cancel_after_a_tenth(runner).await);
            assert_eq!(num.get(), 5);
            Ok(())
        })
    }

    // As test_cancellation, the block itself awaiting sleep(10) too: NUM == 15.
    #[test]
    fn test_taskgroup_07() -> PyResult<()> {
        run(async {
            let num = Shared::new(0usize);
            let runner = {
                let num = num.clone();
                async move {
                    let g = TaskGroup::new();
                    g.run(async {
                        for _ in 0..5 {
                            g.create_task(counting_sleeper(5.0, num.clone()))?;
                        }
                        match sleep(10.0).await {
                            Err(e) if e.is::<CancelledError>() => {
                                num.set(num.get() + 10);
                                Err(e)
                            }
                            other => other,
                        }
                    })
                    .await
                }
            };
            raised::<CancelledError, _>(cancel_after_a_tenth(runner).await);
            assert_eq!(num.get(), 15);
            Ok(())
        })
    }

    /// `async def runner(): async with TaskGroup() as g: 5 x g.create_task(foo()); await sleep(10)`
    /// where `foo` raises ZeroDivisionError in a `finally` after `sleep(10)`.
    async fn five_failing_in_finally(g: &TaskGroup) -> PyResult<()> {
        for _ in 0..5 {
            g.create_task(sleep_finally_raise(10.0, zero_division))?;
        }
        sleep(10.0).await
    }

    // Cancelling the runner: each child's finally raises ZeroDivisionError, so the
    // cancellation becomes ExceptionGroup {ZeroDivisionError}.
    #[test]
    fn test_taskgroup_08() -> PyResult<()> {
        run(async {
            let runner = async {
                let g = TaskGroup::new();
                g.run(five_failing_in_finally(&g)).await
            };
            let eg = raised::<ExceptionGroup, _>(cancel_after_a_tenth(runner).await);
            assert_eq!(error_types(&eg), types(&["ZeroDivisionError"]));
            Ok(())
        })
    }

    // The block raises ZeroDivisionError after 0.1 s: ExceptionGroup {ZeroDivisionError},
    // and both children (sleeping 1 and 2 s) are cancelled.
    #[test]
    fn test_taskgroup_09() -> PyResult<()> {
        run(async {
            let ts = List::default();
            let g = TaskGroup::new();
            let outcome = g
                .run(async {
                    ts.push(g.create_task(sleep_then(1.0, 42))?);
                    ts.push(g.create_task(sleep_then(2.0, 11))?);
                    sleep(0.1).await?;
                    raise(zero_division())?;
                    Ok(())
                })
                .await;
            let eg = raised::<ExceptionGroup, _>(outcome);
            assert_eq!(error_types(&eg), types(&["ZeroDivisionError"]));
            assert!(ts.get().iter().all(|t| t.cancelled()));
            Ok(())
        })
    }

    // As 09, the block raising at once, without awaiting first.
    #[test]
    fn test_taskgroup_10() -> PyResult<()> {
        run(async {
            let ts = List::default();
            let g = TaskGroup::new();
            let outcome = g
                .run(async {
                    ts.push(g.create_task(sleep_then(1.0, 42))?);
                    ts.push(g.create_task(sleep_then(2.0, 11))?);
                    raise(zero_division())?;
                    Ok(())
                })
                .await;
            let eg = raised::<ExceptionGroup, _>(outcome);
            assert_eq!(error_types(&eg), types(&["ZeroDivisionError"]));
            assert!(ts.get().iter().all(|t| t.cancelled()));
            Ok(())
        })
    }

    // test_taskgroup_08's group nested in an empty outer group: the runner ends with
    // ExceptionGroup {ExceptionGroup {ZeroDivisionError}}.
    #[test]
    fn test_taskgroup_11() -> PyResult<()> {
        run(async {
            let runner = async {
                let g1 = TaskGroup::new();
                g1.run(async {
                    let g2 = TaskGroup::new();
                    g2.run(five_failing_in_finally(&g2)).await
                })
                .await
            };
            let eg = raised::<ExceptionGroup, _>(cancel_after_a_tenth(runner).await);
            assert_eq!(error_types(&eg), types(&["ExceptionGroup"]));
            assert_eq!(
                error_types(&first_member(&eg)),
                types(&["ZeroDivisionError"])
            );
            Ok(())
        })
    }

    // As 11, the outer group also running `asyncio.sleep(10)` as a task.
    #[test]
    fn test_taskgroup_12() -> PyResult<()> {
        run(async {
            let runner = async {
                let g1 = TaskGroup::new();
                g1.run(async {
                    g1.create_task(sleep(10.0))?;
                    let g2 = TaskGroup::new();
                    g2.run(five_failing_in_finally(&g2)).await
                })
                .await
            };
            let eg = raised::<ExceptionGroup, _>(cancel_after_a_tenth(runner).await);
            assert_eq!(error_types(&eg), types(&["ExceptionGroup"]));
            assert_eq!(
                error_types(&first_member(&eg)),
                types(&["ZeroDivisionError"])
            );
            Ok(())
        })
    }

    /// `async def crash_after(t): await asyncio.sleep(t); raise ValueError(t)`.
    async fn value_error_after(delay: f64) -> PyResult<()> {
        sleep(delay).await?;
        Err(ValueError::new(delay).into())
    }

    // The outer group's child fails first (0.1 s, the inner's at 10 s): the inner group
    // is cancelled quietly, and the runner ends with ExceptionGroup {ValueError}.
    #[test]
    fn test_taskgroup_13() -> PyResult<()> {
        run(async {
            let runner = async {
                let g1 = TaskGroup::new();
                g1.run(async {
                    g1.create_task(value_error_after(0.1))?;
                    let g2 = TaskGroup::new();
                    g2.run(async {
                        g2.create_task(value_error_after(10.0))?;
                        Ok(())
                    })
                    .await
                })
                .await
            };
            let eg = raised::<ExceptionGroup, _>(create_task(runner)?.await);
            assert_eq!(error_types(&eg), types(&["ValueError"]));
            Ok(())
        })
    }

    // The inner group's child fails first: ExceptionGroup {ExceptionGroup {ValueError}}.
    #[test]
    fn test_taskgroup_14() -> PyResult<()> {
        run(async {
            let runner = async {
                let g1 = TaskGroup::new();
                g1.run(async {
                    g1.create_task(value_error_after(10.0))?;
                    let g2 = TaskGroup::new();
                    g2.run(async {
                        g2.create_task(value_error_after(0.1))?;
                        Ok(())
                    })
                    .await
                })
                .await
            };
            let eg = raised::<ExceptionGroup, _>(create_task(runner)?.await);
            assert_eq!(error_types(&eg), types(&["ExceptionGroup"]));
            assert_eq!(error_types(&first_member(&eg)), types(&["ValueError"]));
            Ok(())
        })
    }

    /// `async with TaskGroup() as g1: g1.create_task(crash_soon()); try: await
    /// asyncio.sleep(10) except CancelledError: await asyncio.sleep(0.5); raise`.
    async fn crash_while_cleaning_up() -> PyResult<()> {
        let g1 = TaskGroup::new();
        g1.run(async {
            g1.create_task(crash_after(0.3))?;
            match sleep(10.0).await {
                Err(e) if e.is::<CancelledError>() => {
                    sleep(0.5).await?;
                    Err(e)
                }
                other => other,
            }
        })
        .await
    }

    // The runner is cancelled at 0.1 s; while its block cleans up (0.5 s), the child
    // fails at 0.3 s: the runner ends with ExceptionGroup {ZeroDivisionError}.
    #[test]
    fn test_taskgroup_15() -> PyResult<()> {
        run(async {
            let eg =
                raised::<ExceptionGroup, _>(cancel_after_a_tenth(crash_while_cleaning_up()).await);
            assert_eq!(error_types(&eg), types(&["ZeroDivisionError"]));
            Ok(())
        })
    }

    // As 15, the group running in a task that the cancelled runner awaits.
    #[test]
    fn test_taskgroup_16() -> PyResult<()> {
        run(async {
            let runner = async {
                let t = create_task(crash_while_cleaning_up())?;
                t.await
            };
            let eg = raised::<ExceptionGroup, _>(cancel_after_a_tenth(runner).await);
            assert_eq!(error_types(&eg), types(&["ZeroDivisionError"]));
            Ok(())
        })
    }

    // A group with no tasks, whose block is cancelled and re-raises: CancelledError,
    // NUM == 10.
    #[test]
    fn test_taskgroup_17() -> PyResult<()> {
        run(async {
            let num = Shared::new(0usize);
            let runner = {
                let num = num.clone();
                async move {
                    TaskGroup::new()
                        .run(async {
                            match sleep(10.0).await {
                                Err(e) if e.is::<CancelledError>() => {
                                    num.set(num.get() + 10);
                                    Err(e)
                                }
                                other => other,
                            }
                        })
                        .await
                }
            };
            raised::<CancelledError, _>(cancel_after_a_tenth(runner).await);
            assert_eq!(num.get(), 10);
            Ok(())
        })
    }

    // As 17, the block raising MyExc instead of the CancelledError: ExceptionGroup {MyExc}.
    #[test]
    fn test_taskgroup_18() -> PyResult<()> {
        run(async {
            let num = Shared::new(0usize);
            let runner = {
                let num = num.clone();
                async move {
                    TaskGroup::new()
                        .run(async {
                            match sleep(10.0).await {
                                Err(e) if e.is::<CancelledError>() => {
                                    num.set(num.get() + 10);
                                    Err(MyExc::default().into())
                                }
                                other => other,
                            }
                        })
                        .await
                }
            };
            let eg = raised::<ExceptionGroup, _>(cancel_after_a_tenth(runner).await);
            assert_eq!(error_types(&eg), types(&["MyExc"]));
            assert_eq!(num.get(), 10);
            Ok(())
        })
    }

    /// `async with TaskGroup() as g: g.create_task(crash_soon()); await nested()`, where
    /// `nested` raises `exc` in the `finally` of its `sleep(10)`.
    async fn crash_and_nested(crash: fn() -> Exception, exc: fn() -> Exception) -> PyResult<()> {
        let g = TaskGroup::new();
        g.run(async {
            g.create_task(async move {
                sleep(0.1).await?;
                Err::<(), _>(crash())
            })?;
            sleep_finally_raise(10.0, exc).await
        })
        .await
    }

    // The body's finally raises MyExc when the failing child cancels it:
    // ExceptionGroup {MyExc, ZeroDivisionError}.
    #[test]
    fn test_taskgroup_19() -> PyResult<()> {
        run(async {
            let r = create_task(crash_and_nested(zero_division, || MyExc::default().into()))?;
            let eg = raised::<ExceptionGroup, _>(r.await);
            assert_eq!(error_types(&eg), types(&["MyExc", "ZeroDivisionError"]));
            Ok(())
        })
    }

    // The body's finally raises KeyboardInterrupt: it goes on alone, not in a group.
    #[test]
    fn test_taskgroup_20() -> PyResult<()> {
        run(async {
            let outcome =
                crash_and_nested(zero_division, || KeyboardInterrupt::default().into()).await;
            raised::<KeyboardInterrupt, _>(outcome);
            Ok(())
        })
    }

    // The body's finally raises MyBaseExc (a BaseException):
    // BaseExceptionGroup {MyBaseExc, ZeroDivisionError}.
    #[test]
    fn test_taskgroup_20a() -> PyResult<()> {
        run(async {
            let outcome = crash_and_nested(zero_division, || MyBaseExc::default().into()).await;
            let eg = raised::<BaseExceptionGroup, _>(outcome);
            assert_eq!(error_types(&eg), types(&["MyBaseExc", "ZeroDivisionError"]));
            Ok(())
        })
    }

    // The child raises MyBaseExc, the body's finally TypeError:
    // BaseExceptionGroup {MyBaseExc, TypeError}.
    #[test]
    fn test_taskgroup_21a() -> PyResult<()> {
        run(async {
            let outcome = crash_and_nested(
                || MyBaseExc::default().into(),
                || TypeError::default().into(),
            )
            .await;
            let eg = raised::<BaseExceptionGroup, _>(outcome);
            assert_eq!(error_types(&eg), types(&["MyBaseExc", "TypeError"]));
            Ok(())
        })
    }

    // The runner of a group with two sleeping children, cancelled at 0.05 s, ends with
    // CancelledError.
    #[test]
    fn test_taskgroup_22() -> PyResult<()> {
        run(async {
            let runner = async {
                let g = TaskGroup::new();
                g.run(async {
                    g.create_task(sleep_then(1.0, 42))?;
                    g.create_task(sleep_then(2.0, 11))?;
                    Ok(())
                })
                .await
            };
            let r = create_task(runner)?;
            sleep(0.05).await?;
            r.cancel();
            raised::<CancelledError, _>(r.await);
            Ok(())
        })
    }

    // Ten jobs of 0.3 s started 0.1 s apart: at the sixth fewer than five are running,
    // and 1.35 s after the last none is.
    #[test]
    fn test_taskgroup_23() -> PyResult<()> {
        run(async {
            let g = TaskGroup::new();
            g.run(async {
                for count in 0..10 {
                    sleep(0.1).await?;
                    g.create_task(sleep(0.3))?;
                    if count == 5 {
                        assert!(tasks_of(&g) < 5, "{g}");
                    }
                }
                sleep(1.35).await?;
                assert_eq!(tasks_of(&g), 0);
                Ok(())
            })
            .await
        })
    }

    // A task of the group adds tasks to it (root sleeps 0.1 s, then starts two).
    #[test]
    fn test_taskgroup_24() -> PyResult<()> {
        run(async {
            let g = TaskGroup::new();
            g.run(async {
                let group = g.clone();
                g.create_task(async move {
                    sleep(0.1).await?;
                    group.create_task(sleep(0.1))?;
                    group.create_task(sleep(0.2))?;
                    Ok(())
                })?;
                Ok(())
            })
            .await
        })
    }

    /// `async def hydra(g)`: counts itself, then starts two more of itself.
    fn hydra(
        g: TaskGroup,
        nhydras: Shared<usize>,
    ) -> std::pin::Pin<Box<dyn Future<Output = PyResult<()>>>> {
        Box::pin(async move {
            nhydras.incr();
            sleep(0.01).await?;
            g.create_task(hydra(g.clone(), nhydras.clone()))?;
            g.create_task(hydra(g.clone(), nhydras.clone()))?;
            Ok(())
        })
    }

    // Hydras multiply until hercules fails (once there are ten): the group ends with
    // ExceptionGroup {ZeroDivisionError}, and no new hydra is refused with a RuntimeError
    // that would show in it.
    #[test]
    fn test_taskgroup_25() -> PyResult<()> {
        run(async {
            let nhydras = Shared::new(0usize);
            let g = TaskGroup::new();
            let outcome = g
                .run(async {
                    g.create_task(hydra(g.clone(), nhydras.clone()))?;
                    let counted = nhydras.clone();
                    g.create_task(async move {
                        while counted.get() < 10 {
                            sleep(0.015).await?;
                        }
                        Err::<(), _>(zero_division())
                    })?;
                    Ok(())
                })
                .await;
            let eg = raised::<ExceptionGroup, _>(outcome);
            assert_eq!(error_types(&eg), types(&["ZeroDivisionError"]));
            assert!(nhydras.get() >= 10);
            Ok(())
        })
    }

    // t = g.create_task(coro(), name="yolo"); t.get_name() == "yolo"
    #[test]
    fn test_taskgroup_task_name() -> PyResult<()> {
        run(async {
            let g = TaskGroup::new();
            g.run(async {
                let t = g.create_task(sleep(0.0))?;
                t.set_name("yolo");
                assert_eq!(t.name(), "yolo");
                Ok(())
            })
            .await
        })
    }

    // While the group shuts down (a child failed), create_task raises RuntimeError; the
    // coroutine refused can still be awaited (and raises its ZeroDivisionError).
    #[test]
    fn test_taskgroup_no_create_task_after_failure() -> PyResult<()> {
        run(async {
            let g = TaskGroup::new();
            let outcome = g
                .run(async {
                    g.create_task(crash_after(0.001))?;
                    let group = g.clone();
                    g.create_task(async move {
                        match sleep(1.0).await {
                            Err(e) if e.is::<CancelledError>() => {
                                assert_runtime_error(
                                    group.create_task(crash_after(0.001)),
                                    "is shutting down",
                                );
                                // The refused coroutine was moved into create_task and
                                // dropped there; a second one is awaited as the Python
                                // awaits c1.
                                raised::<ZeroDivisionError, _>(crash_after(0.001).await);
                                Ok(())
                            }
                            other => other,
                        }
                    })?;
                    Ok(())
                })
                .await;
            let eg = raised::<ExceptionGroup, _>(outcome);
            assert_eq!(error_types(&eg), types(&["ZeroDivisionError"]));
            Ok(())
        })
    }

    pycoro::py_exception!(
        /// `class CustomException(Exception)`.
        pub CustomException(ExceptionClass)
    );

    // A group around an `async with database()` whose finally raises CustomException:
    // the child's CustomException and the body's both come out (`except* CustomException`
    // sees two), and the task's cancelling() is back to 0.
    #[test]
    fn test_taskgroup_context_manager_exit_raises() -> PyResult<()> {
        run(async {
            let main = async {
                let task = current_task().expect("in a task");
                let tg = TaskGroup::new();
                let outcome = tg
                    .run(async {
                        // @asynccontextmanager async def database(): try: yield finally: raise
                        let database = AsyncGenerator::new(async move |co| {
                            let _ = co.yield_(()).await;
                            raise(CustomException::default())?;
                            Ok(())
                        });
                        async_with(asynccontextmanager(database), async |()| {
                            tg.create_task(async {
                                Err::<(), _>(CustomException::default().into())
                            })?;
                            sleep(1.0).await
                        })
                        .await
                        .map(drop)
                    })
                    .await;
                let e = outcome.expect_err("CustomException not raised");
                let (handled, rest) = except_star(&e, |e| e.is::<CustomException>());
                let err = handled.expect("except* CustomException");
                assert!(rest.is_none());
                assert_eq!(task.cancelling(), 0);
                assert_eq!(
                    object(&err).and_then(|o| o.exceptions()).map(|m| m.len()),
                    Some(2)
                );
                Ok(())
            };
            create_task(main)?.await
        })
    }

    // `async with tg:` inside `async with tg:` raises RuntimeError "has already been entered".
    #[test]
    fn test_taskgroup_already_entered() -> PyResult<()> {
        run(async {
            let tg = TaskGroup::new();
            tg.run(async {
                assert_runtime_error(tg.run(async { Ok(()) }).await, "has already been entered");
                Ok(())
            })
            .await
        })
    }

    // A group entered once cannot be entered again.
    #[test]
    fn test_taskgroup_double_enter() -> PyResult<()> {
        run(async {
            let tg = TaskGroup::new();
            tg.run(async { Ok(()) }).await?;
            assert_runtime_error(tg.run(async { Ok(()) }).await, "has already been entered");
            Ok(())
        })
    }

    // create_task on a finished group raises RuntimeError "is finished".
    #[test]
    fn test_taskgroup_finished() -> PyResult<()> {
        run(async {
            let tg = TaskGroup::new();
            tg.run(async { Ok(()) }).await?;
            assert_runtime_error(tg.create_task(sleep(0.0)), "is finished");
            Ok(())
        })
    }

    // create_task on a group never entered raises RuntimeError "has not been entered".
    #[test]
    fn test_taskgroup_not_entered() -> PyResult<()> {
        run(async {
            let tg = TaskGroup::new();
            assert_runtime_error(tg.create_task(sleep(0.0)), "has not been entered");
            Ok(())
        })
    }

    // `await_without_task(tg.__aenter__())` (the coroutine run from a loop callback, not
    // a task) raises RuntimeError "parent task", and leaves the group not entered.
    #[test]
    fn test_taskgroup_without_parent_task() -> PyResult<()> {
        run(async {
            let tg = TaskGroup::new();
            let outcome = List::default();
            {
                let (tg, outcome) = (tg.clone(), outcome.clone());
                call_soon(move || {
                    let entered = tg.run(async { Ok(()) }).now_or_never();
                    let e = entered.expect("done in one poll").expect_err("entered");
                    outcome.push(e.to_string());
                })?;
            }
            sleep0().await?;
            let message = outcome.get().pop().expect("the callback ran");
            assert!(message.contains("parent task"), "{message}");
            assert_runtime_error(tg.create_task(sleep(0.0)), "has not been entered");
            Ok(())
        })
    }
}
