//! asyncio's toolkit (queues and locks) where Rust adds to Python: guards that release
//! when they go, futures dropped before they are done (Rust's cancellation), and the
//! claims the book makes that CPython's own tests do not check. CPython's tests of the
//! same classes are carried in `cpython_suite/test_queues.rs` and `test_locks.rs`.
//! Every test runs on the virtual clock.

mod common;

use std::pin::pin;

use common::{Log, unraisable_reports};
use pycoro::clock::Clock;
use pycoro::event_loop::get_running_loop;
use pycoro::exceptions::{PyResult, TimeoutError, ValueError, format_exception_only};
use pycoro::native::{
    Condition, Lock, PriorityQueue, Queue, QueueFull, Semaphore, create_task, run_with_clock,
    sleep, wait_for,
};

fn run<T: Clone + 'static>(main: impl Future<Output = PyResult<T>> + 'static) -> PyResult<T> {
    run_with_clock(main, Clock::new_virtual())
}

fn now() -> f64 {
    get_running_loop().map_or(f64::NAN, |lp| lp.time())
}

#[test]
fn a_guard_releases_the_lock_when_it_goes_even_when_the_body_fails() -> PyResult<()> {
    run(async {
        let lock = Lock::new();
        let failed: PyResult<()> = async {
            let _guard = lock.acquire().await?;
            assert!(lock.locked());
            Err(ValueError::new("inside").into())
        }
        .await;
        assert!(failed.is_err());
        assert!(!lock.locked());
        Ok(())
    })
}

#[test]
fn async_with_releases_the_lock_and_raises_what_the_release_raises() -> PyResult<()> {
    use pycoro::contextlib::async_with;
    run(async {
        let lock = Lock::new();
        let error = async_with(&lock, async |()| {
            lock.release() // by hand, inside: the exit's release then fails
        })
        .await
        .unwrap_err();
        assert_eq!(error.to_string(), "Lock is not acquired.");
        Ok(())
    })
}

#[test]
fn a_guard_that_cannot_release_reports_it_as_unraisable() -> PyResult<()> {
    let (reports, result) = unraisable_reports(|| {
        run(async {
            let lock = Lock::new();
            let guard = lock.acquire().await?;
            lock.release()?;
            drop(guard);
            Ok(())
        })
    });
    result?;
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        reports[0].starts_with("Exception ignored in: <asyncio.locks.Lock object at 0x"),
        "{}",
        reports[0]
    );
    assert!(reports[0].contains("[unlocked]>\n"), "{}", reports[0]);
    assert!(
        reports[0].ends_with("\nRuntimeError: Lock is not acquired."),
        "{}",
        reports[0]
    );
    Ok(())
}

#[test]
fn an_acquire_that_finds_the_lock_free_does_not_suspend() -> PyResult<()> {
    // python/rules/toolkit.py has its twin, as the tests below that share a name with it.
    let log = Log::default();
    let seen = log.clone();
    run(async move {
        let lock = Lock::new();
        let other = log.clone();
        create_task(async move {
            other.push("the other task ran");
            Ok(())
        })?;
        for _ in 0..3 {
            let _guard = lock.acquire().await?;
        }
        log.push("acquired three times");
        sleep(0.0).await?;
        Ok(())
    })?;
    assert_eq!(seen.take(), ["acquired three times", "the other task ran"]);
    Ok(())
}

// ANCHOR: passed_on
#[test]
fn a_woken_waiter_that_is_cancelled_passes_the_lock_to_the_next_in_line() -> PyResult<()> {
    // python/rules/toolkit.py has its twin, which CPython passes.
    run(async {
        let lock = Lock::new();
        lock.acquire().await?.forget();
        let acquire = || {
            let lock = lock.clone();
            create_task(async move { lock.acquire().await.map(|guard| guard.forget()) })
        };
        let (first, second) = (acquire()?, acquire()?);
        sleep(0.0).await?;
        lock.release()?; // wakes the first waiter...
        first.cancel(); // ...which is cancelled before it could take the lock
        sleep(0.0).await?;
        assert!(first.cancelled() && !second.done());
        sleep(0.0).await?; // the first passed its turn on: the second has the lock
        assert!(second.done() && lock.locked());
        Ok(())
    })
}
// ANCHOR_END: passed_on

