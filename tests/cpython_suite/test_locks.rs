//! CPython 3.11's `Lib/test/test_asyncio/test_locks.py`: one `#[test]` per `test_*`
//! method, with the Python's key lines above it. Each runs on a fresh loop on the
//! virtual clock, as `IsolatedAsyncioTestCase` runs each on a fresh loop.
//!
//! `async with lock:` is a guard (`let _guard = lock.acquire().await?;`), or
//! `async_with` in `LockTests::test_context_manager`; a bare `await lock.acquire()` is
//! `lock.acquire().await?.forget()`, released later by hand. Adapted: the waiters the
//! Python appends to the private `_waiters` (`mock.Mock()`) are real waiting tasks;
//! `asyncio.TaskGroup`, used only to await every task it made, is `gather`;
//! `test_ambiguous_loops` binds the lock to another loop by using it there, where the
//! Python sets the private `_loop`; `test_reset_barrier_when_tasks_half_draining` counts
//! the tasks out of `wait()` where the Python reads the private `_count`.
//!
//! Not carried (see `not_applicable.toml`): the tests that `await` a primitive itself or
//! use `with await lock:` (a type error in Rust, not a `TypeError` at run time), pass
//! `loop=`, or give a negative count.

/// `RGX_REPR`: `<asyncio.locks.CLASS object at ADDRESS [EXTRAS]>`, where EXTRAS is a
/// state (`set`, `unset`, `locked`, `unlocked`, `filling`, `draining`, `resetting`,
/// `broken`), then perhaps `, value:D`, `, waiters:N` or `, waiters:N/M`.
#[track_caller]
fn assert_repr_matches(repr: &str) {
    let fail = || panic!("{repr:?} does not match RGX_REPR");
    let Some(rest) = repr.strip_prefix('<') else {
        fail()
    };
    let Some((_class, rest)) = rest.split_once(" object at ") else {
        fail()
    };
    let Some((_address, rest)) = rest.split_once('[') else {
        fail()
    };
    let Some(extras) = rest.strip_suffix("]>") else {
        fail()
    };
    let mut parts = extras.split(", ");
    let states = [
        "set",
        "unset",
        "locked",
        "unlocked",
        "filling",
        "draining",
        "resetting",
        "broken",
    ];
    if !parts.next().is_some_and(|state| states.contains(&state)) {
        fail()
    }
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    for part in parts {
        let ok = if let Some(value) = part.strip_prefix("value:") {
            value.len() == 1 && digits(value)
        } else if let Some(waiters) = part.strip_prefix("waiters:") {
            match waiters.split_once('/') {
                Some((n, m)) => digits(n) && digits(m),
                None => digits(waiters),
            }
        } else {
            false
        };
        if !ok {
            fail()
        }
    }
}

/// `class LockTests(unittest.IsolatedAsyncioTestCase)`
mod lock_tests {
    use super::assert_repr_matches;
    use crate::asyncio_support::*;

    #[test]
    fn test_repr() -> PyResult<()> {
        run(async {
            let lock = Lock::new();
            assert!(lock.to_string().ends_with("[unlocked]>"));
            assert_repr_matches(&lock.to_string());

            lock.acquire().await?.forget();
            assert!(lock.to_string().ends_with("[locked]>"));
            assert_repr_matches(&lock.to_string());
            Ok(())
        })
    }

    #[test]
    fn test_acquire() -> PyResult<()> {
        run(async {
            let lock = Lock::new();
            let result = List::default();

            lock.acquire().await?.forget(); // self.assertTrue(await lock.acquire())

            // async def cN(result): if await lock.acquire(): result.append(N); return True
            let c = |n| {
                let (lock, result) = (lock.clone(), result.clone());
                async move {
                    lock.acquire().await?.forget();
                    result.push(n);
                    Ok(true)
                }
            };

            let t1 = create_task(c(1))?;
            let t2 = create_task(c(2))?;

            sleep0().await?;
            assert_eq!(result.get(), []);

            lock.release()?;
            sleep0().await?;
            assert_eq!(result.get(), [1]);

            sleep0().await?;
            assert_eq!(result.get(), [1]);

            let t3 = create_task(c(3))?;

            lock.release()?;
            sleep0().await?;
            assert_eq!(result.get(), [1, 2]);

            lock.release()?;
            sleep0().await?;
            assert_eq!(result.get(), [1, 2, 3]);

            for t in [t1, t2, t3] {
                assert!(t.done());
                assert!(t.result()?);
            }
            Ok(())
        })
    }

    #[test]
    fn test_acquire_cancel() -> PyResult<()> {
        run(async {
            let lock = Lock::new();
            lock.acquire().await?.forget();

            let task = create_task({
                let lock = lock.clone();
                async move { lock.acquire().await.map(|guard| guard.forget()) }
            })?;
            let cancel = task.clone();
            call_soon(move || {
                cancel.cancel();
            })?;
            assert_raises::<CancelledError, _>(task.await);
            assert_eq!(lock.waiters(), 0);
            Ok(())
        })
    }

    #[test]
    fn test_cancel_race() -> PyResult<()> {
        // Several tasks:
        // - A acquires the lock
        // - B is blocked in acquire()
        // - C is blocked in acquire()
        //
        // Now, concurrently:
        // - B is cancelled
        // - A releases the lock
        //
        // If B's waiter is marked cancelled but not yet removed from
        // _waiters, A's release() call will crash when trying to set
        // B's waiter; instead, it should move on to C's waiter.

        // async def lockit(name, blocker):
        //     await lock.acquire()
        //     try:
        //         if blocker is not None: await blocker
        //     finally:
        //         lock.release()
        async fn lockit(
            lock: Lock,
            blocker: Option<pycoro::event_loop::Future<()>>,
        ) -> PyResult<()> {
            let _guard = lock.acquire().await?;
            if let Some(blocker) = blocker {
                blocker.await?;
            }
            Ok(())
        }

        // Setup: A has the lock, b and c are waiting.
        run(async {
            let lock = Lock::new();

            let fa = get_running_loop()?.create_future();
            let ta = create_task(lockit(lock.clone(), Some(fa.clone())))?;
            sleep0().await?;
            assert!(lock.locked());
            let tb = create_task(lockit(lock.clone(), None))?;
            sleep0().await?;
            assert_eq!(lock.waiters(), 1);
            let tc = create_task(lockit(lock.clone(), None))?;
            sleep0().await?;
            assert_eq!(lock.waiters(), 2);

            // Create the race and check.
            // Without the fix this failed at the last assert.
            fa.set_result(())?;
            tb.cancel();
            // self.assertTrue(lock._waiters[0].cancelled()): the waiter is private; that
            // B's cancellation reached it shows in what follows.
            sleep0().await?;
            assert!(!lock.locked());
            assert!(ta.done());
            assert!(tb.cancelled());
            tc.await
        })
    }

