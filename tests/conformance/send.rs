// `next` and `send`: PEP 342's rules for resuming a generator.

use super::*;
use std::rc::Rc;

use crate::common::Log;
use pycoro::exceptions::{
    PyResult, RuntimeError, StopIteration, TypeError, ValueError, cause, format_exception_only,
};
use pycoro::generators::{GeneratorState, Step};

/// def echo(): while True: x = yield; log(x)  ... returns when sent "stop".
fn echo(log: Log) -> Gen<(), &'static str, &'static str> {
    generator!(|co| {
            log.push("started");
            loop {
                let x: Option<&str> = suspend!(co)?;
                log.push(format!("got {x:?}"));
                if x == Some("stop") {
                    return Ok("done");
                }
            }
        },
    )
}

// ANCHOR: first_send
#[test]
fn first_send_of_a_value_is_a_type_error_and_the_generator_stays_usable() {
    let log = Log::default();
    let g = echo(log.clone());
    let e = g.send("x").unwrap_err();
    assert!(e.is::<TypeError>());
    assert_eq!(
        format_exception_only(&e),
        "TypeError: can't send non-None value to a just-started generator"
    );
    assert_eq!(g.state(), GeneratorState::Created);
    assert!(log.take().is_empty(), "the body did not run");
    assert_eq!(g.send(None).unwrap(), Step::Yielded(()));
    assert_eq!(log.take(), ["started"]);
}
// ANCHOR_END: first_send

#[test]
fn next_resumes_with_none_and_send_with_some_value() -> PyResult<()> {
    let log = Log::default();
    let g = echo(log.clone());
    g.next()?;
    g.next()?;
    g.send("hi")?;
    assert_eq!(log.take(), ["started", "got None", "got Some(\"hi\")"]);
    Ok(())
}

#[test]
fn the_return_value_comes_exactly_once_with_the_step_that_finished() -> PyResult<()> {
    let g = echo(Log::default());
    g.next()?;
    assert_eq!(g.send("stop")?, Step::Returned("done"));
    assert_eq!(g.state(), GeneratorState::Closed);
    for _ in 0..2 {
        let e = g.next().unwrap_err();
        assert!(e.is::<StopIteration>());
        assert_eq!(e.to_string(), "", "StopIteration carries no value any more");
        assert!(g.send("again").unwrap_err().is::<StopIteration>());
    }
    Ok(())
}

#[test]
fn state_goes_from_created_to_suspended_to_closed_and_is_running_inside_the_body() -> PyResult<()> {
    let g: Rc<Gen<GeneratorState>> = Rc::new_cyclic(|weak: &std::rc::Weak<Gen<_>>| {
        let weak = weak.clone();
        generator!(|co| {
                let me = weak.upgrade().expect("alive while running");
                suspend!(co, me.state())?;
                Ok(())
            },
        )
    });
    assert_eq!(g.state(), GeneratorState::Created);
    assert_eq!(g.next()?, Step::Yielded(GeneratorState::Running));
    assert_eq!(g.state(), GeneratorState::Suspended);
    assert_eq!(g.next()?, Step::Returned(()));
    assert_eq!(g.state(), GeneratorState::Closed);
    Ok(())
}

// ANCHOR: already_executing
#[test]
fn resuming_a_running_generator_is_value_error_generator_already_executing() {
    // def me(): yield me_g.send(None)   (Python: ValueError: generator already executing)
    let g: Rc<Gen<()>> = Rc::new_cyclic(|weak: &std::rc::Weak<Gen<_>>| {
        let weak = weak.clone();
        generator!(|co| {
                let me = weak.upgrade().expect("alive while running");
                let inner = me.next();
                let e = inner.unwrap_err();
                assert!(me.close().unwrap_err().is::<ValueError>());
                assert!(
                    me.throw(RuntimeError::new("x"))
                        .unwrap_err()
                        .is::<ValueError>()
                );
                Err(e)
            },
        )
    });
    let e = g.next().unwrap_err();
    assert!(e.is::<ValueError>());
    assert_eq!(e.to_string(), "generator already executing");
    assert_eq!(
        g.state(),
        GeneratorState::Closed,
        "the error escaped the body"
    );
}
// ANCHOR_END: already_executing