#[test]
fn a_woken_getter_that_is_cancelled_leaves_the_item_to_the_next_getter() -> PyResult<()> {
    run(async {
        let q = Queue::new(0);
        let get = || {
            let q = q.clone();
            create_task(async move { q.get().await })
        };
        let (first, second) = (get()?, get()?);
        sleep(0.0).await?;
        q.put_nowait("item")?; // wakes the first getter...
        first.cancel(); // ...which is cancelled before it could take the item
        assert_eq!(second.await?, "item");
        assert!(first.cancelled() && q.empty());
        Ok(())
    })
}

#[test]
fn dropping_an_acquire_that_was_woken_passes_the_lock_to_the_next_in_line() -> PyResult<()> {
    let acquired_at = run(async {
        let lock = Lock::new();
        lock.acquire().await?.forget();
        let dropper = {
            let lock = lock.clone();
            create_task(async move {
                {
                    let mut acquiring = pin!(lock.acquire());
                    assert!(futures::poll!(acquiring.as_mut()).is_pending());
                    sleep(1.0).await?; // woken meanwhile, and then dropped
                }
                Ok(())
            })?
        };
        let next = {
            let lock = lock.clone();
            create_task(async move {
                lock.acquire().await?.forget();
                Ok(now())
            })?
        };
        sleep(0.0).await?;
        assert_eq!(lock.waiters(), 2);
        lock.release()?; // wakes the first waiter: the one dropped at 1
        dropper.await?;
        next.await
    })?;
    assert_eq!(acquired_at, 1.0);
    Ok(())
}

#[test]
fn dropping_a_semaphore_acquire_that_was_woken_gives_its_unit_to_the_next() -> PyResult<()> {
    let acquired_at = run(async {
        let sem = Semaphore::new(0);
        let dropper = {
            let sem = sem.clone();
            create_task(async move {
                {
                    let mut acquiring = pin!(sem.acquire());
                    assert!(futures::poll!(acquiring.as_mut()).is_pending());
                    sleep(1.0).await?;
                }
                Ok(())
            })?
        };
        let next = {
            let sem = sem.clone();
            create_task(async move {
                sem.acquire().await?.forget();
                Ok(now())
            })?
        };
        sleep(0.0).await?;
        sem.release(); // the unit goes to the first waiter, which is dropped at 1
        dropper.await?;
        let at = next.await?;
        assert_eq!(sem.value(), 0);
        Ok(at)
    })?;
    assert_eq!(acquired_at, 1.0);
    Ok(())
}

#[test]
fn dropping_a_get_that_was_woken_leaves_the_item_to_the_next_getter() -> PyResult<()> {
    let got = run(async {
        let q = Queue::new(0);
        let dropper = {
            let q = q.clone();
            create_task(async move {
                {
                    let mut getting = pin!(q.get());
                    assert!(futures::poll!(getting.as_mut()).is_pending());
                    sleep(1.0).await?;
                }
                Ok(())
            })?
        };
        let next = {
            let q = q.clone();
            create_task(async move { Ok((q.get().await?, now())) })?
        };
        sleep(0.0).await?;
        assert_eq!(q.getters(), 2);
        q.put_nowait("item")?; // wakes the first getter, which is dropped at 1
        dropper.await?;
        next.await
    })?;
    assert_eq!(got, ("item", 1.0));
    Ok(())
}

#[test]
fn wait_for_returns_only_once_the_timed_out_task_has_finished() -> PyResult<()> {
    let log = Log::default();
    let seen = log.clone();
    run(async move {
        let cleaning = log.clone();
        let task = create_task(async move {
            let slept = sleep(10.0).await;
            cleaning.push(format!("cleaned up at {}", now()));
            slept
        })?;
        let error = wait_for(task.clone(), 2.0).await.unwrap_err();
        assert!(error.is::<TimeoutError>());
        assert!(task.cancelled(), "done when wait_for returns");
        log.push(format!("TimeoutError at {}", now()));
        Ok(())
    })?;
    assert_eq!(seen.take(), ["cleaned up at 2", "TimeoutError at 2"]);
    Ok(())
}

#[test]
fn wait_for_gives_the_result_of_a_task_that_swallows_its_cancellation() -> PyResult<()> {
    let result = run(async {
        let task = create_task(async {
            let _ = sleep(10.0).await; // cancelled, and it carries on
            Ok("finished anyway")
        })?;
        wait_for(task, 1.0).await
    })?;
    assert_eq!(result, "finished anyway");
    Ok(())
}