    #[test]
    fn test_cancel_release_race() -> PyResult<()> {
        // Issue 32734
        // Acquire 4 locks, cancel second, release first
        // and 2 locks are taken at once.
        run(async {
            let lock = Lock::new();
            let lock_count = Shared::new(0);
            let call_count = Shared::new(0);

            // async def lockit(): call_count += 1; await lock.acquire(); lock_count += 1
            let lockit = || {
                let (lock, lock_count, call_count) =
                    (lock.clone(), lock_count.clone(), call_count.clone());
                async move {
                    call_count.incr();
                    lock.acquire().await?.forget();
                    lock_count.incr();
                    Ok(())
                }
            };

            lock.acquire().await?.forget();

            let t1 = create_task(lockit())?;
            let t2 = create_task(lockit())?;
            let t3 = create_task(lockit())?;

            // Start scheduled tasks
            sleep0().await?;

            // def trigger(): t1.cancel(); lock.release()
            let (cancelled, released) = (t1.clone(), lock.clone());
            call_soon(move || {
                cancelled.cancel();
                released.release().unwrap();
            })?;
            // Wait for cancellation
            assert_raises::<CancelledError, _>(t1.clone().await);

            // Make sure only one lock was taken
            assert_eq!(lock_count.get(), 1);
            // While 3 calls were made to lockit()
            assert_eq!(call_count.get(), 3);
            assert!(t1.cancelled() && t2.done());

            // Cleanup the task that is stuck on acquire.
            t3.cancel();
            sleep0().await?;
            assert!(t3.cancelled());
            Ok(())
        })
    }

    #[test]
    fn test_finished_waiter_cancelled() -> PyResult<()> {
        run(async {
            let lock = Lock::new();

            lock.acquire().await?.forget();
            assert!(lock.locked());

            let acquire = || {
                let lock = lock.clone();
                create_task(async move { lock.acquire().await.map(|guard| guard.forget()) })
            };
            let tb = acquire()?;
            sleep0().await?;
            assert_eq!(lock.waiters(), 1);

            // Create a second waiter, wake up the first, and cancel it.
            // Without the fix, the second was not woken up.
            let tc = acquire()?;
            tb.cancel();
            lock.release()?;
            sleep0().await?;

            assert!(lock.locked());
            assert!(tb.cancelled());

            // Cleanup
            tc.await
        })
    }

    #[test]
    fn test_release_not_acquired() {
        let lock = Lock::new();

        assert_raises::<RuntimeError, _>(lock.release());
    }

    #[test]
    fn test_release_no_waiters() -> PyResult<()> {
        run(async {
            let lock = Lock::new();
            lock.acquire().await?.forget();
            assert!(lock.locked());

            lock.release()?;
            assert!(!lock.locked());
            Ok(())
        })
    }

    #[test]
    fn test_context_manager() -> PyResult<()> {
        run(async {
            let lock = Lock::new();
            assert!(!lock.locked());

            // async with lock: self.assertTrue(lock.locked())
            async_with(&lock, async |()| {
                assert!(lock.locked());
                Ok(())
            })
            .await?;

            assert!(!lock.locked());
            Ok(())
        })
    }
}

/// `class EventTests(unittest.IsolatedAsyncioTestCase)`
mod event_tests {
    use super::assert_repr_matches;
    use crate::asyncio_support::*;

    #[test]
    fn test_repr() -> PyResult<()> {
        run(async {
            let ev = Event::new();
            assert!(ev.to_string().ends_with("[unset]>"));
            assert_repr_matches(&ev.to_string());
            assert!(ev.to_string().contains(" [unset]>"), "extras are 'unset'");

            ev.set();
            assert!(ev.to_string().ends_with("[set]>"));
            assert_repr_matches(&ev.to_string());

            // ev._waiters.append(mock.Mock()): a task waiting, woken but not yet gone.
            ev.clear();
            let waiter = {
                let ev = ev.clone();
                create_task(async move { ev.wait().await })?
            };
            sleep0().await?;
            ev.set();
            assert!(ev.to_string().contains("waiters:1"), "{ev}");
            assert_repr_matches(&ev.to_string());
            waiter.await?;
            Ok(())
        })
    }

    #[test]
    fn test_wait() -> PyResult<()> {
        run(async {
            let ev = Event::new();
            assert!(!ev.is_set());

            let result = List::default();

            // async def cN(result): if await ev.wait(): result.append(N)
            let c = |n| {
                let (ev, result) = (ev.clone(), result.clone());
                async move {
                    if ev.wait().await? {
                        result.push(n);
                    }
                    Ok(())
                }
            };

            let t1 = create_task(c(1))?;
            let t2 = create_task(c(2))?;

            sleep0().await?;
            assert_eq!(result.get(), []);

            let t3 = create_task(c(3))?;

            ev.set();
            sleep0().await?;
            assert_eq!(result.get(), [3, 1, 2]);

            for t in [t1, t2, t3] {
                assert!(t.done());
                t.result()?; // None
            }
            Ok(())
        })
    }

    #[test]
    fn test_wait_on_set() -> PyResult<()> {
        run(async {
            let ev = Event::new();
            ev.set();

            let res = ev.wait().await?;
            assert!(res);
            Ok(())
        })
    }

    #[test]
    fn test_wait_cancel() -> PyResult<()> {
        run(async {
            let ev = Event::new();

            let wait = {
                let ev = ev.clone();
                create_task(async move { ev.wait().await })?
            };
            let cancel = wait.clone();
            call_soon(move || {
                cancel.cancel();
            })?;
            assert_raises::<CancelledError, _>(wait.await);
            assert_eq!(ev.waiters(), 0);
            Ok(())
        })
    }

    #[test]
    fn test_clear() -> PyResult<()> {
        run(async {
            let ev = Event::new();
            assert!(!ev.is_set());

            ev.set();
            assert!(ev.is_set());

            ev.clear();
            assert!(!ev.is_set());
            Ok(())
        })
    }

    #[test]
    fn test_clear_with_waiters() -> PyResult<()> {
        run(async {
            let ev = Event::new();
            let result = List::default();

            // async def c1(result): if await ev.wait(): result.append(1); return True
            let t = {
                let (ev, result) = (ev.clone(), result.clone());
                create_task(async move {
                    if ev.wait().await? {
                        result.push(1);
                    }
                    Ok(true)
                })?
            };
            sleep0().await?;
            assert_eq!(result.get(), []);

            ev.set();
            ev.clear();
            assert!(!ev.is_set());

            ev.set();
            ev.set();
            assert_eq!(1, ev.waiters());

            sleep0().await?;
            assert_eq!(result.get(), [1]);
            assert_eq!(0, ev.waiters());

            assert!(t.done());
            assert!(t.result()?);
            Ok(())
        })
    }
}

/// `class ConditionTests(unittest.IsolatedAsyncioTestCase)`
mod condition_tests {
    use super::assert_repr_matches;
    use crate::asyncio_support::*;

