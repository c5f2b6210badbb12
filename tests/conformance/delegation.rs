// `yield from` (PEP 380): a transparent pipe between the caller and a sub-generator.

use super::*;
use std::rc::Rc;

use crate::common::{Finally, Log};
use pycoro::exceptions::{
    AttributeError, GeneratorExit, PyException, PyResult, ValueError, exception_name,
};
use pycoro::generators::{GeneratorState, Step};
use pycoro::yield_from::iter;

// ANCHOR: forwarding
fn inner(log: Log) -> Gen<&'static str, &'static str, &'static str> {
    generator!(|co| {
            let x = suspend!(co, "inner 1")?;
            log.push(format!("inner got {}", x.unwrap_or("None")));
            let y = suspend!(co, "inner 2")?;
            log.push(format!("inner got {}", y.unwrap_or("None")));
            Ok("inner result")
        },
    )
}

fn outer(log: Log) -> Gen<&'static str, &'static str> {
    generator!(|co| {
            let r = yield_from!(co, inner(log.clone()))?;
            log.push(format!("outer got {r}"));
            suspend!(co, "outer")?;
            Ok(())
        },
    )
}

#[test]
fn next_and_send_go_straight_to_the_sub_generator_and_its_return_is_the_value() -> PyResult<()> {
    let log = Log::default();
    let g = outer(log.clone());
    assert_eq!(g.next()?, Step::Yielded("inner 1")); // primed automatically
    assert_eq!(g.send("a")?, Step::Yielded("inner 2"));
    assert_eq!(g.send("b")?, Step::Yielded("outer"));
    assert_eq!(
        log.take(),
        ["inner got a", "inner got b", "outer got inner result"]
    );
    Ok(())
}
// ANCHOR_END: forwarding

// ANCHOR: throw_bubbles
fn level3() -> Gen<String> {
    generator!(|co| {
            suspend!(co, "3".to_string())?;
            Ok(())
        },
    )
}

fn level2() -> Gen<String> {
    generator!(|co| yield_from!(co, level3()),
    )
}

fn level1() -> Gen<String> {
    generator!(|co| {
            match yield_from!(co, level2()) {
                Err(e) if exception_name(&e) == "KeyError" => {
                    suspend!(co, format!("level1 caught {e}"))?;
                }
                other => other?,
            }
            Ok(())
        },
    )
}

#[test]
fn a_thrown_exception_bubbles_up_through_every_level_until_one_catches_it() -> PyResult<()> {
    let g = level1();
    assert_eq!(g.next()?, Step::Yielded("3".to_string()));
    let caught = g.throw(PyException::new("KeyError", "'k'"))?;
    assert_eq!(caught, Step::Yielded("level1 caught 'k'".to_string()));
    Ok(())
}
// ANCHOR_END: throw_bubbles

#[test]
fn an_exception_nobody_catches_reaches_the_caller_and_closes_every_level() {
    let middle = Rc::new(level2());
    let shared = middle.clone();
    let top: Gen<String> = generator!(|co| yield_from!(co, shared),
    );
    top.next().unwrap();
    let e = top.throw(ValueError::new("nobody catches me")).unwrap_err();
    assert!(e.is::<ValueError>());
    assert_eq!(top.state(), GeneratorState::Closed);
    assert_eq!(middle.state(), GeneratorState::Closed);
}

// ANCHOR: throw_returns
#[test]
fn a_sub_generator_that_returns_on_throw_gives_yield_from_its_value() -> PyResult<()> {
    let answers_throw: Gen<&str, (), &str> = generator!(|co| match suspend!(co, "1") {
            Err(e) if e.is::<ValueError>() => Ok("returned on throw"),
            other => other.map(|_| "sent"),
        },
    );
    let delegator: Gen<&str> = generator!(|co| {
            let r = yield_from!(co, answers_throw)?;
            suspend!(co, r)?;
            Ok(())
        },
    );
    assert_eq!(delegator.next()?, Step::Yielded("1"));
    assert_eq!(
        delegator.throw(ValueError::default())?,
        Step::Yielded("returned on throw")
    );
    Ok(())
}
// ANCHOR_END: throw_returns

