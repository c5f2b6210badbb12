//! Async generators of their body's own type (`AsyncGenerator::typed`, returned as
//! `AsyncGenerator<Y, S, impl AsyncGenBody>`): PEP 525's rules hold for them as for the
//! boxed `AsyncGenerator<Y>` (`tests/async_generators.rs`), one implementation serving both.

use std::cell::RefCell;
use std::rc::Rc;

use pycoro::prelude::native::*;

#[path = "common/mod.rs"]
mod common;
use common::{message, on_a_loop, unraisable_reports};

// async def doubler():
//     v = yield 0
//     while True:
//         v = yield (v or 0) * 2
fn doubler() -> AsyncGenerator<i64, i64, impl AsyncGenBody> {
    AsyncGenerator::typed(async move |co| {
        let mut v = co.yield_(0).await?;
        loop {
            v = co.yield_(v.unwrap_or(0) * 2).await?;
        }
    })
}

#[test]
fn asend_anext_and_the_end() -> PyResult<()> {
    on_a_loop(async {
        let d = doubler();
        assert_eq!(
            message(d.asend(1).await),
            "TypeError: can't send non-None value to a just-started async generator"
        );
        assert_eq!(d.anext().await?, 0);
        assert_eq!(d.asend(21).await?, 42);
        assert_eq!(anext(&d).await?, 0);
        d.aclose().await?;
        assert!(common::is_stop_async_iteration(d.anext().await));
        assert_eq!(anext_or(&d, -1).await?, -1);
        Ok(())
    })
}

#[test]
fn athrow_aclose_ag_running_and_the_rules() -> PyResult<()> {
    fn catcher(log: Rc<RefCell<Vec<String>>>) -> AsyncGenerator<i32, (), impl AsyncGenBody> {
        AsyncGenerator::typed(async move |co| {
            if let Err(e) = co.yield_(1).await {
                log.borrow_mut().push(format_exception_only(&e));
            }
            let body: PyResult<()> = async {
                co.yield_(2).await?;
                sleep(1.0).await?;
                co.yield_(3).await?;
                Ok(())
            }
            .await;
            sleep(0.5).await?; // a finally that awaits
            log.borrow_mut().push("finally".to_owned());
            body
        })
        .named("catcher")
    }
    let log = Rc::new(RefCell::new(Vec::new()));
    let seen = log.clone();
    on_a_loop(async move {
        let g = catcher(seen.clone());
        assert_eq!(g.name(), "catcher");
        assert!(format!("{g:?}").starts_with("<async_generator object catcher at "));
        g.anext().await?;
        assert_eq!(g.athrow(ValueError::new("boom")).await?, Some(2));
        // A second operation while the first awaits is refused.
        let h = g.clone();
        let first = create_task(async move { h.anext().await })?;
        sleep(0.0).await?;
        assert!(g.ag_running());
        assert_eq!(
            message(g.anext().await),
            "RuntimeError: anext(): asynchronous generator is already running"
        );
        assert_eq!(first.await?, 3);
        assert!(!g.ag_running());
        g.aclose().await?;
        assert_eq!(*seen.borrow(), ["ValueError: boom", "finally"]);
        assert_eq!(g.athrow(ValueError::new("late")).await?, None);
        Ok(())
    })?;
    Ok(())
}

#[test]
fn stop_async_iteration_in_the_body_becomes_runtime_error() -> PyResult<()> {
    fn leaky() -> AsyncGenerator<i32, (), impl AsyncGenBody> {
        AsyncGenerator::typed(async move |co| {
            co.yield_(1).await?;
            Err(StopAsyncIteration::default().into())
        })
    }
    on_a_loop(async {
        let mut g = leaky();
        assert_eq!(g.try_next().await?, Some(1));
        assert_eq!(
            message(g.anext().await),
            "RuntimeError: async generator raised StopAsyncIteration"
        );
        Ok(())
    })
}

#[test]
fn a_dropped_generator_is_closed_by_its_loop_and_shutdown_closes_the_rest() -> PyResult<()> {
    fn forever(
        log: Rc<RefCell<Vec<&'static str>>>,
        note: &'static str,
    ) -> impl futures::Stream<Item = PyResult<i32>> + Unpin {
        AsyncGenerator::<i32>::typed(async move |co| {
            let body: PyResult<()> = async {
                loop {
                    co.yield_(1).await?;
                }
            }
            .await;
            sleep(0.0).await?;
            log.borrow_mut().push(note);
            body
        })
    }
    let log = Rc::new(RefCell::new(Vec::new()));
    let (seen, kept_log) = (log.clone(), log.clone());
    on_a_loop(async move {
        let mut dropped = forever(seen.clone(), "closed by its loop");
        dropped.next().await;
        drop(dropped); // del g
        for _ in 0..3 {
            sleep(0.0).await?;
        }
        assert_eq!(*seen.borrow(), ["closed by its loop"]);
        let mut kept = Box::new(forever(kept_log, "closed by shutdown_asyncgens"));
        kept.next().await;
        std::mem::forget(kept); // alive when main returns
        Ok(())
    })?;
    assert_eq!(
        *log.borrow(),
        ["closed by its loop", "closed by shutdown_asyncgens"]
    );
    Ok(())
}

#[test]
fn without_a_loop_a_dropped_generator_is_closed_where_it_is_dropped() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let finally = log.clone();
    let g = AsyncGenerator::<i32>::typed(async move |co| {
        let body = co.yield_(1).await;
        finally.borrow_mut().push("finally");
        body.map(drop)
    });
    let mut first = g.anext();
    let waker = futures::task::noop_waker();
    let step = std::pin::Pin::new(&mut first).poll(&mut std::task::Context::from_waker(&waker));
    assert!(matches!(step, std::task::Poll::Ready(Ok(1))));
    drop(first);
    let (reports, ()) = unraisable_reports(|| drop(g));
    assert_eq!(*log.borrow(), ["finally"]);
    assert!(reports.is_empty(), "{reports:?}");
}
