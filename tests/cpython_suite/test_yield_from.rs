//! CPython 3.11's `Lib/test/test_yield_from.py`: the PEP 380 suite, adapted by CPython
//! from Greg Ewing's original tests. One `#[test]` per `test_*` method, with the
//! Python's key lines above it.
//!
//! Not carried (see `not_applicable.toml`):
//! `test_broken_getattr_handling`, `test_delegator_is_visible_to_debugger` and
//! `test_close_with_cleared_frame` cannot be said in Rust.

/// `class TestPEP380Operation(unittest.TestCase)`: "Test semantics."
mod test_pep380_operation {
    use std::cell::{Cell, RefCell};
    use std::rc::{Rc, Weak};

    use crate::support::*;

    /// Test delegation of initial next() call to subgenerator
    #[test]
    fn test_delegation_of_initial_next_to_subgenerator() -> PyResult<()> {
        // def g1():
        //     trace.append("Starting g1")
        //     yield from g2()
        //     trace.append("Finishing g1")
        fn g1(trace: Log) -> Gen<i32> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Starting g1");
                    yield_from!(g2(trace.clone()))?;
                    trace.push("Finishing g1");
                    Ok(())
                },
            )
        }
        // def g2():
        //     trace.append("Starting g2")
        //     yield 42
        //     trace.append("Finishing g2")
        fn g2(trace: Log) -> Gen<i32> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Starting g2");
                    yield_!(42)?;
                    trace.push("Finishing g2");
                    Ok(())
                },
            )
        }
        let trace = Log::default();
        // for x in g1():
        //     trace.append("Yielded %s" % (x,))
        for x in g1(trace.clone()) {
            trace.push(format!("Yielded {}", x?));
        }
        assert_eq!(
            trace.take(),
            [
                "Starting g1",
                "Starting g2",
                "Yielded 42",
                "Finishing g2",
                "Finishing g1",
            ]
        );
        Ok(())
    }

    /// Test raising exception in initial next() call
    #[test]
    fn test_raising_exception_in_initial_next_call() {
        // def g1():
        //     try:
        //         trace.append("Starting g1")
        //         yield from g2()
        //     finally:
        //         trace.append("Finishing g1")
        fn g1(trace: Log) -> Gen<i32> {
            Generator::new(
                #[coroutine]
                move |_| {
                    let _finally = finally(&trace, "Finishing g1");
                    trace.push("Starting g1");
                    yield_from!(g2(trace.clone()))
                },
            )
        }
        // def g2():
        //     try:
        //         trace.append("Starting g2")
        //         raise ValueError("spanish inquisition occurred")
        //     finally:
        //         trace.append("Finishing g2")
        fn g2(trace: Log) -> Gen<i32> {
            Generator::new(
                #[coroutine]
                move |_| {
                    let _finally = finally(&trace, "Finishing g2");
                    trace.push("Starting g2");
                    Err(ValueError::new("spanish inquisition occurred").into())
                },
            )
        }
        let trace = Log::default();
        let e = for_each(&g1(trace.clone()), |x| trace.push(format!("Yielded {x}")))
            .expect_err("subgenerator failed to raise ValueError");
        assert!(e.is::<ValueError>());
        assert_eq!(e.to_string(), "spanish inquisition occurred");
        assert_eq!(
            trace.take(),
            ["Starting g1", "Starting g2", "Finishing g2", "Finishing g1"]
        );
    }

    /// Test delegation of next() call to subgenerator
    #[test]
    fn test_delegation_of_next_call_to_subgenerator() -> PyResult<()> {
        // def g1():
        //     trace.append("Starting g1")
        //     yield "g1 ham"
        //     yield from g2()
        //     yield "g1 eggs"
        //     trace.append("Finishing g1")
        fn g1(trace: Log) -> Gen<&'static str> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Starting g1");
                    yield_!("g1 ham")?;
                    yield_from!(g2(trace.clone()))?;
                    yield_!("g1 eggs")?;
                    trace.push("Finishing g1");
                    Ok(())
                },
            )
        }
        // def g2():
        //     trace.append("Starting g2")
        //     yield "g2 spam"
        //     yield "g2 more spam"
        //     trace.append("Finishing g2")
        fn g2(trace: Log) -> Gen<&'static str> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Starting g2");
                    yield_!("g2 spam")?;
                    yield_!("g2 more spam")?;
                    trace.push("Finishing g2");
                    Ok(())
                },
            )
        }
        let trace = Log::default();
        for x in g1(trace.clone()) {
            trace.push(format!("Yielded {}", x?));
        }
        assert_eq!(
            trace.take(),
            [
                "Starting g1",
                "Yielded g1 ham",
                "Starting g2",
                "Yielded g2 spam",
                "Yielded g2 more spam",
                "Finishing g2",
                "Yielded g1 eggs",
                "Finishing g1",
            ]
        );
        Ok(())
    }

    /// Test raising exception in delegated next() call
    #[test]
    fn test_raising_exception_in_delegated_next_call() {
        // def g1():
        //     try:
        //         trace.append("Starting g1")
        //         yield "g1 ham"
        //         yield from g2()
        //         yield "g1 eggs"
        //     finally:
        //         trace.append("Finishing g1")
        fn g1(trace: Log) -> Gen<&'static str> {
            Generator::new(
                #[coroutine]
                move |_| {
                    let _finally = finally(&trace, "Finishing g1");
                    trace.push("Starting g1");
                    yield_!("g1 ham")?;
                    yield_from!(g2(trace.clone()))?;
                    yield_!("g1 eggs")?;
                    Ok(())
                },
            )
        }
        // def g2():
        //     try:
        //         trace.append("Starting g2")
        //         yield "g2 spam"
        //         raise ValueError("hovercraft is full of eels")
        //         yield "g2 more spam"
        //     finally:
        //         trace.append("Finishing g2")
        fn g2(trace: Log) -> Gen<&'static str> {
            Generator::new(
                #[coroutine]
                move |_| {
                    let _finally = finally(&trace, "Finishing g2");
                    trace.push("Starting g2");
                    yield_!("g2 spam")?;
                    Err(ValueError::new("hovercraft is full of eels").into())
                },
            )
        }
        let trace = Log::default();
        let e = for_each(&g1(trace.clone()), |x| trace.push(format!("Yielded {x}")))
            .expect_err("subgenerator failed to raise ValueError");
        assert!(e.is::<ValueError>());
        assert_eq!(e.to_string(), "hovercraft is full of eels");
        assert_eq!(
            trace.take(),
            [
                "Starting g1",
                "Yielded g1 ham",
                "Starting g2",
                "Yielded g2 spam",
                "Finishing g2",
                "Finishing g1",
            ]
        );
    }

    /// Test delegation of send()
    #[test]
    fn test_delegation_of_send() -> PyResult<()> {
        // def g1():
        //     trace.append("Starting g1")
        //     x = yield "g1 ham"
        //     trace.append("g1 received %s" % (x,))
        //     yield from g2()
        //     x = yield "g1 eggs"
        //     trace.append("g1 received %s" % (x,))
        //     trace.append("Finishing g1")
        fn g1(trace: Log) -> Gen<&'static str, i32> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Starting g1");
                    let x = yield_!("g1 ham")?;
                    trace.push(format!("g1 received {}", OrNone(&x)));
                    yield_from!(g2(trace.clone()))?;
                    let x = yield_!("g1 eggs")?;
                    trace.push(format!("g1 received {}", OrNone(&x)));
                    trace.push("Finishing g1");
                    Ok(())
                },
            )
        }
        // def g2():
        //     trace.append("Starting g2")
        //     x = yield "g2 spam"
        //     trace.append("g2 received %s" % (x,))
        //     x = yield "g2 more spam"
        //     trace.append("g2 received %s" % (x,))
        //     trace.append("Finishing g2")
        fn g2(trace: Log) -> Gen<&'static str, i32> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Starting g2");
                    let x = yield_!("g2 spam")?;
                    trace.push(format!("g2 received {}", OrNone(&x)));
                    let x = yield_!("g2 more spam")?;
                    trace.push(format!("g2 received {}", OrNone(&x)));
                    trace.push("Finishing g2");
                    Ok(())
                },
            )
        }
        let trace = Log::default();
        // g = g1()
        // y = next(g)
        // x = 1
        // try:
        //     while 1:
        //         y = g.send(x)
        //         trace.append("Yielded %s" % (y,))
        //         x += 1
        // except StopIteration:
        //     pass
        let g = g1(trace.clone());
        g.next()?;
        let mut x = 1;
        while let Step::Yielded(y) = g.send(x)? {
            trace.push(format!("Yielded {y}"));
            x += 1;
        }
        assert_eq!(
            trace.take(),
            [
                "Starting g1",
                "g1 received 1",
                "Starting g2",
                "Yielded g2 spam",
                "g2 received 2",
                "Yielded g2 more spam",
                "g2 received 3",
                "Finishing g2",
                "Yielded g1 eggs",
                "g1 received 4",
                "Finishing g1",
            ]
        );
        Ok(())
    }

    /// Test handling exception while delegating 'send'
    #[test]
    fn test_handling_exception_while_delegating_send() {
        fn g1(trace: Log) -> Gen<&'static str, i32> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Starting g1");
                    let x = yield_!("g1 ham")?;
                    trace.push(format!("g1 received {}", OrNone(&x)));
                    yield_from!(g2(trace.clone()))?;
                    let x = yield_!("g1 eggs")?;
                    trace.push(format!("g1 received {}", OrNone(&x)));
                    trace.push("Finishing g1");
                    Ok(())
                },
            )
        }
        // def g2():
        //     trace.append("Starting g2")
        //     x = yield "g2 spam"
        //     trace.append("g2 received %s" % (x,))
        //     raise ValueError("hovercraft is full of eels")
        fn g2(trace: Log) -> Gen<&'static str, i32> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Starting g2");
                    let x = yield_!("g2 spam")?;
                    trace.push(format!("g2 received {}", OrNone(&x)));
                    Err(ValueError::new("hovercraft is full of eels").into())
                },
            )
        }
        let trace = Log::default();
        // def run():
        //     g = g1()
        //     y = next(g)
        //     x = 1
        //     try:
        //         while 1:
        //             y = g.send(x)
        //             trace.append("Yielded %s" % (y,))
        //             x += 1
        //     except StopIteration:
        //         trace.append("StopIteration")
        // self.assertRaises(ValueError,run)
        let run = || -> PyResult<()> {
            let g = g1(trace.clone());
            g.next()?;
            let mut x = 1;
            while let Step::Yielded(y) = g.send(x)? {
                trace.push(format!("Yielded {y}"));
                x += 1;
            }
            trace.push("StopIteration");
            Ok(())
        };
        assert!(run().unwrap_err().is::<ValueError>());
        assert_eq!(
            trace.take(),
            [
                "Starting g1",
                "g1 received 1",
                "Starting g2",
                "Yielded g2 spam",
                "g2 received 2",
            ]
        );
    }

    /// g1 and g2 of the close and throw tests: `try: ... finally:` around two yields each.
    ///
    /// ```python
    /// def g1():
    ///     try:
    ///         trace.append("Starting g1")
    ///         yield "g1 ham"
    ///         yield from g2()
    ///         yield "g1 eggs"
    ///     finally:
    ///         trace.append("Finishing g1")
    /// def g2():
    ///     try:
    ///         trace.append("Starting g2")
    ///         yield "g2 spam"
    ///         yield "g2 more spam"
    ///     finally:
    ///         trace.append("Finishing g2")
    /// ```
    fn g1_ham_eggs(trace: Log, g2: Gen<&'static str>) -> Gen<&'static str> {
        Generator::new(
            #[coroutine]
            move |_| {
                let _finally = finally(&trace, "Finishing g1");
                trace.push("Starting g1");
                yield_!("g1 ham")?;
                yield_from!(g2)?;
                yield_!("g1 eggs")?;
                Ok(())
            },
        )
    }

    fn g2_spam(trace: Log) -> Gen<&'static str> {
        Generator::new(
            #[coroutine]
            move |_| {
                let _finally = finally(&trace, "Finishing g2");
                trace.push("Starting g2");
                yield_!("g2 spam")?;
                yield_!("g2 more spam")?;
                Ok(())
            },
        )
    }

    /// Test delegating 'close'
    #[test]
    fn test_delegating_close() -> PyResult<()> {
        let trace = Log::default();
        // g = g1()
        // for i in range(2):
        //     x = next(g)
        //     trace.append("Yielded %s" % (x,))
        // g.close()
        let g = g1_ham_eggs(trace.clone(), g2_spam(trace.clone()));
        for _ in 0..2 {
            let x = g.next()?.yielded()?;
            trace.push(format!("Yielded {x}"));
        }
        g.close()?;
        assert_eq!(
            trace.take(),
            [
                "Starting g1",
                "Yielded g1 ham",
                "Starting g2",
                "Yielded g2 spam",
                "Finishing g2",
                "Finishing g1",
            ]
        );
        Ok(())
    }

    /// Test handling exception while delegating 'close'
    #[test]
    fn test_handing_exception_while_delegating_close() {
        // def g2():
        //     try:
        //         trace.append("Starting g2")
        //         yield "g2 spam"
        //         yield "g2 more spam"
        //     finally:
        //         trace.append("Finishing g2")
        //         raise ValueError("nybbles have exploded with delight")
        fn g2(trace: Log) -> Gen<&'static str> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Starting g2");
                    let escaping = match yield_!("g2 spam") {
                        Ok(_) => yield_!("g2 more spam").err(),
                        Err(e) => Some(e),
                    };
                    // finally: raised while what escaped the `try` is handled
                    trace.push("Finishing g2");
                    let raised = ValueError::new("nybbles have exploded with delight");
                    Err(match &escaping {
                        Some(escaping) => raised.during(escaping),
                        None => raised.into(),
                    })
                },
            )
        }
        let trace = Log::default();
        // try:
        //     g = g1()
        //     for i in range(2):
        //         x = next(g)
        //         trace.append("Yielded %s" % (x,))
        //     g.close()
        // except ValueError as e:
        //     self.assertEqual(e.args[0], "nybbles have exploded with delight")
        //     self.assertIsInstance(e.__context__, GeneratorExit)
        // else:
        //     self.fail("subgenerator failed to raise ValueError")
        let g = g1_ham_eggs(trace.clone(), g2(trace.clone()));
        for _ in 0..2 {
            let x = g.next().unwrap().yielded().unwrap();
            trace.push(format!("Yielded {x}"));
        }
        let e = g
            .close()
            .expect_err("subgenerator failed to raise ValueError");
        assert!(e.is::<ValueError>());
        assert_eq!(args(&e)[0].str(), "nybbles have exploded with delight");
        assert!(context(&e).unwrap().isinstance::<GeneratorExit>());
        assert_eq!(
            trace.take(),
            [
                "Starting g1",
                "Yielded g1 ham",
                "Starting g2",
                "Yielded g2 spam",
                "Finishing g2",
                "Finishing g1",
            ]
        );
    }

    /// Test delegating 'throw'
    #[test]
    fn test_delegating_throw() {
        let trace = Log::default();
        // try:
        //     g = g1()
        //     for i in range(2):
        //         x = next(g)
        //         trace.append("Yielded %s" % (x,))
        //     e = ValueError("tomato ejected")
        //     g.throw(e)
        // except ValueError as e:
        //     self.assertEqual(e.args[0], "tomato ejected")
        // else:
        //     self.fail("subgenerator failed to raise ValueError")
        let outcome = (|| -> PyResult<()> {
            let g = g1_ham_eggs(trace.clone(), g2_spam(trace.clone()));
            for _ in 0..2 {
                let x = g.next()?.yielded()?;
                trace.push(format!("Yielded {x}"));
            }
            g.throw(ValueError::new("tomato ejected"))?;
            Ok(())
        })();
        let e = outcome.expect_err("subgenerator failed to raise ValueError");
        assert!(e.is::<ValueError>());
        assert_eq!(e.to_string(), "tomato ejected");
        assert_eq!(
            trace.take(),
            [
                "Starting g1",
                "Yielded g1 ham",
                "Starting g2",
                "Yielded g2 spam",
                "Finishing g2",
                "Finishing g1",
            ]
        );
    }

    /// Test 'value' attribute of StopIteration exception
    #[test]
    #[allow(non_snake_case)] // CPython's name
    fn test_value_attribute_of_StopIteration_exception() {
        let trace = Log::default();
        // def pex(e):
        //     trace.append("%s: %s" % (e.__class__.__name__, e))
        //     trace.append("value = %s" % (e.value,))
        let pex = |e: &StopIteration| {
            trace.push(format!("{}: {e}", e.class().name()));
            let value = e.value().map_or("None".to_owned(), |v| v.str());
            trace.push(format!("value = {value}"));
        };
        // e = StopIteration()
        // pex(e)
        // e = StopIteration("spam")
        // pex(e)
        // e.value = "eggs"
        // pex(e)
        let e = StopIteration::default();
        pex(&e);
        let mut e = StopIteration::new("spam");
        pex(&e);
        e.set_value("eggs");
        pex(&e);
        assert_eq!(
            trace.take(),
            [
                "StopIteration: ",
                "value = None",
                "StopIteration: spam",
                "value = spam",
                "StopIteration: spam",
                "value = eggs",
            ]
        );
    }

    // There used to be a refcount error when the return value
    // stored in the StopIteration has a refcount of 1.
    #[test]
    fn test_exception_value_crash() -> PyResult<()> {
        // def g1():
        //     yield from g2()
        // def g2():
        //     yield "g2"
        //     return [42]
        // self.assertEqual(list(g1()), ["g2"])
        fn g1() -> Gen<&'static str> {
            Generator::new(
                #[coroutine]
                |_| {
                    yield_from!(g2())?;
                    Ok(())
                },
            )
        }
        fn g2() -> Gen<&'static str, (), Vec<i64>> {
            Generator::new(
                #[coroutine]
                |_| {
                    yield_!("g2")?;
                    Ok(vec![42])
                },
            )
        }
        assert_eq!(g1().collect::<PyResult<Vec<_>>>()?, ["g2"]);
        Ok(())
    }

    /// Test generator return value
    #[test]
    fn test_generator_return_value() -> PyResult<()> {
        // def g1():
        //     trace.append("Starting g1")
        //     yield "g1 ham"
        //     ret = yield from g2()
        //     trace.append("g2 returned %r" % (ret,))
        //     for v in 1, (2,), StopIteration(3):
        //         ret = yield from g2(v)
        //         trace.append("g2 returned %r" % (ret,))
        //     yield "g1 eggs"
        //     trace.append("Finishing g1")
        fn g1(trace: Log) -> Gen<&'static str> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Starting g1");
                    yield_!("g1 ham")?;
                    let ret = yield_from!(g2(trace.clone(), Value::None))?;
                    trace.push(format!("g2 returned {}", ret.repr()));
                    for v in [
                        Value::Int(1),
                        Value::Tuple(vec![Value::Int(2)]),
                        Value::stop_iteration(Value::Int(3)),
                    ] {
                        let ret = yield_from!(g2(trace.clone(), v))?;
                        trace.push(format!("g2 returned {}", ret.repr()));
                    }
                    yield_!("g1 eggs")?;
                    trace.push("Finishing g1");
                    Ok(())
                },
            )
        }
        // def g2(v = None):
        //     trace.append("Starting g2")
        //     yield "g2 spam"
        //     yield "g2 more spam"
        //     trace.append("Finishing g2")
        //     if v:
        //         return v
        fn g2(trace: Log, v: Value) -> Gen<&'static str, (), Value> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Starting g2");
                    yield_!("g2 spam")?;
                    yield_!("g2 more spam")?;
                    trace.push("Finishing g2");
                    if v.truthy() {
                        return Ok(v);
                    }
                    Ok(Value::None)
                },
            )
        }
        let trace = Log::default();
        for x in g1(trace.clone()) {
            trace.push(format!("Yielded {}", x?));
        }
        assert_eq!(
            trace.take(),
            [
                "Starting g1",
                "Yielded g1 ham",
                "Starting g2",
                "Yielded g2 spam",
                "Yielded g2 more spam",
                "Finishing g2",
                "g2 returned None",
                "Starting g2",
                "Yielded g2 spam",
                "Yielded g2 more spam",
                "Finishing g2",
                "g2 returned 1",
                "Starting g2",
                "Yielded g2 spam",
                "Yielded g2 more spam",
                "Finishing g2",
                "g2 returned (2,)",
                "Starting g2",
                "Yielded g2 spam",
                "Yielded g2 more spam",
                "Finishing g2",
                "g2 returned StopIteration(3)",
                "Yielded g1 eggs",
                "Finishing g1",
            ]
        );
        Ok(())
    }

    /// Test delegation of next() to non-generator
    #[test]
    fn test_delegation_of_next_to_non_generator() -> PyResult<()> {
        // def g():
        //     yield from range(3)
        // for x in g():
        //     trace.append("Yielded %s" % (x,))
        let g: Gen<i32> = Generator::new(
            #[coroutine]
            |_| yield_from!(iter(0..3)),
        );
        let trace = Log::default();
        for x in g {
            trace.push(format!("Yielded {}", x?));
        }
        assert_eq!(trace.take(), ["Yielded 0", "Yielded 1", "Yielded 2"]);
        Ok(())
    }

    /// Test conversion of send(None) to next()
    #[test]
    #[allow(non_snake_case)] // CPython's name
    fn test_conversion_of_sendNone_to_next() -> PyResult<()> {
        // def g():
        //     yield from range(3)
        // gi = g()
        // for x in range(3):
        //     y = gi.send(None)
        //     trace.append("Yielded: %s" % (y,))
        let gi: Gen<i32, i32> = Generator::new(
            #[coroutine]
            |_| yield_from!(iter(0..3)),
        );
        let trace = Log::default();
        for _ in 0..3 {
            let y = gi.send(None)?.yielded()?;
            trace.push(format!("Yielded: {y}"));
        }
        assert_eq!(trace.take(), ["Yielded: 0", "Yielded: 1", "Yielded: 2"]);
        Ok(())
    }

    /// `try: trace.append("starting g"); yield from range(3); trace.append("g should
    /// not be here") finally: trace.append("finishing g")`, sent `S`.
    fn g_over_range<S: 'static>(trace: Log) -> Gen<i32, S> {
        Generator::new(
            #[coroutine]
            move |_| {
                let _finally = finally(&trace, "finishing g");
                trace.push("starting g");
                yield_from!(iter(0..3))?;
                trace.push("g should not be here");
                Ok(())
            },
        )
    }

    /// Test delegation of close() to non-generator
    #[test]
    fn test_delegation_of_close_to_non_generator() -> PyResult<()> {
        // gi = g()
        // next(gi)
        // with captured_stderr() as output:
        //     gi.close()
        // self.assertEqual(output.getvalue(), '')
        let trace = Log::default();
        let gi: Gen<i32> = g_over_range(trace.clone());
        gi.next()?;
        // What a close writes to stderr is an unraisable report: there is none.
        let (reports, closed) = unraisable_reports(|| gi.close());
        closed?;
        assert_eq!(reports, Vec::<String>::new());
        assert_eq!(trace.take(), ["starting g", "finishing g"]);
        Ok(())
    }

    /// Test delegating 'throw' to non-generator
    #[test]
    fn test_delegating_throw_to_non_generator() {
        // def g():
        //     try:
        //         trace.append("Starting g")
        //         yield from range(10)
        //     finally:
        //         trace.append("Finishing g")
        fn g(trace: Log) -> Gen<i32> {
            Generator::new(
                #[coroutine]
                move |_| {
                    let _finally = finally(&trace, "Finishing g");
                    trace.push("Starting g");
                    yield_from!(iter(0..10))
                },
            )
        }
        let trace = Log::default();
        // try:
        //     gi = g()
        //     for i in range(5):
        //         x = next(gi)
        //         trace.append("Yielded %s" % (x,))
        //     e = ValueError("tomato ejected")
        //     gi.throw(e)
        // except ValueError as e:
        //     self.assertEqual(e.args[0],"tomato ejected")
        let outcome = (|| -> PyResult<()> {
            let gi = g(trace.clone());
            for _ in 0..5 {
                let x = gi.next()?.yielded()?;
                trace.push(format!("Yielded {x}"));
            }
            gi.throw(ValueError::new("tomato ejected"))?;
            Ok(())
        })();
        let e = outcome.expect_err("subgenerator failed to raise ValueError");
        assert!(e.is::<ValueError>());
        assert_eq!(e.to_string(), "tomato ejected");
        assert_eq!(
            trace.take(),
            [
                "Starting g",
                "Yielded 0",
                "Yielded 1",
                "Yielded 2",
                "Yielded 3",
                "Yielded 4",
                "Finishing g",
            ]
        );
    }

    /// Test attempting to send to non-generator
    #[test]
    fn test_attempting_to_send_to_non_generator() {
        // try:
        //     gi = g()
        //     next(gi)
        //     for x in range(3):
        //         y = gi.send(42)
        //         trace.append("Should not have yielded: %s" % (y,))
        // except AttributeError as e:
        //     self.assertIn("send", e.args[0])
        let trace = Log::default();
        let outcome = (|| -> PyResult<()> {
            let gi: Gen<i32, i32> = g_over_range(trace.clone());
            gi.next()?;
            for _ in 0..3 {
                let y = gi.send(42)?.yielded()?;
                trace.push(format!("Should not have yielded: {y}"));
            }
            Ok(())
        })();
        let e = outcome.expect_err("was able to send into non-generator");
        assert!(e.is::<AttributeError>());
        assert!(e.to_string().contains("send"), "{e}");
        assert_eq!(trace.take(), ["starting g", "finishing g"]);
    }

    /// Test exception in initial next() call
    #[test]
    fn test_exception_in_initial_next_call() {
        // def g1():
        //     trace.append("g1 about to yield from g2")
        //     yield from g2()
        //     trace.append("g1 should not be here")
        fn g1(trace: Log) -> Gen<f64> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("g1 about to yield from g2");
                    yield_from!(g2())?;
                    trace.push("g1 should not be here");
                    Ok(())
                },
            )
        }
        // def g2():
        //     yield 1/0
        fn g2() -> Gen<f64> {
            Generator::new(
                #[coroutine]
                |_| {
                    yield_!(true_div(1, 0)?)?;
                    Ok(())
                },
            )
        }
        // def run():
        //     gi = g1()
        //     next(gi)
        // self.assertRaises(ZeroDivisionError,run)
        let trace = Log::default();
        let run = || g1(trace.clone()).next();
        assert!(run().unwrap_err().is::<ZeroDivisionError>());
        assert_eq!(trace.take(), ["g1 about to yield from g2"]);
    }

    /// Test attempted yield-from loop
    #[test]
    fn test_attempted_yield_from_loop() {
        // def g1():
        //     trace.append("g1: starting")
        //     yield "y1"
        //     trace.append("g1: about to yield from g2")
        //     yield from g2()
        //     trace.append("g1 should not be here")
        fn g1(trace: Log, gi: Weak<Gen<&'static str>>) -> Gen<&'static str> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("g1: starting");
                    yield_!("y1")?;
                    trace.push("g1: about to yield from g2");
                    yield_from!(g2(trace.clone(), gi.upgrade().expect("gi is alive")))?;
                    trace.push("g1 should not be here");
                    Ok(())
                },
            )
        }
        // def g2():
        //     trace.append("g2: starting")
        //     yield "y2"
        //     trace.append("g2: about to yield from g1")
        //     yield from gi
        //     trace.append("g2 should not be here")
        fn g2(trace: Log, gi: Rc<Gen<&'static str>>) -> Gen<&'static str> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("g2: starting");
                    yield_!("y2")?;
                    trace.push("g2: about to yield from g1");
                    yield_from!(gi.clone())?;
                    trace.push("g2 should not be here");
                    Ok(())
                },
            )
        }
        // try:
        //     gi = g1()
        //     for y in gi:
        //         trace.append("Yielded: %s" % (y,))
        // except ValueError as e:
        //     self.assertEqual(e.args[0],"generator already executing")
        let trace = Log::default();
        let gi = Rc::new_cyclic(|gi| g1(trace.clone(), gi.clone()));
        let e = for_each(&gi, |y| trace.push(format!("Yielded: {y}")))
            .expect_err("subgenerator didn't raise ValueError");
        assert!(e.is::<ValueError>());
        assert_eq!(e.to_string(), "generator already executing");
        assert_eq!(
            trace.take(),
            [
                "g1: starting",
                "Yielded: y1",
                "g1: about to yield from g2",
                "g2: starting",
                "Yielded: y2",
                "g2: about to yield from g1",
            ]
        );
    }

    /// Test returning value from delegated 'throw'
    #[test]
    fn test_returning_value_from_delegated_throw() -> PyResult<()> {
        // def g2():
        //     try:
        //         trace.append("Starting g2")
        //         yield "g2 spam"
        //         yield "g2 more spam"
        //     except LunchError:
        //         trace.append("Caught LunchError in g2")
        //         yield "g2 lunch saved"
        //         yield "g2 yet more spam"
        fn g2(trace: Log) -> Gen<&'static str> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Starting g2");
                    let tried = match yield_!("g2 spam") {
                        Ok(_) => yield_!("g2 more spam").map(drop),
                        Err(e) => Err(e),
                    };
                    match tried {
                        Err(e) if exception_name(&e) == "LunchError" => {
                            trace.push("Caught LunchError in g2");
                            yield_!("g2 lunch saved")?;
                            yield_!("g2 yet more spam")?;
                            Ok(())
                        }
                        other => other,
                    }
                },
            )
        }
        // class LunchError(Exception):
        //     pass
        // g = g1()
        // for i in range(2):
        //     x = next(g)
        //     trace.append("Yielded %s" % (x,))
        // e = LunchError("tomato ejected")
        // g.throw(e)
        // for x in g:
        //     trace.append("Yielded %s" % (x,))
        let trace = Log::default();
        let mut g = g1_ham_eggs(trace.clone(), g2(trace.clone()));
        for _ in 0..2 {
            let x = g.next()?.yielded()?;
            trace.push(format!("Yielded {x}"));
        }
        g.throw(PyException::new("LunchError", "tomato ejected"))?;
        for x in &mut g {
            trace.push(format!("Yielded {}", x?));
        }
        assert_eq!(
            trace.take(),
            [
                "Starting g1",
                "Yielded g1 ham",
                "Starting g2",
                "Yielded g2 spam",
                "Caught LunchError in g2",
                "Yielded g2 yet more spam",
                "Yielded g1 eggs",
                "Finishing g1",
            ]
        );
        Ok(())
    }

    // A generator's `return r` is what Python's caller catches as `StopIteration(r)`;
    // pycoro hands it out as `Ok(Step::Returned(r))` (the cheat sheet's row for
    // `except StopIteration as e: e.value`), which `Value::returned` turns back into
    // the exception object the trace prints.

    /// Test next and return with value
    #[test]
    fn test_next_and_return_with_value() -> PyResult<()> {
        // def f(r):
        //     gi = g(r)
        //     next(gi)
        //     try:
        //         trace.append("f resuming g")
        //         next(gi)
        //         trace.append("f SHOULD NOT BE HERE")
        //     except StopIteration as e:
        //         trace.append("f caught %r" % (e,))
        fn f(trace: &Log, r: Value) -> PyResult<()> {
            let gi = g(trace.clone(), r);
            gi.next()?;
            trace.push("f resuming g");
            match gi.next()? {
                Step::Yielded(()) => trace.push("f SHOULD NOT BE HERE"),
                Step::Returned(e) => trace.push(format!("f caught {}", e.returned().repr())),
            }
            Ok(())
        }
        // def g(r):
        //     trace.append("g starting")
        //     yield
        //     trace.append("g returning %r" % (r,))
        //     return r
        fn g(trace: Log, r: Value) -> Gen<(), (), Value> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("g starting");
                    yield_!()?;
                    trace.push(format!("g returning {}", r.repr()));
                    Ok(r)
                },
            )
        }
        let trace = Log::default();
        f(&trace, Value::None)?;
        f(&trace, Value::Int(1))?;
        f(&trace, Value::Tuple(vec![Value::Int(2)]))?;
        f(&trace, Value::stop_iteration(Value::Int(3)))?;
        assert_eq!(
            trace.take(),
            [
                "g starting",
                "f resuming g",
                "g returning None",
                "f caught StopIteration()",
                "g starting",
                "f resuming g",
                "g returning 1",
                "f caught StopIteration(1)",
                "g starting",
                "f resuming g",
                "g returning (2,)",
                "f caught StopIteration((2,))",
                "g starting",
                "f resuming g",
                "g returning StopIteration(3)",
                "f caught StopIteration(StopIteration(3))",
            ]
        );
        Ok(())
    }

    /// Test send and return with value
    #[test]
    fn test_send_and_return_with_value() -> PyResult<()> {
        // def f(r):
        //     gi = g(r)
        //     next(gi)
        //     try:
        //         trace.append("f sending spam to g")
        //         gi.send("spam")
        //         trace.append("f SHOULD NOT BE HERE")
        //     except StopIteration as e:
        //         trace.append("f caught %r" % (e,))
        fn f(trace: &Log, r: Value) -> PyResult<()> {
            let gi = g(trace.clone(), r);
            gi.next()?;
            trace.push("f sending spam to g");
            match gi.send(Value::from("spam"))? {
                Step::Yielded(()) => trace.push("f SHOULD NOT BE HERE"),
                Step::Returned(e) => trace.push(format!("f caught {}", e.returned().repr())),
            }
            Ok(())
        }
        // def g(r):
        //     trace.append("g starting")
        //     x = yield
        //     trace.append("g received %r" % (x,))
        //     trace.append("g returning %r" % (r,))
        //     return r
        fn g(trace: Log, r: Value) -> Gen<(), Value, Value> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("g starting");
                    let x = yield_!()?.unwrap_or(Value::None);
                    trace.push(format!("g received {}", x.repr()));
                    trace.push(format!("g returning {}", r.repr()));
                    Ok(r)
                },
            )
        }
        let trace = Log::default();
        f(&trace, Value::None)?;
        f(&trace, Value::Int(1))?;
        f(&trace, Value::Tuple(vec![Value::Int(2)]))?;
        f(&trace, Value::stop_iteration(Value::Int(3)))?;
        assert_eq!(
            trace.take(),
            [
                "g starting",
                "f sending spam to g",
                "g received 'spam'",
                "g returning None",
                "f caught StopIteration()",
                "g starting",
                "f sending spam to g",
                "g received 'spam'",
                "g returning 1",
                "f caught StopIteration(1)",
                "g starting",
                "f sending spam to g",
                "g received 'spam'",
                "g returning (2,)",
                "f caught StopIteration((2,))",
                "g starting",
                "f sending spam to g",
                "g received 'spam'",
                "g returning StopIteration(3)",
                "f caught StopIteration(StopIteration(3))",
            ]
        );
        Ok(())
    }

    /// Test catching an exception thrown into a
    /// subgenerator and returning a value
    #[test]
    fn test_catching_exception_from_subgen_and_returning() -> PyResult<()> {
        type Trace = Rc<RefCell<Vec<Value>>>;
        // def inner():
        //     try:
        //         yield 1
        //     except ValueError:
        //         trace.append("inner caught ValueError")
        //     return value
        fn inner(trace: Trace, value: Value) -> Gen<Value, (), Value> {
            Generator::new(
                #[coroutine]
                move |_| {
                    match yield_!(Value::Int(1)) {
                        Err(e) if e.is::<ValueError>() => {
                            trace.borrow_mut().push("inner caught ValueError".into());
                        }
                        other => {
                            other?;
                        }
                    }
                    Ok(value)
                },
            )
        }
        // def outer():
        //     v = yield from inner()
        //     trace.append("inner returned %r to outer" % (v,))
        //     yield v
        fn outer(trace: Trace, value: Value) -> Gen<Value> {
            Generator::new(
                #[coroutine]
                move |_| {
                    let v = yield_from!(inner(trace.clone(), value))?;
                    let line = format!("inner returned {} to outer", v.repr());
                    trace.borrow_mut().push(line.as_str().into());
                    yield_!(v)?;
                    Ok(())
                },
            )
        }
        // for value in 2, (2,), StopIteration(2):
        //     trace = []
        //     g = outer()
        //     trace.append(next(g))
        //     trace.append(repr(g.throw(ValueError)))
        //     self.assertEqual(trace, [
        //         1,
        //         "inner caught ValueError",
        //         "inner returned %r to outer" % (value,),
        //         repr(value),
        //     ])
        for value in [
            Value::Int(2),
            Value::Tuple(vec![Value::Int(2)]),
            Value::stop_iteration(Value::Int(2)),
        ] {
            let trace = Trace::default();
            let g = outer(trace.clone(), value.clone());
            let first = g.next()?.yielded()?;
            trace.borrow_mut().push(first);
            let thrown = g.throw(ValueError::default())?.yielded()?;
            trace.borrow_mut().push(thrown.repr().as_str().into());
            assert_eq!(
                *trace.borrow(),
                [
                    Value::Int(1),
                    "inner caught ValueError".into(),
                    format!("inner returned {} to outer", value.repr())
                        .as_str()
                        .into(),
                    value.repr().as_str().into(),
                ]
            );
        }
        Ok(())
    }

    /// Test throwing GeneratorExit into a subgenerator that
    /// catches it and returns normally.
    #[test]
    #[allow(non_snake_case)] // CPython's name
    fn test_throwing_GeneratorExit_into_subgen_that_returns() -> PyResult<()> {
        // def f():
        //     try:
        //         trace.append("Enter f")
        //         yield
        //         trace.append("Exit f")
        //     except GeneratorExit:
        //         return
        fn f(trace: Log) -> Gen<()> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Enter f");
                    match yield_!() {
                        Err(e) if e.is::<GeneratorExit>() => return Ok(()),
                        other => other?,
                    };
                    trace.push("Exit f");
                    Ok(())
                },
            )
        }
        let trace = Log::default();
        // try:
        //     gi = g()
        //     next(gi)
        //     gi.throw(GeneratorExit)
        // except GeneratorExit:
        //     pass
        let gi = g_enter_exit(trace.clone(), f(trace.clone()));
        gi.next()?;
        let e = gi
            .throw(GeneratorExit::default())
            .expect_err("subgenerator failed to raise GeneratorExit");
        assert!(e.is::<GeneratorExit>());
        assert_eq!(trace.take(), ["Enter g", "Enter f"]);
        Ok(())
    }

    /// ```python
    /// def g():
    ///     trace.append("Enter g")
    ///     yield from f()
    ///     trace.append("Exit g")
    /// ```
    fn g_enter_exit(trace: Log, f: Gen<()>) -> Gen<()> {
        Generator::new(
            #[coroutine]
            move |_| {
                trace.push("Enter g");
                yield_from!(f)?;
                trace.push("Exit g");
                Ok(())
            },
        )
    }

    /// Test throwing GeneratorExit into a subgenerator that
    /// catches it and yields.
    #[test]
    #[allow(non_snake_case)] // CPython's name
    fn test_throwing_GeneratorExit_into_subgenerator_that_yields() -> PyResult<()> {
        // def f():
        //     try:
        //         trace.append("Enter f")
        //         yield
        //         trace.append("Exit f")
        //     except GeneratorExit:
        //         yield
        fn f(trace: Log) -> Gen<()> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Enter f");
                    match yield_!() {
                        Err(e) if e.is::<GeneratorExit>() => {
                            yield_!()?;
                            return Ok(());
                        }
                        other => other?,
                    };
                    trace.push("Exit f");
                    Ok(())
                },
            )
        }
        let trace = Log::default();
        // try:
        //     gi = g()
        //     next(gi)
        //     gi.throw(GeneratorExit)
        // except RuntimeError as e:
        //     self.assertEqual(e.args[0], "generator ignored GeneratorExit")
        let gi = g_enter_exit(trace.clone(), f(trace.clone()));
        gi.next()?;
        // f, left suspended by the failed close, is closed again when it is collected;
        // CPython reports that failure to the unraisable hook too.
        let (_reports, thrown) = unraisable_reports(|| {
            let thrown = gi.throw(GeneratorExit::default());
            drop(gi);
            thrown
        });
        let e = thrown.expect_err("subgenerator failed to raise GeneratorExit");
        assert!(e.is::<RuntimeError>());
        assert_eq!(e.to_string(), "generator ignored GeneratorExit");
        assert_eq!(trace.take(), ["Enter g", "Enter f"]);
        Ok(())
    }

    /// Test throwing GeneratorExit into a subgenerator that
    /// catches it and raises a different exception.
    #[test]
    #[allow(non_snake_case)] // CPython's name
    fn test_throwing_GeneratorExit_into_subgen_that_raises() {
        // def f():
        //     try:
        //         trace.append("Enter f")
        //         yield
        //         trace.append("Exit f")
        //     except GeneratorExit:
        //         raise ValueError("Vorpal bunny encountered")
        fn f(trace: Log) -> Gen<()> {
            Generator::new(
                #[coroutine]
                move |_| {
                    trace.push("Enter f");
                    match yield_!() {
                        Err(e) if e.is::<GeneratorExit>() => {
                            return Err(ValueError::new("Vorpal bunny encountered").during(&e));
                        }
                        other => other?,
                    };
                    trace.push("Exit f");
                    Ok(())
                },
            )
        }
        let trace = Log::default();
        // try:
        //     gi = g()
        //     next(gi)
        //     gi.throw(GeneratorExit)
        // except ValueError as e:
        //     self.assertEqual(e.args[0], "Vorpal bunny encountered")
        //     self.assertIsInstance(e.__context__, GeneratorExit)
        // else:
        //     self.fail("subgenerator failed to raise ValueError")
        let gi = g_enter_exit(trace.clone(), f(trace.clone()));
        gi.next().unwrap();
        let e = gi
            .throw(GeneratorExit::default())
            .expect_err("subgenerator failed to raise ValueError");
        assert!(e.is::<ValueError>());
        assert_eq!(args(&e)[0].str(), "Vorpal bunny encountered");
        assert!(context(&e).unwrap().isinstance::<GeneratorExit>());
        assert_eq!(trace.take(), ["Enter g", "Enter f"]);
    }

    #[test]
    fn test_yield_from_empty() {
        // def g():
        //     yield from ()
        // self.assertRaises(StopIteration, next, g())
        fn g() -> Gen<i32> {
            Generator::new(
                #[coroutine]
                |_| yield_from!(iter([])),
            )
        }
        // The StopIteration a finished generator's `next` raises is `Step::Returned`.
        assert_eq!(g().next().unwrap(), Step::Returned(()));
    }

    #[test]
    fn test_delegating_generators_claim_to_be_running() -> PyResult<()> {
        // # Check with basic iteration
        // def one():
        //     yield 0
        //     yield from two()
        //     yield 3
        // def two():
        //     yield 1
        //     try:
        //         yield from g1
        //     except ValueError:
        //         pass
        //     yield 2
        type G1 = Gen<i32, i32>;
        fn one(g1: Weak<G1>) -> G1 {
            Generator::new(
                #[coroutine]
                move |_| {
                    yield_!(0)?;
                    yield_from!(two(g1.clone()))?;
                    yield_!(3)?;
                    Ok(())
                },
            )
        }
        fn two(g1: Weak<G1>) -> G1 {
            Generator::new(
                #[coroutine]
                move |_| {
                    yield_!(1)?;
                    match yield_from!(g1.upgrade().expect("g1 is alive")) {
                        Err(e) if e.is::<ValueError>() => {}
                        other => other?,
                    }
                    yield_!(2)?;
                    Ok(())
                },
            )
        }
        // g1 = one()
        // self.assertEqual(list(g1), [0, 1, 2, 3])
        let g1 = Rc::new_cyclic(|g1| one(g1.clone()));
        let mut res = vec![];
        for_each(&g1, |x| res.push(x))?;
        assert_eq!(res, [0, 1, 2, 3]);

        // # Check with send
        // g1 = one()
        // res = [next(g1)]
        // try:
        //     while True:
        //         res.append(g1.send(42))
        // except StopIteration:
        //     pass
        let g1 = Rc::new_cyclic(|g1| one(g1.clone()));
        let mut res = vec![g1.next()?.yielded()?];
        while let Step::Yielded(x) = g1.send(42)? {
            res.push(x);
        }
        assert_eq!(res, [0, 1, 2, 3]);

        // # Check with throw
        // class MyErr(Exception):
        //     pass
        // def one():
        //     try:
        //         yield 0
        //     except MyErr:
        //         pass
        //     yield from two()
        //     try:
        //         yield 3
        //     except MyErr:
        //         pass
        // def two():
        //     try:
        //         yield 1
        //     except MyErr:
        //         pass
        //     try:
        //         yield from g1
        //     except ValueError:
        //         pass
        //     try:
        //         yield 2
        //     except MyErr:
        //         pass
        fn is_my_err(e: &Exception) -> bool {
            exception_name(e) == "MyErr"
        }
        fn one_catching(g1: Weak<G1>) -> G1 {
            Generator::new(
                #[coroutine]
                move |_| {
                    match yield_!(0) {
                        Err(e) if is_my_err(&e) => {}
                        other => drop(other?),
                    }
                    yield_from!(two_catching(g1.clone()))?;
                    match yield_!(3) {
                        Err(e) if is_my_err(&e) => {}
                        other => drop(other?),
                    }
                    Ok(())
                },
            )
        }
        fn two_catching(g1: Weak<G1>) -> G1 {
            Generator::new(
                #[coroutine]
                move |_| {
                    match yield_!(1) {
                        Err(e) if is_my_err(&e) => {}
                        other => drop(other?),
                    }
                    match yield_from!(g1.upgrade().expect("g1 is alive")) {
                        Err(e) if e.is::<ValueError>() => {}
                        other => other?,
                    }
                    match yield_!(2) {
                        Err(e) if is_my_err(&e) => {}
                        other => drop(other?),
                    }
                    Ok(())
                },
            )
        }
        // g1 = one()
        // res = [next(g1)]
        // try:
        //     while True:
        //         res.append(g1.throw(MyErr))
        // except StopIteration:
        //     pass
        let g1 = Rc::new_cyclic(|g1| one_catching(g1.clone()));
        let mut res = vec![g1.next()?.yielded()?];
        while let Step::Yielded(x) = g1.throw(PyException::new("MyErr", ""))? {
            res.push(x);
        }
        assert_eq!(res, [0, 1, 2, 3]);

        // # Check with close
        // class MyIt(object):
        //     def __iter__(self):
        //         return self
        //     def __next__(self):
        //         return 42
        //     def close(self_):
        //         self.assertTrue(g1.gi_running)
        //         self.assertRaises(ValueError, next, g1)
        // def one():
        //     yield from MyIt()
        // g1 = one()
        // next(g1)
        // g1.close()
        struct MyIt {
            g1: Weak<G1>,
            seen: Log,
        }
        impl pycoro::yield_from::Delegate for MyIt {
            type Yield = i32;
            type Send = i32;
            type Return = ();
            fn next(&mut self) -> PyResult<Step<i32, ()>> {
                Ok(Step::Yielded(42))
            }
            fn send(&mut self, _: i32) -> PyResult<Step<i32, ()>> {
                Err(AttributeError::new("'MyIt' object has no attribute 'send'").into())
            }
            fn throw(&mut self, exc: Exception) -> PyResult<Step<i32, ()>> {
                Err(exc)
            }
            fn close(&mut self) -> PyResult<()> {
                let g1 = self.g1.upgrade().expect("g1 is alive");
                let running = g1.state() == GeneratorState::Running;
                self.seen.push(format!("g1 running: {running}"));
                let next = Generator::next(&g1)
                    .map(drop)
                    .map_err(|e| exception_name(&e).to_owned());
                self.seen.push(format!("next(g1): {next:?}"));
                Ok(())
            }
        }
        let seen = Log::default();
        let g1: Rc<G1> = Rc::new_cyclic(|g1: &Weak<G1>| {
            let it = MyIt {
                g1: g1.clone(),
                seen: seen.clone(),
            };
            Generator::new(
                #[coroutine]
                move |_| yield_from!(it),
            )
        });
        g1.next()?;
        g1.close()?;
        assert_eq!(
            seen.take(),
            ["g1 running: true", "next(g1): Err(\"ValueError\")"]
        );
        Ok(())
    }

    // See issue #15568
    #[test]
    fn test_custom_iterator_return() -> PyResult<()> {
        // class MyIter:
        //     def __iter__(self):
        //         return self
        //     def __next__(self):
        //         raise StopIteration(42)
        struct MyIter;
        impl pycoro::yield_from::Delegate for MyIter {
            type Yield = ();
            type Send = ();
            type Return = i32;
            // An iterator returns a value by raising StopIteration(value) from
            // __next__; a Delegate returns it as Step::Returned(value).
            fn next(&mut self) -> PyResult<Step<(), i32>> {
                Ok(Step::Returned(42))
            }
            fn send(&mut self, (): ()) -> PyResult<Step<(), i32>> {
                Err(AttributeError::new("'MyIter' object has no attribute 'send'").into())
            }
            fn throw(&mut self, exc: Exception) -> PyResult<Step<(), i32>> {
                Err(exc)
            }
            fn close(&mut self) -> PyResult<()> {
                Ok(())
            }
        }
        // def gen():
        //     nonlocal ret
        //     ret = yield from MyIter()
        // ret = None
        // list(gen())
        // self.assertEqual(ret, 42)
        let ret = Rc::new(Cell::new(None));
        let set_ret = ret.clone();
        let generator: Gen<()> = Generator::new(
            #[coroutine]
            move |_| {
                let ret = yield_from!(MyIter)?;
                set_ret.set(Some(ret));
                Ok(())
            },
        );
        generator.collect::<PyResult<Vec<()>>>()?;
        assert_eq!(ret.get(), Some(42));
        Ok(())
    }

    // See issue #21209.
    #[test]
    fn test_send_tuple_with_custom_generator() -> PyResult<()> {
        // class MyGen:
        //     def __iter__(self):
        //         return self
        //     def __next__(self):
        //         return 42
        //     def send(self, what):
        //         nonlocal v
        //         v = what
        //         return None
        type Tuple4 = (i32, i32, i32, i32);
        struct MyGen(Rc<Cell<Option<Tuple4>>>);
        impl pycoro::yield_from::Delegate for MyGen {
            type Yield = Option<i32>;
            type Send = Tuple4;
            type Return = ();
            fn next(&mut self) -> PyResult<Step<Option<i32>, ()>> {
                Ok(Step::Yielded(Some(42)))
            }
            fn send(&mut self, what: Tuple4) -> PyResult<Step<Option<i32>, ()>> {
                self.0.set(Some(what));
                Ok(Step::Yielded(None))
            }
            fn throw(&mut self, exc: Exception) -> PyResult<Step<Option<i32>, ()>> {
                Err(exc)
            }
            fn close(&mut self) -> PyResult<()> {
                Ok(())
            }
        }
        // def outer():
        //     v = yield from MyGen()
        // g = outer()
        // next(g)
        // v = None
        // g.send((1, 2, 3, 4))
        // self.assertEqual(v, (1, 2, 3, 4))
        let v = Rc::new(Cell::new(None));
        let my_gen = MyGen(v.clone());
        let g: Gen<Option<i32>, Tuple4> = Generator::new(
            #[coroutine]
            move |_| yield_from!(my_gen),
        );
        g.next()?;
        g.send((1, 2, 3, 4))?;
        assert_eq!(v.get(), Some((1, 2, 3, 4)));
        Ok(())
    }
}