#[test]
fn a_priority_queue_keeps_its_items_in_python_heapq_order() -> PyResult<()> {
    // python3: q = asyncio.PriorityQueue(); put_nowait 5, 3, 8, 1, 9, 2, 7; str(q), get, str(q)
    let q = PriorityQueue::new(0);
    for i in [5, 3, 8, 1, 9, 2, 7] {
        q.put_nowait(i)?;
    }
    assert_eq!(
        q.to_string(),
        "<PriorityQueue maxsize=0 _queue=[1, 3, 2, 5, 9, 8, 7] tasks=7>"
    );
    assert_eq!(q.get_nowait()?, 1);
    assert_eq!(
        q.to_string(),
        "<PriorityQueue maxsize=0 _queue=[2, 3, 7, 5, 9, 8] tasks=7>"
    );
    let mut rest = Vec::new();
    while let Ok(item) = q.get_nowait() {
        rest.push(item);
    }
    assert_eq!(rest, [2, 3, 5, 7, 8, 9]);
    Ok(())
}

#[test]
fn a_queue_used_on_a_second_loop_is_refused() -> PyResult<()> {
    let q = Queue::<i32>::new(0);
    let first = q.clone();
    // Bound to the first loop by waiting there.
    run(async move {
        let getter = {
            let q = first.clone();
            create_task(async move { q.get().await })?
        };
        sleep(0.0).await?;
        first.put_nowait(1)?;
        getter.await
    })?;
    let error = run(async move { q.get().await }).unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("is bound to a different event loop"),
        "{error}"
    );
    Ok(())
}

#[test]
fn a_dropped_condition_wait_leaves_its_lock_released() -> PyResult<()> {
    run(async {
        let cond = Condition::new();
        cond.acquire().await?.forget();
        {
            let mut waiting = pin!(cond.wait());
            assert!(futures::poll!(waiting.as_mut()).is_pending());
            assert!(!cond.locked(), "wait released the lock");
        } // dropped: a drop cannot await the lock back
        assert!(!cond.locked());
        assert_eq!(cond.waiters(), 0);
        Ok(())
    })
}

#[test]
fn put_nowait_on_a_full_queue_raises_queue_full_and_the_item_goes_with_it() -> PyResult<()> {
    let q = Queue::new(1);
    q.put_nowait(String::from("first"))?;
    let error = q.put_nowait(String::from("second")).unwrap_err();
    assert!(error.is::<QueueFull>());
    assert_eq!(format_exception_only(&error), "asyncio.queues.QueueFull");
    assert_eq!(q.get_nowait()?, "first");
    assert!(
        q.empty(),
        "the second item is not in the queue, nor kept anywhere"
    );
    Ok(())
}

// async with lock / sem / cond: acquired in __aenter__, released in __aexit__ however
// the body ended; the body's exception goes on.
#[test]
fn the_primitives_are_async_context_managers_that_release_however_the_body_ends() -> PyResult<()> {
    use pycoro::contextlib::async_with as with_protocol;
    use pycoro::native::BoundedSemaphore;
    run(async {
        let lock = Lock::new();
        let held = with_protocol(&lock, async |()| Ok(lock.locked())).await?;
        assert_eq!(held, Some(true));
        assert!(!lock.locked());
        let failed = with_protocol(&lock, async |()| {
            Err::<(), _>(ValueError::new("in the body").into())
        })
        .await;
        assert_eq!(
            format_exception_only(&failed.unwrap_err()),
            "ValueError: in the body"
        );
        assert!(!lock.locked());

        let sem = BoundedSemaphore::new(1);
        with_protocol(&sem, async |()| {
            assert!(sem.locked());
            Ok(())
        })
        .await?;
        assert!(!sem.locked());
        let sem = Semaphore::new(2);
        let inside = with_protocol(&sem, async |()| Ok(sem.value())).await?;
        assert_eq!(inside, Some(1));
        assert_eq!(sem.value(), 2);

        let cond = Condition::new();
        let inside = with_protocol(&cond, async |()| Ok(cond.locked())).await?;
        assert_eq!(inside, Some(true));
        assert!(!cond.locked());
        Ok(())
    })
}