// ANCHOR: pep479
#[test]
fn a_stop_iteration_escaping_the_body_becomes_runtime_error_pep_479() {
    let g: Gen<i32> = generator!(|co| {
            suspend!(co, 1)?;
            Err(StopIteration::new(3).into())
        },
    );
    assert_eq!(g.next().unwrap(), Step::Yielded(1));
    let e = g.next().unwrap_err();
    assert!(e.is::<RuntimeError>());
    assert_eq!(e.to_string(), "generator raised StopIteration");
    // raise RuntimeError(...) from the StopIteration, its value kept
    let stop = cause(&e).and_then(|c| c.downcast_ref::<StopIteration>());
    assert_eq!(stop.and_then(StopIteration::value_as::<i32>), Some(&3));
    assert_eq!(g.state(), GeneratorState::Closed);
}
// ANCHOR_END: pep479

pycoro::py_exception!(
    /// `class StopSubclass(StopIteration)`.
    pub StopSubclass(StopIteration)
);

// PEP 479 matches the class: a subclass of StopIteration escaping is a RuntimeError too.
#[test]
fn a_subclass_of_stop_iteration_escaping_the_body_becomes_runtime_error_too() {
    let g: Gen<i32> = generator!(|co| {
            suspend!(co, 1)?;
            Err(StopSubclass::default().into())
        },
    );
    assert_eq!(g.next().unwrap(), Step::Yielded(1));
    let e = g.next().unwrap_err();
    assert_eq!(e.to_string(), "generator raised StopIteration");
    assert!(cause(&e).is_some_and(|c| c.is::<StopSubclass>()));
}

// ANCHOR: stop_value
#[test]
fn a_returned_value_reaches_a_caller_further_up_as_the_stop_iteration_value() {
    let g: Gen<i32, (), &str> = generator!(|co| {
            suspend!(co, 1)?;
            Ok("done")
        },
    );
    // def first_two(): return next(g), next(g)   (the second next raises)
    let first_two = || -> PyResult<(i32, i32)> { Ok((g.next()?.yielded()?, g.next()?.yielded()?)) };
    let e = first_two().unwrap_err();
    let stop = e.downcast_ref::<StopIteration>().expect("StopIteration");
    assert_eq!(stop.value_as::<&str>(), Some(&"done")); // except StopIteration as e: e.value
    assert_eq!(g.state().to_string(), "GEN_CLOSED"); // inspect.getgeneratorstate(g)
}
// ANCHOR_END: stop_value

#[test]
fn any_other_exception_escaping_the_body_propagates_and_closes_it() {
    let g: Gen<i32> = generator!(|co| {
            suspend!(co, 1)?;
            Err(ValueError::new("bad").into())
        },
    );
    g.next().unwrap();
    let e = g.next().unwrap_err();
    assert_eq!(format_exception_only(&e), "ValueError: bad");
    assert!(g.next().unwrap_err().is::<StopIteration>());
}

fn count_to(n: i32, fail: bool) -> Gen<i32, (), &'static str> {
    generator!(|co| {
            for i in 1..=n {
                suspend!(co, i)?;
            }
            if fail {
                return Err(ValueError::new("after the last").into());
            }
            Ok("the return value is dropped by for")
        },
    )
}

#[test]
fn a_for_loop_sees_every_yielded_value_then_ends() {
    let values: Vec<i32> = count_to(3, false).map(Result::unwrap).collect();
    assert_eq!(values, [1, 2, 3]);
}

#[test]
fn a_for_loop_gets_an_escaping_exception_as_its_last_item() {
    let items: Vec<String> = count_to(2, true)
        .map(|item| match item {
            Ok(i) => i.to_string(),
            Err(e) => format_exception_only(&e),
        })
        .collect();
    assert_eq!(items, ["1", "2", "ValueError: after the last"]);
}

#[test]
fn a_generator_is_named_after_the_function_that_built_it() {
    assert_eq!(count_to(1, false).name(), "count_to");
    assert_eq!(count_to(1, false).named("renamed").name(), "renamed");
    assert!(format!("{:?}", echo(Log::default())).starts_with("<generator object echo at 0x"));
}
