// `throw`: raising an exception at the `yield` where a generator is suspended.

use super::*;
use crate::common::Log;
use pycoro::exceptions::{
    PyException, PyResult, RuntimeError, StopIteration, ValueError, exception_name,
};
use pycoro::generators::{GeneratorState, Step};

// ANCHOR: catches_value_error
/// def g():
///     log('started')
///     while True:
///         try: yield 1
///         except ValueError: log('caught'); yield 2
fn catches_value_error(log: Log) -> Gen<i32> {
    generator!(|co| {
            log.push("started");
            loop {
                match suspend!(co, 1) {
                    Err(e) if e.is::<ValueError>() => {
                        log.push(format!("caught {e}"));
                        suspend!(co, 2)?;
                    }
                    other => {
                        other?;
                    }
                }
            }
        },
    )
}
// ANCHOR_END: catches_value_error

#[test]
fn throw_into_a_just_started_generator_raises_at_once_and_the_body_never_runs() {
    let log = Log::default();
    let g = catches_value_error(log.clone());
    let e = g.throw(ValueError::new("early")).unwrap_err();
    assert!(e.is::<ValueError>());
    assert_eq!(e.to_string(), "early");
    assert!(log.take().is_empty());
    assert_eq!(g.state(), GeneratorState::Closed);
    assert!(g.next().unwrap_err().is::<StopIteration>());
}

// ANCHOR: throw_caught
#[test]
fn throw_caught_in_the_body_returns_the_value_it_yields_next() -> PyResult<()> {
    let log = Log::default();
    let g = catches_value_error(log.clone());
    assert_eq!(g.next()?, Step::Yielded(1));
    assert_eq!(g.throw(ValueError::new("x"))?, Step::Yielded(2));
    assert_eq!(log.take(), ["started", "caught x"]);
    assert_eq!(g.state(), GeneratorState::Suspended);
    assert_eq!(g.next()?, Step::Yielded(1));
    Ok(())
}
// ANCHOR_END: throw_caught

#[test]
fn throw_uncaught_propagates_to_the_caller_and_closes_the_generator() -> PyResult<()> {
    let g = catches_value_error(Log::default());
    g.next()?;
    let e = g.throw(PyException::new("KeyError", "'k'")).unwrap_err();
    assert_eq!(exception_name(&e), "KeyError");
    assert_eq!(g.state(), GeneratorState::Closed);
    assert!(g.next().unwrap_err().is::<StopIteration>());
    Ok(())
}

#[test]
fn throw_into_a_finished_generator_raises_the_exception() -> PyResult<()> {
    let g: Gen<i32> = generator!(|co| {
            suspend!(co, 1)?;
            Ok(())
        },
    );
    g.next()?;
    g.next()?;
    let e = g.throw(ValueError::new("late")).unwrap_err();
    assert!(e.is::<ValueError>());
    Ok(())
}

#[test]
fn throw_answered_by_a_return_gives_the_return_value() -> PyResult<()> {
    let g: Gen<i32, (), &str> = generator!(|co| match suspend!(co, 1) {
            Err(e) if e.is::<ValueError>() => Ok("returned on throw"),
            other => other.map(|_| "sent"),
        },
    );
    g.next()?;
    assert_eq!(
        g.throw(ValueError::new("x"))?,
        Step::Returned("returned on throw")
    );
    assert_eq!(g.state(), GeneratorState::Closed);
    Ok(())
}

#[derive(Debug)]
struct MyError(u32);

impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "my error {}", self.0)
    }
}

impl std::error::Error for MyError {}

#[test]
fn any_error_type_can_be_thrown_and_caught_by_type() -> PyResult<()> {
    let g: Gen<u32> = generator!(|co| {
            loop {
                if let Err(e) = suspend!(co, 0) {
                    let Some(&MyError(mine)) = e.downcast_ref::<MyError>() else {
                        return Err(e);
                    };
                    suspend!(co, mine)?;
                }
            }
        },
    );
    g.next()?;
    assert_eq!(g.throw(MyError(7))?, Step::Yielded(7));
    Ok(())
}

/// Found by the differential tests: CPython raises the exception on the new frame's
/// first line, so PEP 479 turns a `StopIteration` into `RuntimeError`; into a finished
/// generator it comes back as it was.
#[test]
fn throwing_stop_iteration_into_a_new_generator_is_runtime_error_but_not_into_a_finished_one() {
    let g = catches_value_error(Log::default());
    let e = g.throw(StopIteration::new("s")).unwrap_err();
    assert!(e.is::<RuntimeError>(), "{e}");
    assert_eq!(e.to_string(), "generator raised StopIteration");
    assert_eq!(g.state(), GeneratorState::Closed);
    let e = g.throw(StopIteration::new("s")).unwrap_err();
    assert!(e.is::<StopIteration>());
    assert_eq!(e.to_string(), "s");
}
