//! Async generators (PEP 525): the rules the book shows, each beside its CPython twin in
//! `python/rules/async_generators.py` (same names), which `tests/cpython.rs` runs.

use std::cell::RefCell;
use std::future::ready;
use std::rc::Rc;

use std::future::Future;

use pycoro::exceptions::{cause, exception_repr};
use pycoro::prelude::native::*;

#[path = "common/mod.rs"]
mod common;
use common::{is_stop_async_iteration, message, on_a_loop, unraisable_reports};

fn two() -> AsyncGenerator<i32> {
    AsyncGenerator::new(async move |co| {
        co.yield_(1).await?;
        co.yield_(2).await?;
        Ok(())
    })
}

// ANCHOR: end
#[test]
fn an_async_generator_ends_with_stop_async_iteration() -> PyResult<()> {
    on_a_loop(async {
        let g = two();
        assert_eq!([g.anext().await?, g.anext().await?], [1, 2]);
        for _ in 0..2 {
            // and again: a finished generator stays finished
            let end = g.anext().await;
            assert_eq!(message(end), "StopAsyncIteration");
        }
        assert_eq!(anext_or(&two(), 0).await?, 1);
        let g = two();
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(anext_or(&g, 0).await?); // anext(g, 'default')
        }
        assert_eq!(got, [1, 2, 0]);
        Ok(())
    })
}
// ANCHOR_END: end

// ANCHOR: pep_479
#[test]
fn stop_async_iteration_raised_in_the_body_becomes_runtime_error() -> PyResult<()> {
    on_a_loop(async {
        let leaky = AsyncGenerator::new(async move |co| {
            co.yield_(1).await?;
            Err(StopAsyncIteration::default().into())
        });
        leaky.anext().await?;
        let raised = leaky.anext().await;
        let raised_from = raised.as_ref().err().and_then(cause).map(exception_repr);
        assert_eq!(raised_from.as_deref(), Some("StopAsyncIteration()"));
        assert_eq!(
            message(raised),
            "RuntimeError: async generator raised StopAsyncIteration"
        );
        let leaky_sync = AsyncGenerator::new(async move |co| {
            co.yield_(1).await?;
            Err(StopIteration::default().into())
        });
        leaky_sync.anext().await?;
        let raised = leaky_sync.anext().await;
        let raised_from = raised.as_ref().err().and_then(cause).map(exception_repr);
        assert_eq!(raised_from.as_deref(), Some("StopIteration()"));
        assert_eq!(
            message(raised),
            "RuntimeError: async generator raised StopIteration"
        );
        Ok(())
    })
}
// ANCHOR_END: pep_479

// ANCHOR: asend
#[test]
fn asend_delivers_its_value_at_the_yield_but_not_to_a_just_started_generator() -> PyResult<()> {
    // async def doubler():
    //     v = yield 0
    //     while True:
    //         v = yield v * 2
    fn doubler() -> AsyncGenerator<i64, i64> {
        AsyncGenerator::receiving(async move |co| {
            let mut v = co.yield_(0).await?;
            loop {
                v = co.yield_(v.unwrap_or(0) * 2).await?;
            }
        })
    }
    on_a_loop(async {
        let d = doubler();
        assert_eq!(
            message(d.asend(21).await),
            "TypeError: can't send non-None value to a just-started async generator"
        );
        assert_eq!(d.asend(None).await?, 0); // still usable
        assert_eq!(d.asend(21).await?, 42);
        assert_eq!(d.asend(5).await?, 10);
        Ok(())
    })
}
// ANCHOR_END: asend

// ANCHOR: running
#[test]
fn a_second_operation_while_the_first_awaits_is_already_running() -> PyResult<()> {
    on_a_loop(async {
        let g = AsyncGenerator::new(async move |co| {
            sleep(1.0).await?;
            co.yield_(1).await?;
            Ok(())
        });
        let first = create_task(g.anext())?;
        sleep(0.0).await?; // the first anext is inside the sleep
        assert!(g.ag_running());
        let messages = [
            message(g.anext().await),
            message(g.asend(None).await),
            message(g.athrow(ValueError::default()).await),
            message(g.aclose().await),
        ];
        assert_eq!(
            messages,
            [
                "RuntimeError: anext(): asynchronous generator is already running",
                "RuntimeError: anext(): asynchronous generator is already running",
                "RuntimeError: athrow(): asynchronous generator is already running",
                "RuntimeError: aclose(): asynchronous generator is already running",
            ]
        );
        assert_eq!(first.await?, 1);
        assert!(!g.ag_running());
        Ok(())
    })
}
// ANCHOR_END: running