    /// `async def cN(result): await cond.acquire(); if await cond.wait(): result.append(N)`,
    /// then `cond.release()` if `release`; `return True`.
    fn waiter(
        cond: &Condition,
        result: &List<i32>,
        n: i32,
        release: bool,
    ) -> impl Future<Output = PyResult<bool>> + 'static {
        let (cond, result) = (cond.clone(), result.clone());
        async move {
            cond.acquire().await?.forget();
            if cond.wait().await? {
                result.push(n);
                if release {
                    cond.release()?;
                }
            }
            Ok(true)
        }
    }

    #[test]
    fn test_wait() -> PyResult<()> {
        run(async {
            let cond = Condition::new();
            let result = List::default();

            let t1 = create_task(waiter(&cond, &result, 1, false))?;
            let t2 = create_task(waiter(&cond, &result, 2, false))?;
            let t3 = create_task(waiter(&cond, &result, 3, false))?;

            sleep0().await?;
            assert_eq!(result.get(), []);
            assert!(!cond.locked());

            cond.acquire().await?.forget();
            cond.notify(1)?;
            sleep0().await?;
            assert_eq!(result.get(), []);
            assert!(cond.locked());

            cond.release()?;
            sleep0().await?;
            assert_eq!(result.get(), [1]);
            assert!(cond.locked());

            cond.notify(2)?;
            sleep0().await?;
            assert_eq!(result.get(), [1]);
            assert!(cond.locked());

            cond.release()?;
            sleep0().await?;
            assert_eq!(result.get(), [1, 2]);
            assert!(cond.locked());

            cond.release()?;
            sleep0().await?;
            assert_eq!(result.get(), [1, 2, 3]);
            assert!(cond.locked());

            for t in [t1, t2, t3] {
                assert!(t.done());
                assert!(t.result()?);
            }
            Ok(())
        })
    }

    #[test]
    fn test_wait_cancel() -> PyResult<()> {
        run(async {
            let cond = Condition::new();
            cond.acquire().await?.forget();

            let wait = {
                let cond = cond.clone();
                create_task(async move { cond.wait().await })?
            };
            let cancel = wait.clone();
            call_soon(move || {
                cancel.cancel();
            })?;
            assert_raises::<CancelledError, _>(wait.await);
            assert_eq!(cond.waiters(), 0);
            assert!(cond.locked());
            Ok(())
        })
    }

    #[test]
    fn test_wait_cancel_contested() -> PyResult<()> {
        run(async {
            let cond = Condition::new();

            cond.acquire().await?.forget();
            assert!(cond.locked());

            let wait_task = {
                let cond = cond.clone();
                create_task(async move { cond.wait().await })?
            };
            sleep0().await?;
            assert!(!cond.locked());

            // Notify, but contest the lock before cancelling
            cond.acquire().await?.forget();
            assert!(cond.locked());
            cond.notify(1)?;
            let cancel = wait_task.clone();
            call_soon(move || {
                cancel.cancel();
            })?;
            let release = cond.clone();
            call_soon(move || release.release().unwrap())?;

            match wait_task.await {
                // Should not happen, since no cancellation points
                Err(e) if e.is::<CancelledError>() => {}
                other => drop(other?),
            }

            assert!(cond.locked());
            Ok(())
        })
    }

    #[test]
    fn test_wait_cancel_after_notify() -> PyResult<()> {
        // See bpo-32841
        run(async {
            let waited = Shared::new(false);

            let cond = Condition::new();

            // async def wait_on_cond(): async with cond: waited = True; await cond.wait()
            let waiter = {
                let (cond, waited) = (cond.clone(), waited.clone());
                create_task(async move {
                    let _guard = cond.acquire().await?;
                    waited.set(true); // Make sure this area was reached
                    cond.wait().await?;
                    Ok(())
                })?
            };
            sleep0().await?; // Start waiting

            cond.acquire().await?.forget();
            cond.notify(1)?;
            sleep0().await?; // Get to acquire()
            waiter.cancel();
            sleep0().await?; // Activate cancellation
            cond.release()?;
            sleep0().await?; // Cancellation should occur

            assert!(waiter.cancelled());
            assert!(waited.get());
            Ok(())
        })
    }

    #[test]
    fn test_wait_unacquired() -> PyResult<()> {
        run(async {
            let cond = Condition::new();
            assert_raises::<RuntimeError, _>(cond.wait().await);
            Ok(())
        })
    }

    #[test]
    fn test_wait_for() -> PyResult<()> {
        run(async {
            let cond = Condition::new();
            let presult = Shared::new(false);

            let result = List::default();

            // async def c1(result):
            //     await cond.acquire()
            //     if await cond.wait_for(predicate): result.append(1); cond.release()
            //     return True
            let t = {
                let (cond, presult, result) = (cond.clone(), presult.clone(), result.clone());
                create_task(async move {
                    cond.acquire().await?.forget();
                    if cond.wait_for(|| presult.get()).await? {
                        result.push(1);
                        cond.release()?;
                    }
                    Ok(true)
                })?
            };

            sleep0().await?;
            assert_eq!(result.get(), []);

            cond.acquire().await?.forget();
            cond.notify(1)?;
            cond.release()?;
            sleep0().await?;
            assert_eq!(result.get(), []);

            presult.set(true);
            cond.acquire().await?.forget();
            cond.notify(1)?;
            cond.release()?;
            sleep0().await?;
            assert_eq!(result.get(), [1]);

            assert!(t.done());
            assert!(t.result()?);
            Ok(())
        })
    }

    #[test]
    fn test_wait_for_unacquired() -> PyResult<()> {
        run(async {
            let cond = Condition::new();

            // predicate can return true immediately
            let res = cond.wait_for(|| vec![1, 2, 3]).await?;
            assert_eq!(vec![1, 2, 3], res);

            assert_raises::<RuntimeError, _>(cond.wait_for(|| false).await);
            Ok(())
        })
    }

    #[test]
    fn test_notify() -> PyResult<()> {
        run(async {
            let cond = Condition::new();
            let result = List::default();

            let t1 = create_task(waiter(&cond, &result, 1, true))?;
            let t2 = create_task(waiter(&cond, &result, 2, true))?;
            let t3 = create_task(waiter(&cond, &result, 3, true))?;

            sleep0().await?;
            assert_eq!(result.get(), []);

            cond.acquire().await?.forget();
            cond.notify(1)?;
            cond.release()?;
            sleep0().await?;
            assert_eq!(result.get(), [1]);

            cond.acquire().await?.forget();
            cond.notify(1)?;
            cond.notify(2048)?;
            cond.release()?;
            sleep0().await?;
            assert_eq!(result.get(), [1, 2, 3]);

            for t in [t1, t2, t3] {
                assert!(t.done());
                assert!(t.result()?);
            }
            Ok(())
        })
    }

    #[test]
    fn test_notify_all() -> PyResult<()> {
        run(async {
            let cond = Condition::new();

            let result = List::default();

            let t1 = create_task(waiter(&cond, &result, 1, true))?;
            let t2 = create_task(waiter(&cond, &result, 2, true))?;

            sleep0().await?;
            assert_eq!(result.get(), []);

            cond.acquire().await?.forget();
            cond.notify_all()?;
            cond.release()?;
            sleep0().await?;
            assert_eq!(result.get(), [1, 2]);

            for t in [t1, t2] {
                assert!(t.done());
                assert!(t.result()?);
            }
            Ok(())
        })
    }

    #[test]
    fn test_notify_unacquired() {
        let cond = Condition::new();
        assert_raises::<RuntimeError, _>(cond.notify(1));
    }

    #[test]
    fn test_notify_all_unacquired() {
        let cond = Condition::new();
        assert_raises::<RuntimeError, _>(cond.notify_all());
    }

    #[test]
    fn test_repr() -> PyResult<()> {
        run(async {
            let cond = Condition::new();
            assert!(cond.to_string().contains("unlocked"));
            assert_repr_matches(&cond.to_string());

            // cond._waiters.append(mock.Mock()), twice: two tasks waiting on it.
            let result = List::default();
            let t1 = create_task(waiter(&cond, &result, 1, true))?;
            sleep0().await?;

            cond.acquire().await?.forget();
            assert!(cond.to_string().contains("locked"));

            assert!(cond.to_string().contains("waiters:1"), "{cond}");
            assert_repr_matches(&cond.to_string());

            cond.release()?;
            let t2 = create_task(waiter(&cond, &result, 2, true))?;
            sleep0().await?;
            cond.acquire().await?.forget();
            assert!(cond.to_string().contains("waiters:2"), "{cond}");
            assert_repr_matches(&cond.to_string());

            cond.notify_all()?;
            cond.release()?;
            gather([t1, t2]).await?;
            Ok(())
        })
    }

    #[test]
    fn test_context_manager() -> PyResult<()> {
        run(async {
            let cond = Condition::new();
            assert!(!cond.locked());
            {
                let _guard = cond.acquire().await?; // async with cond:
                assert!(cond.locked());
            }
            assert!(!cond.locked());
            Ok(())
        })
    }

    #[test]
    fn test_explicit_lock() -> PyResult<()> {
        async fn f(lock: Option<Lock>, cond: Option<Condition>) -> PyResult<()> {
            let lock = lock.unwrap_or_default();
            let cond = cond.unwrap_or_else(|| Condition::with_lock(lock.clone()));
            assert!(cond.lock() == &lock); // self.assertIs(cond._lock, lock)
            assert!(!lock.locked());
            assert!(!cond.locked());
            {
                let _guard = cond.acquire().await?; // async with cond:
                assert!(lock.locked());
                assert!(cond.locked());
            }
            assert!(!lock.locked());
            assert!(!cond.locked());
            {
                let _guard = lock.acquire().await?; // async with lock:
                assert!(lock.locked());
                assert!(cond.locked());
            }
            assert!(!lock.locked());
            assert!(!cond.locked());
            Ok(())
        }

        // All should work in the same way.
        run(async {
            f(None, None).await?;
            f(Some(Lock::new()), None).await?;
            let lock = Lock::new();
            f(Some(lock.clone()), Some(Condition::with_lock(lock))).await
        })
    }

    #[test]
    fn test_ambiguous_loops() -> PyResult<()> {
        // lock._loop = loop; cond._loop = loop (a private API, for testing): here the
        // lock and the condition are bound to another loop by being waited on there.
        // (`asyncio.Lock(loop=loop)` and `Condition(lock, loop=loop)`, a TypeError since
        // 3.10, cannot be written in Rust.)
        let lock = Lock::new();
        let (other_lock, other_cond) = (Lock::new(), Condition::new());
        {
            let (lock, cond) = (lock.clone(), other_cond.clone());
            run(async move {
                lock.acquire().await?.forget();
                let waiting = {
                    let lock = lock.clone();
                    create_task(async move { lock.acquire().await.map(|guard| guard.forget()) })?
                };
                sleep0().await?;
                lock.release()?;
                waiting.await?;
                lock.release()?;

                let cond_waiting = {
                    let cond = cond.clone();
                    create_task(async move {
                        let _guard = cond.acquire().await?;
                        cond.wait().await
                    })?
                };
                sleep0().await?;
                let _guard = cond.acquire().await?;
                cond.notify_all()?;
                drop(_guard);
                cond_waiting.await?;
                Ok(())
            })?;
        }
        drop(other_lock);

        run(async move {
            // async def wrong_loop_in_lock():
            {
                let _guard = lock.acquire().await?;
                // acquired immediately via the fast-path
                // without interaction with any event loop.
                let cond = Condition::with_lock(lock.clone());
                // cond.acquire() will trigger waiting on the lock
                // and it will discover the event loop mismatch.
                let error = cond.acquire().await.err().expect("RuntimeError");
                assert!(error.is::<RuntimeError>());
                assert!(
                    error
                        .to_string()
                        .contains("is bound to a different event loop"),
                    "{error}"
                );
            }

            // async def wrong_loop_in_cond():
            // Same analogy here with the condition's loop.
            let cond = other_cond;
            let _guard = cond.acquire().await?;
            let error = cond.wait().await.unwrap_err();
            assert!(error.is::<RuntimeError>());
            assert!(
                error
                    .to_string()
                    .contains("is bound to a different event loop"),
                "{error}"
            );
            Ok(())
        })
    }

    #[test]
    fn test_timeout_in_block() -> PyResult<()> {
        run(async {
            let condition = Condition::new();
            // async with condition: (its exit raises if the lock is not held again)
            async_with(&condition, async |()| {
                let wait = {
                    let condition = condition.clone();
                    create_task(async move { condition.wait().await })?
                };
                assert_raises::<TimeoutError, _>(wait_for(wait, 0.5).await);
                Ok(())
            })
            .await
            .map(drop)
        })
    }
}