// ANCHOR: close_forwarded
#[test]
fn close_closes_the_sub_generator_first_then_raises_generator_exit_in_the_delegator() -> PyResult<()>
{
    let log = Log::default();
    let sub_log = log.clone();
    let sub: Gen<i32> = generator!(|co| {
            let _finally = Finally(move || sub_log.push("sub closed"));
            suspend!(co, 1)?;
            Ok(())
        },
    );
    let delegator_log = log.clone();
    let delegator: Gen<i32> = generator!(|co| {
            let result = yield_from!(co, sub);
            if let Err(e) = &result
                && e.is::<GeneratorExit>()
            {
                delegator_log.push("delegator got GeneratorExit");
            }
            result
        },
    );
    delegator.next()?;
    delegator.close()?;
    assert_eq!(log.take(), ["sub closed", "delegator got GeneratorExit"]);
    Ok(())
}
// ANCHOR_END: close_forwarded

// ANCHOR: close_raises
#[test]
fn an_exception_raised_by_the_sub_generators_close_bubbles_instead() -> PyResult<()> {
    let sub: Gen<i32> = generator!(|co| match suspend!(co, 1) {
            Err(e) if e.is::<GeneratorExit>() => Err(ValueError::new("sub failed to close").into()),
            other => other.map(drop),
        },
    );
    let delegator: Gen<i32> = generator!(|co| yield_from!(co, sub),
    );
    delegator.next()?;
    let e = delegator.close().unwrap_err();
    assert!(e.is::<ValueError>());
    assert_eq!(e.to_string(), "sub failed to close");
    Ok(())
}
// ANCHOR_END: close_raises

#[test]
fn a_thrown_generator_exit_is_forwarded_as_a_close() -> PyResult<()> {
    let log = Log::default();
    let sub_log = log.clone();
    let sub: Gen<i32> = generator!(|co| {
            let _finally = Finally(move || sub_log.push("sub closed"));
            loop {
                suspend!(co, 1)?;
            }
        },
    );
    let delegator: Gen<i32> = generator!(|co| yield_from!(co, sub),
    );
    delegator.next()?;
    let e = delegator.throw(GeneratorExit::default()).unwrap_err();
    assert!(e.is::<GeneratorExit>());
    assert_eq!(log.take(), ["sub closed"]);
    Ok(())
}

#[test]
fn a_sub_generator_returning_nothing_gives_unit() -> PyResult<()> {
    let delegator: Gen<i32, (), ((), i32)> = generator!(|co| {
            let () = yield_from!(co, iter([1]))?; // a plain iterator returns None
            let something = yield_from!(co, generator!(|co| {
                    suspend!(co, 2)?;
                    Ok(42)
                }
            ))?;
            Ok(((), something))
        },
    );
    assert_eq!(delegator.next()?, Step::Yielded(1));
    assert_eq!(delegator.next()?, Step::Yielded(2));
    assert_eq!(delegator.next()?, Step::Returned(((), 42)));
    Ok(())
}

// ANCHOR: plain_iterator
#[test]
fn a_plain_iterator_supports_next_only_as_python_objects_without_send_and_throw_do() -> PyResult<()>
{
    let from_range = || -> Gen<i32, i32> {
        generator!(|co| yield_from!(co, iter(0..3)),
        )
    };
    assert_eq!(
        from_range().map(Result::unwrap).collect::<Vec<_>>(),
        [0, 1, 2]
    );

    let g = from_range();
    g.next()?;
    let e = g.send(1).unwrap_err();
    assert!(e.is::<AttributeError>());
    assert_eq!(e.to_string(), "'range_iterator' object has no attribute 'send'");

    let g = from_range();
    g.next()?;
    let e = g.throw(ValueError::new("v")).unwrap_err(); // no throw: re-raised in g
    assert_eq!(e.to_string(), "v");
    Ok(())
}
// ANCHOR_END: plain_iterator