// async def g():
//     await asyncio.sleep(1)
//     yield 1
//     yield 2
// t = asyncio.create_task(first())   # [x async for x in agen], inside the sleep
// async for x in agen: ...           # RuntimeError: anext(): ... already running
// await t                            # [1, 2]
#[test]
fn async_for_over_a_generator_another_async_for_is_iterating_is_already_running() -> PyResult<()> {
    on_a_loop(async {
        let g = AsyncGenerator::new(async move |co| {
            sleep(1.0).await?;
            co.yield_(1).await?;
            co.yield_(2).await?;
            Ok(())
        });
        let first = g.clone();
        let first = create_task(async move { first.try_collect::<Vec<_>>().await })?;
        sleep(0.0).await?; // the first `async for` is inside the sleep
        let mut second = g.clone();
        assert_eq!(
            message(second.try_next().await),
            "RuntimeError: anext(): asynchronous generator is already running"
        );
        assert_eq!(first.await?, [1, 2]);
        assert!(!g.ag_running());
        Ok(())
    })
}

// ANCHOR: athrow
#[test]
fn athrow_raises_at_the_yield_and_the_body_may_catch_it() -> PyResult<()> {
    // async def catcher():
    //     try:
    //         yield 1
    //     except ValueError:
    //         await asyncio.sleep(0.1)
    //         yield 'caught'
    let catcher = AsyncGenerator::new(async move |co| {
        match co.yield_("1").await {
            Err(e) if e.is::<ValueError>() => {
                sleep(0.1).await?;
                co.yield_("caught").await?;
            }
            other => {
                other?;
            }
        }
        Ok(())
    });
    on_a_loop(async move {
        catcher.anext().await?;
        assert_eq!(catcher.athrow(ValueError::new("x")).await?, Some("caught"));
        assert!(is_stop_async_iteration(catcher.anext().await));
        Ok(())
    })
}
// ANCHOR_END: athrow

// ANCHOR: unstarted_finished
#[test]
fn athrow_and_aclose_on_an_unstarted_or_finished_generator() -> PyResult<()> {
    on_a_loop(async {
        let g = two(); // not started: athrow raises without running the body, and closes it
        assert_eq!(
            message(g.athrow(ValueError::new("x")).await),
            "ValueError: x"
        );
        assert!(is_stop_async_iteration(g.anext().await));
        two().aclose().await?; // aclose of an unstarted one: closed, no body run
        let mut g = two();
        while g.try_next().await?.is_some() {}
        assert_eq!(g.athrow(ValueError::new("x")).await?, None); // finished: None (3.11)
        g.aclose().await?;
        Ok(())
    })
}
// ANCHOR_END: unstarted_finished

// ANCHOR: aclose
#[test]
fn aclose_runs_a_finally_that_awaits() -> PyResult<()> {
    on_a_loop(async {
        let start = get_running_loop()?.time();
        let log = Rc::new(RefCell::new(Vec::new()));
        let closed = log.clone();
        // async def rows():
        //     try:
        //         yield 1
        //         yield 2
        //     finally:
        //         await asyncio.sleep(0.5)
        //         log.append('closed at %.1f' % (loop.time() - start))
        let g = AsyncGenerator::new(async move |co| {
            let body: PyResult<()> = async {
                co.yield_(1).await?;
                co.yield_(2).await?;
                Ok(())
            }
            .await;
            sleep(0.5).await?;
            let at = get_running_loop()?.time() - start;
            closed.borrow_mut().push(format!("closed at {at:.1}"));
            body
        });
        g.anext().await?;
        g.aclose().await?;
        assert_eq!(*log.borrow(), ["closed at 0.5"]);
        assert!(!g.ag_running());
        Ok(())
    })
}
// ANCHOR_END: aclose

// ANCHOR: ignored
#[test]
fn a_body_that_yields_during_aclose_ignored_generator_exit() -> PyResult<()> {
    // async def stubborn():
    //     try:
    //         yield 1
    //     except GeneratorExit:
    //         yield 2
    //     yield 3
    let stubborn = AsyncGenerator::new(async move |co| {
        match co.yield_(1).await {
            Err(e) if e.is::<GeneratorExit>() => {
                co.yield_(2).await?;
            }
            other => {
                other?;
            }
        }
        co.yield_(3).await?;
        Ok(())
    });
    on_a_loop(async move {
        stubborn.anext().await?;
        assert_eq!(
            message(stubborn.aclose().await),
            "RuntimeError: async generator ignored GeneratorExit"
        );
        assert_eq!(stubborn.anext().await?, 3); // it stays suspended, as a generator does
        Ok(())
    })
}
// ANCHOR_END: ignored