/// `class SemaphoreTests(unittest.IsolatedAsyncioTestCase)`
mod semaphore_tests {
    use super::assert_repr_matches;
    use crate::asyncio_support::*;

    /// `asyncio.create_task(sem.acquire())`
    fn acquire(sem: &Semaphore) -> PyResult<Task<()>> {
        let sem = sem.clone();
        create_task(async move { sem.acquire().await.map(|permit| permit.forget()) })
    }

    #[test]
    fn test_initial_value_zero() {
        let sem = Semaphore::new(0);
        assert!(sem.locked());
    }

    #[test]
    fn test_repr() -> PyResult<()> {
        run(async {
            let sem = Semaphore::new(1);
            assert!(sem.to_string().ends_with("[unlocked, value:1]>"));
            assert_repr_matches(&sem.to_string());

            sem.acquire().await?.forget();
            assert!(sem.to_string().ends_with("[locked]>"));
            assert!(!sem.to_string().contains("waiters"));
            assert_repr_matches(&sem.to_string());

            // sem._waiters.append(mock.Mock()), twice: two tasks waiting for it.
            let t1 = acquire(&sem)?;
            sleep0().await?;
            assert!(sem.to_string().contains("waiters:1"), "{sem}");
            assert_repr_matches(&sem.to_string());

            let t2 = acquire(&sem)?;
            sleep0().await?;
            assert!(sem.to_string().contains("waiters:2"), "{sem}");
            assert_repr_matches(&sem.to_string());

            sem.release();
            sem.release();
            gather([t1, t2]).await?;
            Ok(())
        })
    }

    #[test]
    fn test_acquire() -> PyResult<()> {
        run(async {
            let sem = Semaphore::new(3);
            let result = List::default();

            sem.acquire().await?.forget();
            sem.acquire().await?.forget();
            assert!(!sem.locked());

            // async def cN(result): await sem.acquire(); result.append(N); return True
            let c = |n| {
                let (sem, result) = (sem.clone(), result.clone());
                async move {
                    sem.acquire().await?.forget();
                    result.push(n);
                    Ok(true)
                }
            };

            let t1 = create_task(c(1))?;
            let t2 = create_task(c(2))?;
            let t3 = create_task(c(3))?;

            sleep0().await?;
            assert_eq!(result.get(), [1]);
            assert!(sem.locked());
            assert_eq!(2, sem.waiters());
            assert_eq!(0, sem.value());

            let t4 = create_task(c(4))?;

            sem.release();
            sem.release();
            assert_eq!(0, sem.value());

            sleep0().await?;
            assert_eq!(0, sem.value());
            assert_eq!(3, result.len());
            assert!(sem.locked());
            assert_eq!(1, sem.waiters());
            assert_eq!(0, sem.value());

            assert!(t1.done());
            assert!(t1.result()?);
            let race_tasks = [t2, t3, t4];
            let done_tasks = race_tasks
                .iter()
                .filter(|t| t.done() && t.result().unwrap_or(false))
                .count();
            assert_eq!(2, done_tasks);

            // cleanup locked semaphore
            sem.release();
            gather(race_tasks).await?;
            Ok(())
        })
    }

    #[test]
    fn test_acquire_cancel() -> PyResult<()> {
        run(async {
            let sem = Semaphore::new(1);
            sem.acquire().await?.forget();

            let acquire = acquire(&sem)?;
            let cancel = acquire.clone();
            call_soon(move || {
                cancel.cancel();
            })?;
            assert_raises::<CancelledError, _>(acquire.await);
            // (not sem._waiters) or all(waiter.done() for waiter in sem._waiters)
            assert_eq!(sem.waiters(), 0);
            Ok(())
        })
    }