// ANCHOR: already_finished
#[test]
fn delegating_to_a_finished_generator_gives_none_at_once() -> PyResult<()> {
    let finished: Gen<i32, (), Option<i32>> = generator!(|co| {
            suspend!(co, 1)?;
            Ok(Some(5))
        },
    );
    assert_eq!(finished.next()?, Step::Yielded(1));
    assert_eq!(finished.next()?, Step::Returned(Some(5))); // the 5 is taken here
    let late: Gen<i32, (), Option<i32>> = generator!(|co| yield_from!(co, finished),
    );
    assert_eq!(late.next()?, Step::Returned(None)); // Python: None
    Ok(())
}
// ANCHOR_END: already_finished

// ANCHOR: closed_from_outside
#[test]
fn a_shared_sub_generator_closed_from_outside_gives_none_and_the_delegator_goes_on() -> PyResult<()>
{
    let log = Log::default();
    let sub: Rc<Gen<&str, (), Option<&str>>> = Rc::new(generator!(|co| {
            suspend!(co, "sub 1")?;
            suspend!(co, "sub 2")?;
            Ok(Some("sub done"))
        },
    ));
    let shared = sub.clone();
    let body_log = log.clone();
    let delegator: Gen<&str, (), ()> = generator!(|co| {
            let r = yield_from!(co, shared)?;
            body_log.push(format!("yield from gave {r:?}"));
            suspend!(co, "after")?;
            Ok(())
        },
    );
    assert_eq!(delegator.next()?, Step::Yielded("sub 1"));
    sub.close()?; // from outside, while the delegator waits on it
    assert_eq!(delegator.next()?, Step::Yielded("after")); // no RuntimeError
    assert_eq!(log.take(), ["yield from gave None"]);
    Ok(())
}
// ANCHOR_END: closed_from_outside

// ANCHOR: self_delegation
#[test]
fn a_generator_that_delegates_to_itself_gets_value_error_already_executing() {
    let me: Rc<Gen<i32>> = Rc::new_cyclic(|weak: &std::rc::Weak<Gen<i32>>| {
        let weak = weak.clone();
        generator!(|co| {
                let me = weak.upgrade().expect("alive while running");
                yield_from!(co, me)
            },
        )
    });
    let e = me.next().unwrap_err();
    assert!(e.is::<ValueError>());
    assert_eq!(e.to_string(), "generator already executing");
}
// ANCHOR_END: self_delegation

#[test]
fn values_from_three_levels_down_reach_the_outermost_caller_unchanged() -> PyResult<()> {
    let g = level1();
    assert_eq!(g.next()?, Step::Yielded("3".to_string()));
    assert_eq!(g.next()?, Step::Returned(()));
    Ok(())
}

#[test]
fn after_a_delegation_ends_by_throw_sends_reach_the_delegator_again() -> PyResult<()> {
    let log = Log::default();
    let sub: Gen<&str, &str, &str> = generator!(|co| loop {
            match suspend!(co, "sub") {
                Err(e) if e.is::<ValueError>() => return Ok("sub returned on throw"),
                other => {
                    other?;
                }
            }
        },
    );
    let body_log = log.clone();
    let delegator: Gen<&str, &str> = generator!(|co| {
            let r = yield_from!(co, sub)?;
            let sent = suspend!(co, r)?;
            body_log.push(format!("delegator got {}", sent.unwrap_or("None")));
            suspend!(co, "end")?;
            Ok(())
        },
    );
    assert_eq!(delegator.next()?, Step::Yielded("sub"));
    assert_eq!(delegator.send("to sub")?, Step::Yielded("sub"));
    assert_eq!(
        delegator.throw(ValueError::default())?,
        Step::Yielded("sub returned on throw")
    );
    assert_eq!(delegator.send("to delegator")?, Step::Yielded("end"));
    assert_eq!(log.take(), ["delegator got to delegator"]);
    Ok(())
}