// ANCHOR: finalizer
#[test]
fn a_dropped_async_generator_is_closed_by_its_loop_in_a_task() -> PyResult<()> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let finally = log.clone();
    let forever = AsyncGenerator::new(async move |co| {
        let body: PyResult<()> = async {
            loop {
                co.yield_(1).await?;
            }
        }
        .await;
        sleep(0.0).await?;
        finally.borrow_mut().push("finally ran");
        body
    });
    let seen = log.clone();
    on_a_loop(async move {
        forever.anext().await?;
        drop(forever); // del g
        sleep(0.0).await?; // the loop creates the aclose() task
        sleep(0.0).await?; // which runs the finally up to its sleep
        sleep(0.0).await?;
        assert_eq!(*seen.borrow(), ["finally ran"]);
        Ok(())
    })
}
// ANCHOR_END: finalizer

// ANCHOR: shutdown
#[test]
fn asyncio_run_closes_the_async_generators_left_suspended() -> PyResult<()> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let closed = log.clone();
    let kept = AsyncGenerator::new(async move |co| {
        let body: PyResult<()> = async {
            co.yield_(1).await?;
            co.yield_(2).await?;
            Ok(())
        }
        .await;
        sleep(0.1).await?;
        closed.borrow_mut().push("closed by shutdown_asyncgens");
        body
    });
    let (mut it, returned) = (kept.clone(), log.clone());
    on_a_loop(async move {
        if it.try_next().await?.is_some() {
            // async for _ in kept: break
        }
        returned.borrow_mut().push("main returns");
        Ok(())
    })?;
    assert_eq!(
        *log.borrow(),
        ["main returns", "closed by shutdown_asyncgens"]
    );
    Ok(())
}
// ANCHOR_END: shutdown

// ANCHOR: comprehension
#[test]
fn async_comprehensions_collect_and_filter() -> PyResult<()> {
    fn ticks(n: i32) -> AsyncGenerator<i32> {
        AsyncGenerator::new(async move |co| {
            for i in 0..n {
                sleep(0.1).await?;
                co.yield_(i).await?;
            }
            Ok(())
        })
    }
    on_a_loop(async {
        // [i async for i in ticks(4)]
        assert_eq!(ticks(4).try_collect::<Vec<_>>().await?, [0, 1, 2, 3]);
        // [i * i async for i in ticks(6) if i % 2 == 0]
        let squares: Vec<i32> = ticks(6)
            .try_filter(|i| ready(i % 2 == 0))
            .map_ok(|i| i * i)
            .try_collect()
            .await?;
        assert_eq!(squares, [0, 4, 16]);
        Ok(())
    })
}
// ANCHOR_END: comprehension

/// `it.__anext__().send(None)` with no loop running: the generator's first value, its
/// `anext` polled once by hand.
fn first_value_without_a_loop(g: &AsyncGenerator<i32>) -> i32 {
    let mut first = g.anext();
    let waker = futures::task::noop_waker();
    let step = std::pin::Pin::new(&mut first).poll(&mut std::task::Context::from_waker(&waker));
    match step {
        std::task::Poll::Ready(Ok(value)) => value,
        _ => panic!("the first anext yields at once"),
    }
}

// ANCHOR: no_loop
#[test]
fn without_a_loop_a_dropped_async_generator_is_closed_where_it_is_dropped() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let finally = log.clone();
    let g = AsyncGenerator::new(async move |co| {
        let body = co.yield_(1).await;
        finally.borrow_mut().push("finally");
        // `await asyncio.sleep(0)`, a bare yield: suspends once, without a loop.
        let mut suspended = false;
        std::future::poll_fn(|_| match std::mem::replace(&mut suspended, true) {
            false => std::task::Poll::Pending,
            true => std::task::Poll::Ready(()),
        })
        .await;
        body.map(drop)
    });
    assert_eq!(first_value_without_a_loop(&g), 1); // it.__anext__().send(None)
    let (reports, ()) = unraisable_reports(|| drop(g)); // del it
    assert_eq!(*log.borrow(), ["finally"]);
    assert_eq!(reports.len(), 1);
    assert!(
        reports[0].ends_with("\nRuntimeError: async generator ignored GeneratorExit"),
        "{}",
        reports[0]
    );
}
// ANCHOR_END: no_loop