    #[test]
    fn test_acquire_cancel_before_awoken() -> PyResult<()> {
        run(async {
            let sem = Semaphore::new(0);

            let t1 = acquire(&sem)?;
            let t2 = acquire(&sem)?;
            let t3 = acquire(&sem)?;
            let t4 = acquire(&sem)?;

            sleep0().await?;

            t1.cancel();
            t2.cancel();
            sem.release();

            sleep0().await?;
            sleep0().await?;
            let num_done = [&t3, &t4].iter().filter(|t| t.done()).count();
            assert_eq!(num_done, 1);
            assert!(t3.done());
            assert!(!t4.done());

            t3.cancel();
            t4.cancel();
            sleep0().await?;
            Ok(())
        })
    }

    #[test]
    fn test_acquire_hang() -> PyResult<()> {
        run(async {
            let sem = Semaphore::new(0);

            let t1 = acquire(&sem)?;
            let t2 = acquire(&sem)?;
            sleep0().await?;

            t1.cancel();
            sem.release();
            sleep0().await?;
            sleep0().await?;
            assert!(sem.locked());
            assert!(t2.done());
            Ok(())
        })
    }

    #[test]
    fn test_acquire_no_hang() -> PyResult<()> {
        run(async {
            let sem = Semaphore::new(1);
            let t2_slot = std::rc::Rc::new(std::cell::OnceCell::<Task<()>>::new());

            // async def c1(): async with sem: await asyncio.sleep(0); t2.cancel()
            let c1 = {
                let (sem, t2) = (sem.clone(), t2_slot.clone());
                async move {
                    {
                        let _permit = sem.acquire().await?;
                        sleep0().await?;
                    }
                    t2.get().expect("t2").cancel();
                    Ok(())
                }
            };

            // async def c2(): async with sem: self.assertFalse(True)
            let c2 = {
                let sem = sem.clone();
                async move {
                    let _permit = sem.acquire().await?;
                    panic!("c2 got the semaphore");
                }
            };

            let t1 = create_task(c1)?;
            let t2 = create_task(c2)?;
            let _ = t2_slot.set(t2.clone());

            let outcomes = gather_return_exceptions([t1, t2]).await?;
            let [r1, r2] = &outcomes[..] else {
                unreachable!()
            };
            assert!(r1.is_ok()); // None
            assert!(r2.as_ref().is_err_and(|e| e.is::<CancelledError>()));

            let acquire = acquire(&sem)?;
            wait_for(acquire, 1.0).await
        })
    }

    #[test]
    fn test_release_not_acquired() {
        let sem = BoundedSemaphore::new(1);

        assert_raises::<ValueError, _>(sem.release());
    }

    #[test]
    fn test_release_no_waiters() -> PyResult<()> {
        run(async {
            let sem = Semaphore::new(1);
            sem.acquire().await?.forget();
            assert!(sem.locked());

            sem.release();
            assert!(!sem.locked());
            Ok(())
        })
    }

    #[test]
    fn test_acquire_fifo_order() -> PyResult<()> {
        run(async {
            let sem = Semaphore::new(1);
            let result = List::default();

            // async def coro(tag):
            //     await sem.acquire(); result.append(f'{tag}_1'); await asyncio.sleep(0.01); sem.release()
            //     await sem.acquire(); result.append(f'{tag}_2'); await asyncio.sleep(0.01); sem.release()
            let coro = |tag: &'static str| {
                let (sem, result) = (sem.clone(), result.clone());
                async move {
                    for turn in 1..=2 {
                        sem.acquire().await?.forget();
                        result.push(format!("{tag}_{turn}"));
                        sleep(0.01).await?;
                        sem.release();
                    }
                    Ok(())
                }
            };

            gather([
                create_task(coro("c1"))?,
                create_task(coro("c2"))?,
                create_task(coro("c3"))?,
            ])
            .await?;

            assert_eq!(
                result.get(),
                ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]
            );
            Ok(())
        })
    }

    #[test]
    fn test_acquire_fifo_order_2() -> PyResult<()> {
        run(async {
            let sem = Semaphore::new(1);
            let result = List::default();

            // async def c1(result): await sem.acquire(); result.append(1); return True
            let t1 = {
                let (sem, result) = (sem.clone(), result.clone());
                create_task(async move {
                    sem.acquire().await?.forget();
                    result.push(1);
                    Ok(true)
                })?
            };
            // async def c2(result):
            //     await sem.acquire(); result.append(2); sem.release()
            //     await sem.acquire(); result.append(4); return True
            let t2 = {
                let (sem, result) = (sem.clone(), result.clone());
                create_task(async move {
                    sem.acquire().await?.forget();
                    result.push(2);
                    sem.release();
                    sem.acquire().await?.forget();
                    result.push(4);
                    Ok(true)
                })?
            };
            // async def c3(result): await sem.acquire(); result.append(3); return True
            let t3 = {
                let (sem, result) = (sem.clone(), result.clone());
                create_task(async move {
                    sem.acquire().await?.forget();
                    result.push(3);
                    Ok(true)
                })?
            };

            sleep0().await?;

            sem.release();
            sem.release();

            gather([t1, t2, t3]).await?;
            assert_eq!(result.get(), [1, 2, 3, 4]);
            Ok(())
        })
    }

    #[test]
    fn test_acquire_fifo_order_3() -> PyResult<()> {
        run(async {
            let sem = Semaphore::new(0);
            let result = List::default();

            // async def cN(result): await sem.acquire(); result.append(N); return True
            let c = |n| {
                let (sem, result) = (sem.clone(), result.clone());
                async move {
                    sem.acquire().await?.forget();
                    result.push(n);
                    Ok(true)
                }
            };

            let t1 = create_task(c(1))?;
            let t2 = create_task(c(2))?;
            let t3 = create_task(c(3))?;

            sleep0().await?;

            t1.cancel();

            sleep0().await?;

            sem.release();
            sem.release();

            gather_return_exceptions([t1, t2, t3]).await?;
            assert_eq!(result.get(), [2, 3]);
            Ok(())
        })
    }
}

/// `class BarrierTests(unittest.IsolatedAsyncioTestCase)`
mod barrier_tests {
    use super::assert_repr_matches;
    use crate::asyncio_support::*;

    /// `self.N`, as `asyncSetUp` sets it.
    const N: usize = 5;

    /// `gather_tasks(n, coro)`: `n` tasks of `coro()`, gathered; their results, and them.
    async fn gather_tasks<T: Clone + 'static, F: Future<Output = PyResult<T>> + 'static>(
        n: usize,
        coro: impl FnMut() -> F,
    ) -> PyResult<(Vec<T>, Vec<Task<T>>)> {
        let tasks = make_tasks(n, coro)?;
        let res = gather(tasks.clone()).await?;
        Ok((res, tasks))
    }

    /// `asyncio.create_task(barrier.wait())`
    fn wait_task(barrier: &Barrier) -> PyResult<Task<usize>> {
        let barrier = barrier.clone();
        create_task(async move { barrier.wait().await })
    }

    fn is_broken(e: &Exception) -> bool {
        e.is::<BrokenBarrierError>()
    }

    #[test]
    fn test_repr() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(N)?;

            assert_repr_matches(&barrier.to_string());
            assert!(barrier.to_string().contains("filling"));

