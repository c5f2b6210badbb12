// `close`: `GeneratorExit` at the suspension point, and what the body may do with it.

use super::*;
use crate::common::{Finally, Log};
use pycoro::exceptions::{
    Exception, ExceptionExt, GeneratorExit, PyResult, Raise, RuntimeError, StopIteration,
    ValueError, cause, context, format_exception, format_exception_only,
};
use pycoro::generators::{GeneratorState, Step};

// ANCHOR: answering
/// A generator that yields once, then answers GeneratorExit with `on_exit`.
fn answering(log: Log, on_exit: fn() -> Option<PyResult<()>>) -> Gen<i32, (), ()> {
    generator!(|co| {
            let _finally = Finally(move || log.push("finally"));
            loop {
                match suspend!(co, 1) {
                    Err(e) if e.is::<GeneratorExit>() => match on_exit() {
                        Some(result) => return result,
                        None => continue, // yield again: ignore GeneratorExit
                    },
                    other => {
                        other?;
                    }
                }
            }
        },
    )
}
// ANCHOR_END: answering

#[test]
fn close_raises_generator_exit_at_the_yield_so_cleanup_runs() -> PyResult<()> {
    let log = Log::default();
    let g = answering(log.clone(), || Some(Err(GeneratorExit::default().into())));
    g.next()?;
    g.close()?;
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GeneratorState::Closed);
    assert!(g.next().unwrap_err().is::<StopIteration>());
    Ok(())
}

#[test]
fn close_returns_normally_when_the_body_returns_on_generator_exit() -> PyResult<()> {
    let g = answering(Log::default(), || Some(Ok(())));
    g.next()?;
    g.close()?;
    assert_eq!(g.state(), GeneratorState::Closed);
    Ok(())
}

// ANCHOR: ignored_exit
#[test]
fn a_body_that_yields_after_generator_exit_makes_close_raise_runtime_error() -> PyResult<()> {
    let g = answering(Log::default(), || None);
    g.next()?;
    let e = g.close().unwrap_err();
    assert_eq!(
        format_exception_only(&e),
        "RuntimeError: generator ignored GeneratorExit"
    );
    // As in CPython, the generator is still suspended at its new yield.
    assert_eq!(g.state(), GeneratorState::Suspended);
    assert_eq!(g.next()?, Step::Yielded(1));
    Ok(())
}
// ANCHOR_END: ignored_exit

#[test]
fn a_stop_iteration_raised_on_generator_exit_becomes_runtime_error() -> PyResult<()> {
    let g = answering(Log::default(), || {
        Some(Err(StopIteration::new(5).into()))
    });
    g.next()?;
    let e = g.close().unwrap_err();
    assert!(e.is::<RuntimeError>());
    assert_eq!(e.to_string(), "generator raised StopIteration");
    let stop = cause(&e).and_then(|c| c.downcast_ref::<StopIteration>());
    assert_eq!(stop.and_then(StopIteration::value_as::<i32>), Some(&5));
    Ok(())
}

#[test]
fn any_other_exception_raised_on_generator_exit_propagates_from_close() -> PyResult<()> {
    let g = answering(Log::default(), || {
        Some(Err(ValueError::new("in finally").into()))
    });
    g.next()?;
    let e = g.close().unwrap_err();
    assert_eq!(format_exception_only(&e), "ValueError: in finally");
    assert_eq!(g.state(), GeneratorState::Closed);
    Ok(())
}

#[test]
fn close_on_a_created_generator_does_nothing_and_the_body_never_runs() -> PyResult<()> {
    let log = Log::default();
    let g = answering(log.clone(), || Some(Ok(())));
    g.close()?;
    assert_eq!(g.state(), GeneratorState::Closed);
    assert!(g.next().unwrap_err().is::<StopIteration>());
    drop(g);
    assert!(log.take().is_empty(), "not even the finally ran");
    Ok(())
}

#[test]
fn close_on_a_finished_generator_does_nothing() -> PyResult<()> {
    let g: Gen<i32> = generator!(|co| {
            suspend!(co, 1)?;
            Ok(())
        },
    );
    g.next()?;
    g.next()?;
    g.close()?;
    g.close()?;
    Ok(())
}

#[test]
fn throwing_generator_exit_is_not_close_a_yield_after_it_is_returned() -> PyResult<()> {
    // Python: g.throw(GeneratorExit) on a body that yields again returns the value.
    let g = answering(Log::default(), || None);
    g.next()?;
    assert_eq!(g.throw(GeneratorExit::default())?, Step::Yielded(1));
    Ok(())
}

// ANCHOR: except_exception
#[test]
fn except_exception_in_the_body_catches_errors_but_lets_close_through() -> PyResult<()> {
    let g: Gen<i32> = generator!(|co| loop {
            match suspend!(co, 1) {
                Err(e) if e.isinstance::<Exception>() => {} // except Exception: pass
                other => {
                    other?;
                }
            }
        },
    );
    g.next()?;
    assert_eq!(g.throw(ValueError::new("swallowed"))?, Step::Yielded(1));
    g.close()?; // GeneratorExit is a BaseException: `except Exception` lets it by
    assert_eq!(g.state(), GeneratorState::Closed);
    Ok(())
}
// ANCHOR_END: except_exception

// ANCHOR: context
#[test]
fn an_exception_raised_while_handling_generator_exit_has_it_as_context() -> PyResult<()> {
    let g: Gen<i32> = generator!(|co| match suspend!(co, 1) {
            Err(exit) if exit.is::<GeneratorExit>() => {
                // raised inside `except GeneratorExit:`, so linked to it
                Err(ValueError::new("cleanup failed").during(&exit))
            }
            other => other.map(drop),
        },
    );
    g.next()?;
    let e = g.close().unwrap_err();
    assert!(context(&e).unwrap().is::<GeneratorExit>());
    assert_eq!(
        format_exception(&e),
        "Traceback (most recent call last):\n\
         GeneratorExit\n\
         \n\
         During handling of the above exception, another exception occurred:\n\
         \n\
         Traceback (most recent call last):\n\
         ValueError: cleanup failed\n"
    );
    Ok(())
}
// ANCHOR_END: context
