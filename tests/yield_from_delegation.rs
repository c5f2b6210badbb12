//! `yield from` (PEP 380): a transparent pipe between the caller and a sub-generator.
#![feature(coroutines)]

mod common;

use std::rc::Rc;

use common::{Finally, Log};
use pycoro::exceptions::{
    AttributeError, GeneratorExit, PyException, PyResult, ValueError, exception_name,
};
use pycoro::generators::{Generator, GeneratorState, Step};
use pycoro::yield_from::iter;
use pycoro::{yield_, yield_from};

// ANCHOR: forwarding
fn inner(log: Log) -> Generator<'static, &'static str, &'static str, &'static str> {
    Generator::new(
        #[coroutine]
        move |_| {
            let x = yield_!("inner 1")?;
            log.push(format!("inner got {}", x.unwrap_or("None")));
            let y = yield_!("inner 2")?;
            log.push(format!("inner got {}", y.unwrap_or("None")));
            Ok("inner result")
        },
    )
}

fn outer(log: Log) -> Generator<'static, &'static str, &'static str> {
    Generator::new(
        #[coroutine]
        move |_| {
            let r = yield_from!(inner(log.clone()))?;
            log.push(format!("outer got {r}"));
            yield_!("outer")?;
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
fn level3() -> Generator<'static, String> {
    Generator::new(
        #[coroutine]
        |_| {
            yield_!("3".to_string())?;
            Ok(())
        },
    )
}

fn level2() -> Generator<'static, String> {
    Generator::new(
        #[coroutine]
        |_| yield_from!(level3()),
    )
}

fn level1() -> Generator<'static, String> {
    Generator::new(
        #[coroutine]
        |_| {
            match yield_from!(level2()) {
                Err(e) if exception_name(&e) == "KeyError" => {
                    yield_!(format!("level1 caught {e}"))?;
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
    let top: Generator<String> = Generator::new(
        #[coroutine]
        move |_| yield_from!(shared),
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
    let answers_throw: Generator<&str, (), &str> = Generator::new(
        #[coroutine]
        |_| match yield_!("1") {
            Err(e) if e.is::<ValueError>() => Ok("returned on throw"),
            other => other.map(|_| "sent"),
        },
    );
    let delegator: Generator<&str> = Generator::new(
        #[coroutine]
        move |_| {
            let r = yield_from!(answers_throw)?;
            yield_!(r)?;
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
    let sub: Generator<i32> = Generator::new(
        #[coroutine]
        move |_| {
            let _finally = Finally(move || sub_log.push("sub closed"));
            yield_!(1)?;
            Ok(())
        },
    );
    let delegator_log = log.clone();
    let delegator: Generator<i32> = Generator::new(
        #[coroutine]
        move |_| {
            let result = yield_from!(sub);
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
    let sub: Generator<i32> = Generator::new(
        #[coroutine]
        |_| match yield_!(1) {
            Err(e) if e.is::<GeneratorExit>() => Err(ValueError::new("sub failed to close").into()),
            other => other.map(drop),
        },
    );
    let delegator: Generator<i32> = Generator::new(
        #[coroutine]
        move |_| yield_from!(sub),
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
    let sub: Generator<i32> = Generator::new(
        #[coroutine]
        move |_| {
            let _finally = Finally(move || sub_log.push("sub closed"));
            loop {
                yield_!(1)?;
            }
        },
    );
    let delegator: Generator<i32> = Generator::new(
        #[coroutine]
        move |_| yield_from!(sub),
    );
    delegator.next()?;
    let e = delegator.throw(GeneratorExit::default()).unwrap_err();
    assert!(e.is::<GeneratorExit>());
    assert_eq!(log.take(), ["sub closed"]);
    Ok(())
}

#[test]
fn a_sub_generator_returning_nothing_gives_unit() -> PyResult<()> {
    let delegator: Generator<i32, (), ((), i32)> = Generator::new(
        #[coroutine]
        |_| {
            let () = yield_from!(iter([1]))?; // a plain iterator returns None
            let something = yield_from!(Generator::<i32, (), i32>::new(
                #[coroutine]
                |_| {
                    yield_!(2)?;
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
    let from_range = || -> Generator<'static, i32, i32> {
        Generator::new(
            #[coroutine]
            |_| yield_from!(iter(0..3)),
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
    assert_eq!(e.to_string(), "'Range<i32>' object has no attribute 'send'");

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
    let finished: Generator<i32, (), Option<i32>> = Generator::new(
        #[coroutine]
        |_| {
            yield_!(1)?;
            Ok(Some(5))
        },
    );
    assert_eq!(finished.next()?, Step::Yielded(1));
    assert_eq!(finished.next()?, Step::Returned(Some(5))); // the 5 is taken here
    let late: Generator<i32, (), Option<i32>> = Generator::new(
        #[coroutine]
        move |_| yield_from!(finished),
    );
    assert_eq!(late.next()?, Step::Returned(None)); // Python: None
    Ok(())
}
// ANCHOR_END: already_finished

// ANCHOR: self_delegation
#[test]
fn a_generator_that_delegates_to_itself_gets_value_error_already_executing() {
    let me: Rc<Generator<i32>> = Rc::new_cyclic(|weak: &std::rc::Weak<Generator<i32>>| {
        let weak = weak.clone();
        Generator::new(
            #[coroutine]
            move |_| {
                let me = weak.upgrade().expect("alive while running");
                yield_from!(me)
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
    let sub: Generator<&str, &str, &str> = Generator::new(
        #[coroutine]
        |_| loop {
            match yield_!("sub") {
                Err(e) if e.is::<ValueError>() => return Ok("sub returned on throw"),
                other => {
                    other?;
                }
            }
        },
    );
    let body_log = log.clone();
    let delegator: Generator<&str, &str> = Generator::new(
        #[coroutine]
        move |_| {
            let r = yield_from!(sub)?;
            let sent = yield_!(r)?;
            body_log.push(format!("delegator got {}", sent.unwrap_or("None")));
            yield_!("end")?;
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
