// Dropping a generator: CPython closes a suspended generator when it collects it.

use super::*;
use crate::common::{Finally, Log};
use pycoro::exceptions::{GeneratorExit, PyResult, ValueError};

fn with_cleanup(log: Log) -> Gen<i32> {
    generator!(|co| {
            log.push("started");
            let _finally = Finally(move || log.push("cleanup"));
            loop {
                suspend!(co, 1)?;
            }
        },
    )
}

/// Captures what the unraisable hook reports while `f` runs.
fn unraisable_reports(f: impl FnOnce()) -> Vec<String> {
    crate::common::unraisable_reports(f).0
}

// ANCHOR: drop_closes
#[test]
fn dropping_a_suspended_generator_closes_it_so_its_cleanup_runs() -> PyResult<()> {
    let log = Log::default();
    let g = with_cleanup(log.clone());
    g.next()?;
    let reports = unraisable_reports(|| drop(g));
    assert_eq!(log.take(), ["started", "cleanup"]);
    assert!(reports.is_empty());
    Ok(())
}
// ANCHOR_END: drop_closes

#[test]
fn dropping_a_generator_that_never_started_runs_none_of_its_body() {
    let log = Log::default();
    drop(with_cleanup(log.clone()));
    assert!(log.take().is_empty());
}

#[test]
fn cleanup_that_sees_generator_exit_runs_before_the_drop_returns() -> PyResult<()> {
    let log = Log::default();
    let body_log = log.clone();
    let g: Gen<i32> = generator!(|co| {
            let sent = suspend!(co, 1);
            if let Err(e) = &sent {
                body_log.push(format!(
                    "except {}",
                    if e.is::<GeneratorExit>() {
                        "GeneratorExit"
                    } else {
                        "?"
                    }
                ));
            }
            sent?;
            Ok(())
        },
    );
    g.next()?;
    drop(g);
    assert_eq!(log.take(), ["except GeneratorExit"]);
    Ok(())
}

#[test]
fn a_generator_that_ignores_generator_exit_on_drop_is_reported_in_cpythons_words() -> PyResult<()> {
    let g: Gen<i32> = generator!(|co| {
            loop {
                let _ = suspend!(co, 1); // except GeneratorExit: pass
            }
        },
    );
    g.next()?;
    let reports = unraisable_reports(|| drop(g));
    assert_eq!(reports.len(), 1);
    let (head, last) = reports[0].split_once('\n').unwrap();
    assert!(
        head.starts_with("Exception ignored in: <generator object "),
        "{head}"
    );
    assert_eq!(
        last,
        "Traceback (most recent call last):\nRuntimeError: generator ignored GeneratorExit"
    );
    Ok(())
}

#[test]
fn an_exception_raised_by_cleanup_on_drop_is_reported_not_raised() -> PyResult<()> {
    let g: Gen<i32> = generator!(|co| {
            let _ = suspend!(co, 1);
            Err(ValueError::new("in finally").into())
        },
    );
    g.next()?;
    let reports = unraisable_reports(|| drop(g));
    assert_eq!(reports.len(), 1);
    assert!(reports[0].ends_with("\nValueError: in finally"));
    Ok(())
}

#[test]
fn a_panic_during_the_close_on_drop_is_reported_and_does_not_escape() -> PyResult<()> {
    let g: Gen<i32> = generator!(|co| {
            let _ = suspend!(co, 1);
            panic!("cleanup exploded");
        },
    );
    g.next()?;
    let reports = unraisable_reports(|| drop(g));
    assert_eq!(reports.len(), 1);
    assert!(
        reports[0].ends_with("\nRuntimeError: panic: cleanup exploded"),
        "{}",
        reports[0]
    );
    Ok(())
}