#[test]
fn closed_where_it_is_dropped_a_body_that_returns_raises_stop_async_iteration() {
    // async def g():
    //     try:
    //         yield 1
    //     except GeneratorExit:
    //         pass  # and the body returns
    let g = AsyncGenerator::new(async move |co| {
        match co.yield_(1).await {
            Err(e) if e.is::<GeneratorExit>() => {}
            other => {
                other?;
            }
        }
        Ok(())
    });
    assert_eq!(first_value_without_a_loop(&g), 1); // it.__anext__().send(None)
    let (reports, ()) = unraisable_reports(|| drop(g)); // del it
    assert_eq!(reports.len(), 1);
    assert!(
        reports[0].ends_with("\nStopAsyncIteration"),
        "{}",
        reports[0]
    );
}

/// `async def stubborn()`, which ignores `GeneratorExit` `times` times, logging each.
fn stubborn(log: Rc<RefCell<Vec<&'static str>>>, times: usize) -> AsyncGenerator<i32> {
    // async def stubborn():
    //     while True:
    //         try:
    //             yield 1
    //         except GeneratorExit:
    //             log.append('ignored GeneratorExit')
    AsyncGenerator::new(async move |co| {
        let mut ignored = 0;
        loop {
            match co.yield_(1).await {
                Err(e) if e.is::<GeneratorExit>() && ignored < times => {
                    ignored += 1;
                    log.borrow_mut().push("ignored GeneratorExit");
                }
                other => {
                    other?;
                }
            }
        }
    })
}

// ANCHOR: ag_closed
#[test]
fn after_an_aclose_athrow_and_aclose_raise_stop_async_iteration() -> PyResult<()> {
    let g = stubborn(Rc::default(), 1);
    on_a_loop(async move {
        g.anext().await?;
        assert_eq!(
            message(g.aclose().await),
            "RuntimeError: async generator ignored GeneratorExit"
        );
        assert!(is_stop_async_iteration(g.aclose().await));
        assert!(is_stop_async_iteration(
            g.athrow(ValueError::new("v")).await
        ));
        assert_eq!(g.anext().await?, 1); // anext still resumes it
        Ok(())
    })
}

#[test]
fn a_generator_that_ignored_aclose_is_closed_where_it_is_dropped() -> PyResult<()> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let g = stubborn(log.clone(), usize::MAX);
    let (seen, reports) = (log.clone(), Rc::new(RefCell::new(Vec::new())));
    let reported = reports.clone();
    on_a_loop(async move {
        g.anext().await?;
        assert!(g.aclose().await.is_err());
        let (dropped, ()) = unraisable_reports(|| drop(g)); // del g
        reported.borrow_mut().extend(dropped);
        seen.borrow_mut().push("dropped");
        sleep(0.0).await?;
        sleep(0.0).await?; // no task of the loop's closes it again
        Ok(())
    })?;
    assert_eq!(
        *log.borrow(),
        ["ignored GeneratorExit", "ignored GeneratorExit", "dropped"]
    );
    let reports = reports.borrow();
    assert_eq!(reports.len(), 1);
    assert!(
        reports[0].ends_with("\nRuntimeError: async generator ignored GeneratorExit"),
        "{}",
        reports[0]
    );
    Ok(())
}
// ANCHOR_END: ag_closed

// ANCHOR: cancelled_finalizer
#[test]
fn a_finalizer_task_cancelled_before_it_starts_ends_the_clean_up_at_its_first_await() -> PyResult<()>
{
    let log = Rc::new(RefCell::new(Vec::new()));
    let finally = log.clone();
    // async def leaky():
    //     try:
    //         yield 0
    //         yield 1
    //     finally:
    //         log.append('finally')
    //         await asyncio.sleep(0)
    //         log.append('finally after await')
    let leaky = move || {
        let finally = finally.clone();
        AsyncGenerator::new(async move |co| {
            let body: PyResult<()> = async {
                co.yield_(0).await?;
                co.yield_(1).await?;
                Ok(())
            }
            .await;
            finally.borrow_mut().push("finally");
            sleep(0.0).await?;
            finally.borrow_mut().push("finally after await");
            body
        })
    };
    let returned = log.clone();
    on_a_loop(async move {
        // async for _ in leaky(): break
        let mut items = leaky();
        items.try_next().await?;
        drop(items);
        returned.borrow_mut().push("main returns");
        Ok(())
    })?;
    assert_eq!(*log.borrow(), ["main returns", "finally"]);
    Ok(())
}
// ANCHOR_END: cancelled_finalizer