            let mut waiters = Vec::new();
            let incr = 2;
            for _ in 0..incr {
                waiters.push(wait_task(&barrier)?);
            }
            sleep0().await?;

            assert_repr_matches(&barrier.to_string());
            assert!(barrier.to_string().contains(&format!("waiters:{incr}/{N}")));
            assert!(barrier.to_string().contains("filling"));

            // create missing waiters
            for _ in 0..barrier.parties() - barrier.n_waiting() {
                waiters.push(wait_task(&barrier)?);
            }
            sleep0().await?;

            assert_repr_matches(&barrier.to_string());
            assert!(barrier.to_string().contains("draining"), "{barrier}");

            // add a part of waiters
            for _ in 0..incr {
                waiters.push(wait_task(&barrier)?);
            }
            sleep0().await?;
            // and reset
            barrier.reset().await?;

            assert_repr_matches(&barrier.to_string());
            assert!(barrier.to_string().contains("resetting"), "{barrier}");

            // add a part of waiters again
            for _ in 0..incr {
                waiters.push(wait_task(&barrier)?);
            }
            sleep0().await?;
            // and abort
            barrier.abort().await?;

            assert_repr_matches(&barrier.to_string());
            assert!(barrier.to_string().contains("broken"));
            assert!(barrier.broken());