// async with asyncio.TaskGroup() as tg: the protocol form of TaskGroup::run.
#[test]
fn a_task_group_is_an_async_context_manager() -> PyResult<()> {
    use pycoro::contextlib::async_with as with_protocol;
    use pycoro::exceptions::ExceptionGroup;
    use pycoro::native::TaskGroup;
    run(async {
        let tg = TaskGroup::new();
        let task = with_protocol(&tg, async |tg| tg.create_task(sleep_with(1.0, 7)))
            .await?
            .expect("not suppressed");
        assert_eq!(task.result()?, 7);
        assert_eq!(now(), 1.0);
        let tg = TaskGroup::new();
        let failed = with_protocol(&tg, async |tg| {
            tg.create_task(async { Err::<(), _>(ValueError::new("child").into()) })?;
            sleep(10.0).await
        })
        .await
        .unwrap_err();
        assert!(failed.is::<ExceptionGroup>());
        assert_eq!(now(), 1.0, "the body was cancelled at once");
        Ok(())
    })
}

async fn sleep_with(delay: f64, value: i32) -> PyResult<i32> {
    sleep(delay).await?;
    Ok(value)
}

// Dropping `tg.run(..)` midway skips `__aexit__` (Python cannot): the tasks stay the
// loop's, run to their end, and a failure is reported as for any task nobody awaited.
#[test]
fn a_task_group_dropped_before_its_end_leaves_its_tasks_to_the_loop() -> PyResult<()> {
    use pycoro::native::TaskGroup;
    let log = Log::default();
    let task_log = log.clone();
    let finished = run(async move {
        let tg = TaskGroup::new();
        let task = {
            let entered = tg.run(async {
                let log = task_log.clone();
                let task = tg.create_task(async move {
                    sleep(1.0).await?;
                    log.push("the task ran to its end");
                    Ok(3)
                })?;
                sleep(10.0).await?;
                Ok(task)
            });
            let mut entered = pin!(entered);
            // One poll enters the group and starts the task; then the block is dropped.
            assert!(futures::poll!(entered.as_mut()).is_pending());
            tg.to_string()
        };
        assert_eq!(task, "<TaskGroup tasks=1 entered>");
        sleep(2.0).await?;
        Ok(now())
    })?;
    assert_eq!(finished, 2.0);
    assert_eq!(log.take(), ["the task ran to its end"]);
    Ok(())
}

#[test]
fn a_task_group_cancels_its_tasks_in_the_order_they_were_created() -> PyResult<()> {
    use pycoro::exceptions::CancelledError;
    use pycoro::native::TaskGroup;
    let log = Log::default();
    let task_log = log.clone();
    let raised = run(async move {
        let tg = TaskGroup::new();
        tg.run(async {
            for (name, delay) in [("c1", 1.0), ("c2", 2.0), ("c3", 3.0)] {
                let log = task_log.clone();
                tg.create_task(async move {
                    match sleep(delay).await {
                        Err(e) if e.is::<CancelledError>() => {
                            log.push(format!("{name} cancelled"));
                            Err(e)
                        }
                        other => other,
                    }
                })?;
            }
            sleep(0.5).await?;
            Err::<(), _>(ValueError::new("the block fails").into())
        })
        .await
        .map(drop)
    });
    assert!(raised.is_err());
    assert_eq!(log.take(), ["c1 cancelled", "c2 cancelled", "c3 cancelled"]);
    Ok(())
}

#[test]
fn the_toolkit_waits_can_be_given_to_wait_for_and_create_task() -> PyResult<()> {
    use pycoro::contextlib::async_with;
    use pycoro::native::{Barrier, Event};
    run(async {
        let q = Queue::new(0);
        let ev = Event::new();
        let cond = Condition::new();
        // await asyncio.wait_for(q.get(), 0.01)
        assert!(
            wait_for(q.get(), 0.01)
                .await
                .unwrap_err()
                .is::<TimeoutError>()
        );
        let getter = create_task(q.get())?;
        wait_for(q.put("item"), 0.01).await?;
        assert_eq!(getter.await?, "item");
        let waiter = create_task(ev.wait())?;
        sleep(0.0).await?;
        ev.set();
        assert!(wait_for(waiter, 0.01).await?);
        q.put_nowait("left")?;
        q.get_nowait()?;
        q.task_done()?;
        q.task_done()?;
        wait_for(q.join(), 0.01).await?;
        async_with(&cond, async |()| {
            let timed_out = wait_for(cond.wait(), 0.01).await.unwrap_err();
            assert!(timed_out.is::<TimeoutError>());
            assert!(cond.locked()); // it took the lock back
            Ok(())
        })
        .await?;
        let barrier = Barrier::new(2)?;
        let first = create_task(barrier.wait())?;
        let mut indexes = [wait_for(barrier.wait(), 0.01).await?, first.await?];
        indexes.sort();
        assert_eq!(indexes, [0, 1]);
        Ok(())
    })
}