#[test]
fn anext_with_a_default_can_be_gathered_and_timed() -> PyResult<()> {
    let a = AsyncGenerator::new(async move |co| co.yield_("x").await.map(drop));
    let b: AsyncGenerator<&str> = AsyncGenerator::new(async move |_| Ok(()));
    on_a_loop(async move {
        // await asyncio.gather(anext(a, '-'), anext(b, '-'))
        assert_eq!(
            gather([a.anext_or("-"), b.anext_or("-")]).await?,
            ["x", "-"]
        );
        // await asyncio.wait_for(anext(a, 'end'), 1)
        assert_eq!(wait_for(a.anext_or("end"), 1.0).await?, "end");
        Ok(())
    })
}

// python/rules/generators.py has its twin (ANCHOR qualname).
#[test]
fn an_async_generator_made_by_a_method_is_named_by_its_qualified_name() {
    struct Clock;
    impl Clock {
        fn ticks(&self) -> AsyncGenerator<i32> {
            AsyncGenerator::new(async move |co| co.yield_(1).await.map(drop))
        }
    }
    let ticks = Clock.ticks();
    assert_eq!((ticks.name(), &*ticks.qualname()), ("ticks", "Clock.ticks"));
    assert!(format!("{ticks:?}").starts_with("<async_generator object Clock.ticks at 0x"));
}

// Cases Rust adds, which Python cannot write: an operation's future dropped midway, and a
// `yield_` awaited where its generator is not running the body. No CPython twin.

// ANCHOR: abandoned
#[test]
fn an_operation_dropped_midway_leaves_the_body_in_its_await_for_the_next_anext() -> PyResult<()> {
    use futures::FutureExt;
    on_a_loop(async {
        let g: AsyncGenerator<i32, i32> = AsyncGenerator::receiving(async move |co| {
            co.yield_(1).await?;
            sleep(1.0).await?;
            co.yield_(2).await?;
            Ok(())
        });
        assert_eq!(g.anext().await?, 1);
        // `select!` against a ready future: polled once, inside the sleep, then dropped.
        assert!(g.anext().now_or_never().is_none());
        assert!(!g.ag_running());
        assert_eq!(g.state(), GeneratorState::Suspended);
        // There is no `yield` to deliver anything to.
        let messages = [
            message(g.asend(5).await),
            message(g.athrow(ValueError::default()).await),
            message(g.aclose().await),
        ];
        assert_eq!(
            messages,
            [
                "RuntimeError: anext(): asynchronous generator is already running",
                "RuntimeError: athrow(): asynchronous generator is already running",
                "RuntimeError: aclose(): asynchronous generator is already running",
            ]
        );
        // `anext` goes on from the sleep.
        assert_eq!(g.anext().await?, 2);
        assert_eq!(get_running_loop()?.time(), 1.0);
        assert!(is_stop_async_iteration(g.anext().await));
        Ok(())
    })
}
// ANCHOR_END: abandoned

// ANCHOR: misused
#[test]
fn a_yield_awaited_where_its_generator_is_not_running_the_body_raises() -> PyResult<()> {
    on_a_loop(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let seen = log.clone();
        let g = AsyncGenerator::new(async move |co| {
            let co = Rc::new(co);
            // In a task of its own: the generator is not polling that task.
            let elsewhere = co.clone();
            let task = create_task(async move { elsewhere.yield_(0).await.map(drop) })?;
            let in_a_task = message(task.await);
            seen.borrow_mut().push(in_a_task);
            // Beside another `yield_`: one value at a time is handed out.
            let (first, second) = futures::join!(co.yield_(1), co.yield_(2));
            seen.borrow_mut().push(message(second));
            first?;
            co.yield_(3).await?;
            Ok(())
        });
        assert_eq!(g.try_collect::<Vec<_>>().await?, [1, 3]);
        let misused = "RuntimeError: co.yield_() awaited outside the body of its async \
                       generator, or beside another co.yield_()";
        assert_eq!(*log.borrow(), [misused, misused]);
        Ok(())
    })
}
// ANCHOR_END: misused