            // suppress unhandled exceptions
            gather_return_exceptions(waiters).await?;
            Ok(())
        })
    }

    #[test]
    fn test_barrier_parties() {
        assert_raises::<ValueError, _>(Barrier::new(0));
        // asyncio.Barrier(-4): a usize is never negative.

        assert!(Barrier::new(N).is_ok());
    }

    #[test]
    fn test_context_manager() -> PyResult<()> {
        run(async {
            const N: usize = 3;
            let barrier = Barrier::new(N)?;
            let results = List::default();

            // async def coro(): async with barrier as i: results.append(i)
            gather_tasks(N, || {
                let (barrier, results) = (barrier.clone(), results.clone());
                async move {
                    let i = barrier.wait().await?;
                    results.push(i);
                    Ok(())
                }
            })
            .await?;

            let mut sorted = results.get();
            sorted.sort();
            assert_eq!(sorted, (0..N).collect::<Vec<_>>());
            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.broken());
            Ok(())
        })
    }

    #[test]
    fn test_filling_one_task() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(1)?;

            // async def f(): async with barrier as i: return True
            let f = async {
                let _i = barrier.wait().await?;
                Ok::<_, Exception>(true)
            };

            let ret = f.await?;

            assert!(ret);
            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.broken());
            Ok(())
        })
    }

    #[test]
    fn test_filling_one_task_twice() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(1)?;

            let t1 = wait_task(&barrier)?;
            sleep0().await?;
            assert_eq!(barrier.n_waiting(), 0);

            let t2 = wait_task(&barrier)?;
            sleep0().await?;

            assert_eq!(t1.result()?, t2.result()?);
            assert_eq!(t1.done(), t2.done());

            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.broken());
            Ok(())
        })
    }

    #[test]
    fn test_filling_task_by_task() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(3)?;

            let t1 = wait_task(&barrier)?;
            sleep0().await?;
            assert_eq!(barrier.n_waiting(), 1);
            assert!(barrier.to_string().contains("filling"));

            let t2 = wait_task(&barrier)?;
            sleep0().await?;
            assert_eq!(barrier.n_waiting(), 2);
            assert!(barrier.to_string().contains("filling"));

            let t3 = wait_task(&barrier)?;
            sleep0().await?;

            wait(
                vec![t1, t2, t3],
                None,
                pycoro::native::ReturnWhen::AllCompleted,
            )
            .await?;

            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.broken());
            Ok(())
        })
    }

    #[test]
    fn test_filling_tasks_wait_twice() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(N)?;
            let results = List::default();

            // async def coro():
            //     async with barrier:
            //         results.append(True)
            //         async with barrier:
            //             results.append(False)
            gather_tasks(N, || {
                let (barrier, results) = (barrier.clone(), results.clone());
                async move {
                    barrier.wait().await?;
                    results.push(true);
                    barrier.wait().await?;
                    results.push(false);
                    Ok(())
                }
            })
            .await?;

            let results = results.get();
            assert_eq!(results.len(), N * 2);
            assert_eq!(results.iter().filter(|&&r| r).count(), N);
            assert_eq!(results.iter().filter(|&&r| !r).count(), N);

            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.broken());
            Ok(())
        })
    }

    #[test]
    fn test_filling_tasks_check_return_value() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(N)?;
            let results1 = List::default();
            let results2 = List::default();

            // async def coro():
            //     async with barrier:
            //         results1.append(True)
            //         async with barrier as i:
            //             results2.append(True)
            //             return i
            let (res, _) = gather_tasks(N, || {
                let (barrier, results1, results2) =
                    (barrier.clone(), results1.clone(), results2.clone());
                async move {
                    barrier.wait().await?;
                    results1.push(true);
                    let i = barrier.wait().await?;
                    results2.push(true);
                    Ok(i)
                }
            })
            .await?;

            assert_eq!(results1.len(), N);
            assert!(results1.get().iter().all(|&r| r));
            assert_eq!(results2.len(), N);
            assert!(results2.get().iter().all(|&r| r));
            let mut res = res;
            res.sort();
            assert_eq!(res, (0..N).collect::<Vec<_>>());

            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.broken());
            Ok(())
        })
    }

    #[test]
    fn test_draining_state() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(N)?;
            let results = List::default();

            // async def coro():
            //     async with barrier:
            //         # barrier state change to filling for the last task release
            //         results.append("draining" in repr(barrier))
            gather_tasks(N, || {
                let (barrier, results) = (barrier.clone(), results.clone());
                async move {
                    barrier.wait().await?;
                    results.push(barrier.to_string().contains("draining"));
                    Ok(())
                }
            })
            .await?;

            let results = results.get();
            assert_eq!(results.len(), N);
            assert!(!results[N - 1]);
            assert!(results[..N - 1].iter().all(|&r| r));

            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.broken());
            Ok(())
        })
    }

    #[test]
    fn test_blocking_tasks_while_draining() -> PyResult<()> {
        run(async {
            let rewait = 2;
            let barrier = Barrier::new(N)?;
            let barrier_nowaiting = Barrier::new(N - rewait)?;
            let rewait_n = Shared::new(rewait);

            // async def coro():
            //     await barrier.wait()  # first time waiting
            //     if rewait_n > 0:
            //         rewait_n -= 1
            //         await barrier.wait()  # wait again only for rewait tasks
            //     else:
            //         await barrier_nowaiting.wait()  # wait for end of draining state
            //         await barrier.wait()  # wait for other waiting tasks
            //
            // a success means that barrier_nowaiting
            // was waited for exactly N-rewait=3 times
            gather_tasks(N, || {
                let (barrier, barrier_nowaiting, rewait_n) =
                    (barrier.clone(), barrier_nowaiting.clone(), rewait_n.clone());
                async move {
                    barrier.wait().await?;
                    if rewait_n.get() > 0 {
                        rewait_n.set(rewait_n.get() - 1);
                        barrier.wait().await?;
                    } else {
                        barrier_nowaiting.wait().await?;
                        barrier.wait().await?;
                    }
                    Ok(())
                }
            })
            .await?;
            Ok(())
        })
    }

    #[test]
    fn test_filling_tasks_cancel_one() -> PyResult<()> {
        run(async {
            const N: usize = 3;
            let barrier = Barrier::new(N)?;
            let results = List::default();

            // async def coro(): await barrier.wait(); results.append(True)
            let coro = || {
                let (barrier, results) = (barrier.clone(), results.clone());
                async move {
                    barrier.wait().await?;
                    results.push(true);
                    Ok(())
                }
            };

            let t1 = create_task(coro())?;
            sleep0().await?;
            assert_eq!(barrier.n_waiting(), 1);

            let t2 = create_task(coro())?;
            sleep0().await?;
            assert_eq!(barrier.n_waiting(), 2);

            t1.cancel();
            sleep0().await?;
            assert_eq!(barrier.n_waiting(), 1);
            assert_raises::<CancelledError, _>(t1.clone().await);
            assert!(t1.cancelled());

            let t3 = create_task(coro())?;
            sleep0().await?;
            assert_eq!(barrier.n_waiting(), 2);

            let t4 = create_task(coro())?;
            gather([t2, t3, t4]).await?;

            assert_eq!(results.len(), N);
            assert!(results.get().iter().all(|&r| r));

            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.broken());
            Ok(())
        })
    }

    #[test]
    fn test_reset_barrier() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(1)?;

            {
                let barrier = barrier.clone();
                create_task(async move { barrier.reset().await })?;
            }
            sleep0().await?;

            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.broken());
            Ok(())
        })
    }

    #[test]
    fn test_reset_barrier_while_tasks_waiting() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(N)?;
            let results = List::default();

            // async def coro():
            //     try: await barrier.wait()
            //     except asyncio.BrokenBarrierError: results.append(True)
            let coro = || {
                let (barrier, results) = (barrier.clone(), results.clone());
                async move {
                    match barrier.wait().await {
                        Err(e) if is_broken(&e) => results.push(true),
                        other => drop(other?),
                    }
                    Ok(())
                }
            };

            // N-1 tasks waiting on barrier with N parties
            let tasks = make_tasks(N - 1, coro)?;
            sleep0().await?;

            // reset the barrier
            {
                let barrier = barrier.clone();
                create_task(async move { barrier.reset().await })?;
            }
            gather(tasks).await?;

            assert_eq!(results.len(), N - 1);
            assert!(results.get().iter().all(|&r| r));
            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.to_string().contains("resetting"));
            assert!(!barrier.broken());
            Ok(())
        })
    }

    #[test]
    fn test_reset_barrier_when_tasks_half_draining() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(N)?;
            let results1 = List::default();
            let rest_of_tasks = N / 2;
            // `barrier._count`, the tasks inside `wait()`: N less those that left it (no
            // task enters it twice here).
            let left = Shared::new(0);

            // async def coro():
            //     try:
            //         await barrier.wait()
            //     except asyncio.BrokenBarrierError:
            //         # catch here waiting tasks
            //         results1.append(True)
            //     else:
            //         # here drained task ouside the barrier
            //         if rest_of_tasks == barrier._count:
            //             # tasks outside the barrier
            //             await barrier.reset()
            gather_tasks(N, || {
                let (barrier, results1, left) = (barrier.clone(), results1.clone(), left.clone());
                async move {
                    let waited = barrier.wait().await;
                    let count = N - left.incr();
                    match waited {
                        Err(e) if is_broken(&e) => results1.push(true),
                        Err(e) => return Err(e),
                        Ok(_) => {
                            if rest_of_tasks == count {
                                barrier.reset().await?;
                            }
                        }
                    }
                    Ok(())
                }
            })
            .await?;

            assert_eq!(results1.get(), vec![true; rest_of_tasks]);
            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.to_string().contains("resetting"));
            assert!(!barrier.broken());
            Ok(())
        })
    }

    #[test]
    fn test_reset_barrier_when_tasks_half_draining_half_blocking() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(N)?;
            let results1 = List::default();
            let results2 = List::<bool>::default();
            let blocking_tasks = N / 2;
            let count = Shared::new(0);

            // async def coro():
            //     try:
            //         await barrier.wait()
            //     except asyncio.BrokenBarrierError:
            //         # here catch still waiting tasks
            //         results1.append(True)
            //         # so now waiting again to reach nb_parties
            //         await barrier.wait()
            //     else:
            //         count += 1
            //         if count > blocking_tasks:
            //             # reset now: raise asyncio.BrokenBarrierError for waiting tasks
            //             await barrier.reset()
            //             # so now waiting again to reach nb_parties
            //             await barrier.wait()
            //         else:
            //             try:
            //                 await barrier.wait()
            //             except asyncio.BrokenBarrierError:
            //                 # here no catch - blocked tasks go to wait
            //                 results2.append(True)
            gather_tasks(N, || {
                let (barrier, results1, results2, count) = (
                    barrier.clone(),
                    results1.clone(),
                    results2.clone(),
                    count.clone(),
                );
                async move {
                    match barrier.wait().await {
                        Err(e) if is_broken(&e) => {
                            results1.push(true);
                            barrier.wait().await?;
                        }
                        Err(e) => return Err(e),
                        Ok(_) => {
                            if count.incr() > blocking_tasks {
                                barrier.reset().await?;
                                barrier.wait().await?;
                            } else {
                                match barrier.wait().await {
                                    Err(e) if is_broken(&e) => results2.push(true),
                                    other => drop(other?),
                                }
                            }
                        }
                    }
                    Ok(())
                }
            })
            .await?;

            assert_eq!(results1.get(), vec![true; blocking_tasks]);
            assert_eq!(results2.get(), []);
            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.to_string().contains("resetting"));
            assert!(!barrier.broken());
            Ok(())
        })
    }

    #[test]
    fn test_reset_barrier_while_tasks_waiting_and_waiting_again() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(N)?;
            let results1 = List::default();
            let results2 = List::default();

            // async def coro1():
            //     try:
            //         await barrier.wait()
            //     except asyncio.BrokenBarrierError:
            //         results1.append(True)
            //     finally:
            //         await barrier.wait()
            //         results2.append(True)
            let coro1 = || {
                let (barrier, results1, results2) =
                    (barrier.clone(), results1.clone(), results2.clone());
                async move {
                    let first = match barrier.wait().await {
                        Err(e) if is_broken(&e) => {
                            results1.push(true);
                            Ok(())
                        }
                        other => other.map(drop),
                    };
                    barrier.wait().await?;
                    results2.push(true);
                    first
                }
            };

            // async def coro2(): async with barrier: results2.append(True)
            let coro2 = {
                let (barrier, results2) = (barrier.clone(), results2.clone());
                async move {
                    barrier.wait().await?;
                    results2.push(true);
                    Ok(())
                }
            };

            let tasks = make_tasks(N - 1, coro1)?;

            // reset barrier, N-1 waiting tasks raise an BrokenBarrierError
            {
                let barrier = barrier.clone();
                create_task(async move { barrier.reset().await })?;
            }
            sleep0().await?;

            // complete waiting tasks in the `finally`
            create_task(coro2)?;

            gather(tasks).await?;

            assert!(!barrier.broken());
            assert_eq!(results1.len(), N - 1);
            assert!(results1.get().iter().all(|&r| r));
            assert_eq!(results2.len(), N);
            assert!(results2.get().iter().all(|&r| r));

            assert_eq!(barrier.n_waiting(), 0);
            Ok(())
        })
    }

    #[test]
    fn test_reset_barrier_while_tasks_draining() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(N)?;
            let results1 = List::default();
            let results2 = List::<bool>::default();
            let results3 = List::default();
            let count = Shared::new(0);

            // async def coro():
            //     i = await barrier.wait()
            //     count += 1
            //     if count == self.N:
            //         # last task exited from barrier
            //         await barrier.reset()
            //         # wit here to reach the `parties`
            //         await barrier.wait()
            //     else:
            //         try:
            //             # second waiting
            //             await barrier.wait()
            //             # N-1 tasks here
            //             results1.append(True)
            //         except Exception as e:
            //             # never goes here
            //             results2.append(True)
            //     # Now, pass the barrier again
            //     # last wait, must be completed
            //     k = await barrier.wait()
            //     results3.append(True)
            gather_tasks(N, || {
                let (barrier, results1, results2, results3, count) = (
                    barrier.clone(),
                    results1.clone(),
                    results2.clone(),
                    results3.clone(),
                    count.clone(),
                );
                async move {
                    let _i = barrier.wait().await?;
                    if count.incr() == N {
                        barrier.reset().await?;
                        barrier.wait().await?;
                    } else {
                        match barrier.wait().await {
                            Ok(_) => results1.push(true),
                            Err(e) if !e.is::<CancelledError>() => results2.push(true),
                            Err(e) => return Err(e),
                        }
                    }
                    let _k = barrier.wait().await?;
                    results3.push(true);
                    Ok(())
                }
            })
            .await?;

            assert!(!barrier.broken());
            assert!(results1.get().iter().all(|&r| r));
            assert_eq!(results1.len(), N - 1);
            assert_eq!(results2.len(), 0);
            assert_eq!(results3.len(), N);
            assert!(results3.get().iter().all(|&r| r));

            assert_eq!(barrier.n_waiting(), 0);
            Ok(())
        })
    }

    #[test]
    fn test_abort_barrier() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(1)?;

            {
                let barrier = barrier.clone();
                create_task(async move { barrier.abort().await })?;
            }
            sleep0().await?;

            assert_eq!(barrier.n_waiting(), 0);
            assert!(barrier.broken());
            Ok(())
        })
    }

    #[test]
    fn test_abort_barrier_when_tasks_half_draining_half_blocking() -> PyResult<()> {
        run(async {
            let barrier = Barrier::new(N)?;
            let results1 = List::default();
            let results2 = List::default();
            let blocking_tasks = N / 2;
            let count = Shared::new(0);

            // async def coro():
            //     try:
            //         await barrier.wait()
            //     except asyncio.BrokenBarrierError:
            //         # here catch tasks waiting to drain
            //         results1.append(True)
            //     else:
            //         count += 1
            //         if count > blocking_tasks:
            //             # abort now: raise asyncio.BrokenBarrierError for all tasks
            //             await barrier.abort()
            //         else:
            //             try:
            //                 await barrier.wait()
            //             except asyncio.BrokenBarrierError:
            //                 # here catch blocked tasks (already drained)
            //                 results2.append(True)
            gather_tasks(N, || {
                let (barrier, results1, results2, count) = (
                    barrier.clone(),
                    results1.clone(),
                    results2.clone(),
                    count.clone(),
                );
                async move {
                    match barrier.wait().await {
                        Err(e) if is_broken(&e) => results1.push(true),
                        Err(e) => return Err(e),
                        Ok(_) => {
                            if count.incr() > blocking_tasks {
                                barrier.abort().await?;
                            } else {
                                match barrier.wait().await {
                                    Err(e) if is_broken(&e) => results2.push(true),
                                    other => drop(other?),
                                }
                            }
                        }
                    }
                    Ok(())
                }
            })
            .await?;

            assert!(barrier.broken());
            assert_eq!(results1.get(), vec![true; blocking_tasks]);
            assert_eq!(results2.get(), vec![true; N - blocking_tasks - 1]);
            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.to_string().contains("resetting"));
            Ok(())
        })
    }

    #[test]
    fn test_abort_barrier_when_exception() -> PyResult<()> {
        // test from threading.Barrier: see `lock_tests.test_reset`
        run(async {
            let barrier = Barrier::new(N)?;
            let results1 = List::<bool>::default();
            let results2 = List::default();

            // async def coro():
            //     try:
            //         async with barrier as i :
            //             if i == self.N//2:
            //                 raise RuntimeError
            //         async with barrier:
            //             results1.append(True)
            //     except asyncio.BrokenBarrierError:
            //         results2.append(True)
            //     except RuntimeError:
            //         await barrier.abort()
            gather_tasks(N, || {
                let (barrier, results1, results2) =
                    (barrier.clone(), results1.clone(), results2.clone());
                async move {
                    let body = async {
                        let i = barrier.wait().await?;
                        if i == N / 2 {
                            return Err(RuntimeError::default().into());
                        }
                        barrier.wait().await?;
                        results1.push(true);
                        Ok(())
                    };
                    match body.await {
                        Err(e) if is_broken(&e) => results2.push(true),
                        Err(e) if e.is::<RuntimeError>() => barrier.abort().await?,
                        other => other?,
                    }
                    Ok(())
                }
            })
            .await?;

            assert!(barrier.broken());
            assert_eq!(results1.len(), 0);
            assert_eq!(results2.len(), N - 1);
            assert!(results2.get().iter().all(|&r| r));
            assert_eq!(barrier.n_waiting(), 0);
            Ok(())
        })
    }

    #[test]
    fn test_abort_barrier_when_exception_then_resetting() -> PyResult<()> {
        // test from threading.Barrier: see `lock_tests.test_abort_and_reset``
        run(async {
            let barrier1 = Barrier::new(N)?;
            let barrier2 = Barrier::new(N)?;
            let results1 = List::<bool>::default();
            let results2 = List::default();
            let results3 = List::default();

            // async def coro():
            //     try:
            //         i = await barrier1.wait()
            //         if i == self.N//2:
            //             raise RuntimeError
            //         await barrier1.wait()
            //         results1.append(True)
            //     except asyncio.BrokenBarrierError:
            //         results2.append(True)
            //     except RuntimeError:
            //         await barrier1.abort()
            //
            //     # Synchronize and reset the barrier.  Must synchronize first so
            //     # that everyone has left it when we reset, and after so that no
            //     # one enters it before the reset.
            //     i = await barrier2.wait()
            //     if  i == self.N//2:
            //         await barrier1.reset()
            //     await barrier2.wait()
            //     await barrier1.wait()
            //     results3.append(True)
            gather_tasks(N, || {
                let (barrier1, barrier2, results1, results2, results3) = (
                    barrier1.clone(),
                    barrier2.clone(),
                    results1.clone(),
                    results2.clone(),
                    results3.clone(),
                );
                async move {
                    let body = async {
                        let i = barrier1.wait().await?;
                        if i == N / 2 {
                            return Err(RuntimeError::default().into());
                        }
                        barrier1.wait().await?;
                        results1.push(true);
                        Ok(())
                    };
                    match body.await {
                        Err(e) if is_broken(&e) => results2.push(true),
                        Err(e) if e.is::<RuntimeError>() => barrier1.abort().await?,
                        other => other?,
                    }

                    let i = barrier2.wait().await?;
                    if i == N / 2 {
                        barrier1.reset().await?;
                    }
                    barrier2.wait().await?;
                    barrier1.wait().await?;
                    results3.push(true);
                    Ok(())
                }
            })
            .await?;

            assert!(!barrier1.broken());
            assert_eq!(results1.len(), 0);
            assert_eq!(results2.len(), N - 1);
            assert!(results2.get().iter().all(|&r| r));
            assert_eq!(results3.len(), N);
            assert!(results3.get().iter().all(|&r| r));

            assert_eq!(barrier1.n_waiting(), 0);
            Ok(())
        })
    }
}
