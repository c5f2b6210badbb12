//! CPython 3.11's `Lib/test/test_generators.py`: its `unittest.TestCase` classes (the
//! module's doctests are not carried). One `#[test]` per `test_*` method, with the
//! Python's key lines above it.
//!
//! Most of the module's classes test frames, the garbage collector, pickling and
//! `sys.exc_info()`, which Rust does not have (`not_applicable.toml`); `gi_yieldfrom`
//! waits for a pycoro feature (`pending.toml`).

/// `class FinalizationTest(unittest.TestCase)`
mod finalization_test {
    use crate::support::*;

    /// A generator made by a closure (`lambda`) or by a function (`def`), returning
    /// `(yield 1)`: yields 1, then returns what it is sent.
    type G = Gen<i64, i64, Option<i64>>;

    // Issue #23192: Test that a lambda returning a generator behaves
    // like the equivalent function
    #[test]
    fn test_lambda_generator() -> PyResult<()> {
        // f = lambda: (yield 1)
        // def g(): return (yield 1)
        const F: fn() -> G = || {
            Generator::new(
                #[coroutine]
                |_| yield_!(1),
            )
        };
        fn g() -> G {
            Generator::new(
                #[coroutine]
                |_| yield_!(1),
            )
        }
        // # test 'yield from'
        // f2 = lambda: (yield from g())
        // def g2(): return (yield from g())
        const F2: fn() -> G = || {
            Generator::new(
                #[coroutine]
                |_| yield_from!(g()),
            )
        };
        fn g2() -> G {
            Generator::new(
                #[coroutine]
                |_| yield_from!(g()),
            )
        }
        // f3 = lambda: (yield from f())
        // def g3(): return (yield from f())
        const F3: fn() -> G = || {
            Generator::new(
                #[coroutine]
                |_| yield_from!(F()),
            )
        };
        fn g3() -> G {
            Generator::new(
                #[coroutine]
                |_| yield_from!(F()),
            )
        }
        // for gen_fun in (f, g, f2, g2, f3, g3):
        //     gen = gen_fun()
        //     self.assertEqual(next(gen), 1)
        //     with self.assertRaises(StopIteration) as cm:
        //         gen.send(2)
        //     self.assertEqual(cm.exception.value, 2)
        for gen_fun in [F, g, F2, g2, F3, g3] {
            let generator = gen_fun();
            assert_eq!(generator.next()?, Step::Yielded(1));
            // The StopIteration that carries a generator's return value is Step::Returned.
            assert_eq!(generator.send(2)?, Step::Returned(Some(2)));
        }
        Ok(())
    }
}

/// `class GeneratorTest(unittest.TestCase)`
mod generator_test {
    use std::marker::PhantomData;

    use crate::support::*;

    #[test]
    #[allow(clippy::assertions_on_constants)] // the constants are the compiler's answers
    fn test_copy() {
        // def f():
        //     yield 1
        // g = f()
        // with self.assertRaises(TypeError):
        //     copy.copy(g)
        //
        // A generator cannot be copied: pycoro's Generator does not implement Clone.
        // Whether a type does is asked of the compiler by method resolution: the
        // inherent constant exists only where `T: Clone`, the trait's everywhere else.
        struct Probe<T>(PhantomData<T>);
        trait NotClone {
            const IS_CLONE: bool = false;
        }
        impl<T> NotClone for Probe<T> {}
        impl<T: Clone> Probe<T> {
            const IS_CLONE: bool = true;
        }
        assert!(Probe::<Vec<i32>>::IS_CLONE, "the probe sees Clone");
        assert!(!Probe::<Gen<i32>>::IS_CLONE);
        assert!(!Probe::<Generator<'static, i32, i32, i32>>::IS_CLONE);
    }

    #[test]
    fn test_send_non_none_to_new_gen() -> PyResult<()> {
        // def f():
        //     yield 1
        // g = f()
        // with self.assertRaises(TypeError):
        //     g.send(0)
        // self.assertEqual(next(g), 1)
        let g: Gen<i32, i32> = Generator::new(
            #[coroutine]
            |_| {
                yield_!(1)?;
                Ok(())
            },
        );
        assert!(g.send(0).unwrap_err().is::<TypeError>());
        assert_eq!(g.next()?, Step::Yielded(1));
        Ok(())
    }
}

/// `class ExceptionTest(unittest.TestCase)`: its tests of `sys.exc_info()` are not
/// applicable; these are the ones about `StopIteration` and return values.
mod exception_test {
    use crate::support::*;

    // See also PEP 479.
    #[test]
    fn test_stopiteration_error() {
        // def gen():
        //     raise StopIteration
        //     yield
        // with self.assertRaisesRegex(RuntimeError, 'raised StopIteration'):
        //     next(gen())
        let generator: Gen<()> = Generator::new(
            #[coroutine]
            |_| Err(StopIteration::default().into()),
        );
        let e = generator.next().unwrap_err();
        assert!(e.is::<RuntimeError>());
        assert!(e.to_string().contains("raised StopIteration"), "{e}");
    }

    #[test]
    fn test_tutorial_stopiteration() -> PyResult<()> {
        // Raise StopIteration" stops the generator too:
        // def f():
        //     yield 1
        //     raise StopIteration
        //     yield 2 # never reached
        let g: Gen<i32> = Generator::new(
            #[coroutine]
            |_| {
                yield_!(1)?;
                Err(StopIteration::default().into())
            },
        );
        // self.assertEqual(next(g), 1)
        // with self.assertRaisesRegex(RuntimeError, 'raised StopIteration'):
        //     next(g)
        assert_eq!(g.next()?, Step::Yielded(1));
        let e = g.next().unwrap_err();
        assert!(e.is::<RuntimeError>());
        assert!(e.to_string().contains("raised StopIteration"), "{e}");
        Ok(())
    }

    #[test]
    fn test_return_tuple() -> PyResult<()> {
        // def g():
        //     return (yield 1)
        // gen = g()
        // self.assertEqual(next(gen), 1)
        // with self.assertRaises(StopIteration) as cm:
        //     gen.send((2,))
        // self.assertEqual(cm.exception.value, (2,))
        let generator: Gen<i32, (i32,), Option<(i32,)>> = Generator::new(
            #[coroutine]
            |_| yield_!(1),
        );
        assert_eq!(generator.next()?, Step::Yielded(1));
        // The StopIteration that carries a generator's return value is Step::Returned.
        assert_eq!(generator.send((2,))?, Step::Returned(Some((2,))));
        Ok(())
    }

    #[test]
    fn test_return_stopiteration() -> PyResult<()> {
        // def g():
        //     return (yield 1)
        // gen = g()
        // self.assertEqual(next(gen), 1)
        // with self.assertRaises(StopIteration) as cm:
        //     gen.send(StopIteration(2))
        // self.assertIsInstance(cm.exception.value, StopIteration)
        // self.assertEqual(cm.exception.value.value, 2)
        let generator: Gen<i32, Value, Option<Value>> = Generator::new(
            #[coroutine]
            |_| yield_!(1),
        );
        assert_eq!(generator.next()?, Step::Yielded(1));
        let sent = Value::stop_iteration(Value::Int(2));
        let Step::Returned(Some(Value::StopIteration(Some(value)))) = generator.send(sent)? else {
            panic!("the generator did not return the StopIteration it was sent");
        };
        assert_eq!(*value, Value::Int(2));
        Ok(())
    }
}

/// `class GeneratorThrowTest(unittest.TestCase)`.
///
/// Python knows the exception an `except` block handles; a Rust `match` arm holds it
/// (`handled` here), and a `yield` inside the block links what is thrown in to it with
/// `during`, as CPython does by itself.
mod generator_throw_test {
    use std::cell::Cell;
    use std::rc::Rc;

    use crate::support::*;

    /// `(type(context), context.args) == (KeyError, ('a',))`.
    fn is_key_error_a(context: &Exception) -> bool {
        context.is::<KeyError>() && args(context).iter().map(|a| a.repr()).eq(["'a'"])
    }

    #[test]
    fn test_exception_context_with_yield() {
        // def f():
        //     try:
        //         raise KeyError('a')
        //     except Exception:
        //         yield
        fn f() -> Gen<()> {
            Generator::new(
                #[coroutine]
                |_| {
                    let raised: PyResult<()> = Err(KeyError::new("a").into());
                    match raised {
                        Err(handled) if handled.isinstance::<Exception>() => {
                            yield_!().map_err(|thrown| thrown.during(&handled))?;
                        }
                        other => other?,
                    }
                    Ok(())
                },
            )
        }
        // gen = f()
        // gen.send(None)
        // with self.assertRaises(ValueError) as cm:
        //     gen.throw(ValueError)
        // context = cm.exception.__context__
        // self.assertEqual((type(context), context.args), (KeyError, ('a',)))
        let generator = f();
        generator.send(None).unwrap();
        let e = generator.throw(ValueError::default()).unwrap_err();
        assert!(e.is::<ValueError>());
        assert!(is_key_error_a(context(&e).unwrap()));
    }

    #[test]
    fn test_exception_context_with_yield_inside_generator() {
        // Check that the context is also available from inside the generator
        // with yield, as opposed to outside.
        // def f():
        //     try:
        //         raise KeyError('a')
        //     except Exception:
        //         try:
        //             yield
        //         except Exception as exc:
        //             self.assertEqual(type(exc), ValueError)
        //             context = exc.__context__
        //             self.assertEqual((type(context), context.args),
        //                 (KeyError, ('a',)))
        //             yield 'b'
        fn f() -> Gen<Option<&'static str>> {
            Generator::new(
                #[coroutine]
                |_| {
                    let raised: PyResult<()> = Err(KeyError::new("a").into());
                    match raised {
                        Err(handled) if handled.isinstance::<Exception>() => {
                            match yield_!(None).map_err(|thrown| thrown.during(&handled)) {
                                Err(exc) if exc.isinstance::<Exception>() => {
                                    assert!(exc.is::<ValueError>());
                                    assert!(is_key_error_a(context(&exc).unwrap()));
                                    yield_!(Some("b"))?;
                                }
                                other => other.map(drop)?,
                            }
                        }
                        other => other?,
                    }
                    Ok(())
                },
            )
        }
        // gen = f()
        // gen.send(None)
        // actual = gen.throw(ValueError)
        // # This ensures that the assertions inside were executed.
        // self.assertEqual(actual, 'b')
        let generator = f();
        generator.send(None).unwrap();
        let actual = generator.throw(ValueError::default()).unwrap();
        assert_eq!(actual, Step::Yielded(Some("b")));
    }

    #[test]
    fn test_exception_context_with_yield_from() {
        // def f():
        //     yield
        fn f() -> Gen<()> {
            Generator::new(
                #[coroutine]
                |_| {
                    yield_!()?;
                    Ok(())
                },
            )
        }
        // def g():
        //     try:
        //         raise KeyError('a')
        //     except Exception:
        //         yield from f()
        fn g() -> Gen<()> {
            Generator::new(
                #[coroutine]
                |_| {
                    let raised: PyResult<()> = Err(KeyError::new("a").into());
                    match raised {
                        Err(handled) if handled.isinstance::<Exception>() => {
                            yield_from!(f()).map_err(|thrown| thrown.during(&handled))?;
                        }
                        other => other?,
                    }
                    Ok(())
                },
            )
        }
        // gen = g()
        // gen.send(None)
        // with self.assertRaises(ValueError) as cm:
        //     gen.throw(ValueError)
        // context = cm.exception.__context__
        // self.assertEqual((type(context), context.args), (KeyError, ('a',)))
        let generator = g();
        generator.send(None).unwrap();
        let e = generator.throw(ValueError::default()).unwrap_err();
        assert!(e.is::<ValueError>());
        assert!(is_key_error_a(context(&e).unwrap()));
    }

    #[test]
    fn test_exception_context_with_yield_from_with_context_cycle() {
        // Check trying to create an exception context cycle:
        // https://bugs.python.org/issue40696
        // has_cycle = None
        let has_cycle: Rc<Cell<Option<bool>>> = Rc::default();
        // def f():
        //     yield
        fn f() -> Gen<()> {
            Generator::new(
                #[coroutine]
                |_| {
                    yield_!()?;
                    Ok(())
                },
            )
        }
        // def g(exc):
        //     nonlocal has_cycle
        //     try:
        //         raise exc
        //     except Exception:
        //         try:
        //             yield from f()
        //         except Exception as exc:
        //             has_cycle = (exc is exc.__context__)
        //     yield
        let g = |exc: Exception| -> Gen<()> {
            let has_cycle = has_cycle.clone();
            Generator::new(
                #[coroutine]
                move |_| {
                    let raised: PyResult<()> = Err(exc);
                    match raised {
                        Err(handled) if handled.isinstance::<Exception>() => match yield_from!(f())
                            .map_err(|thrown| thrown.during(&handled))
                        {
                            Err(exc) if exc.isinstance::<Exception>() => {
                                let context = context(&exc);
                                has_cycle
                                    .set(Some(context.is_some_and(|c| same_exception(&exc, c))));
                            }
                            other => other?,
                        },
                        other => other?,
                    }
                    yield_!()?;
                    Ok(())
                },
            )
        };
        // exc = KeyError('a')
        // gen = g(exc)
        // gen.send(None)
        // gen.throw(exc)
        // # This also distinguishes from the initial has_cycle=None.
        // self.assertEqual(has_cycle, False)
        //
        // The generator and the caller each hold the one KeyError: two copies of the same
        // Python object (`same_exception`).
        let exc: Exception = KeyError::new("a").into();
        let generator = g(clone_exception(&exc));
        generator.send(None).unwrap();
        generator.throw(exc).unwrap();
        assert_eq!(has_cycle.get(), Some(false));
    }

    #[test]
    fn test_throw_after_none_exc_type() {
        // def g():
        //     try:
        //         raise KeyError
        //     except KeyError:
        //         pass
        //
        //     try:
        //         yield
        //     except Exception:
        //         raise RuntimeError
        fn g() -> Gen<()> {
            Generator::new(
                #[coroutine]
                |_| {
                    let raised: PyResult<()> = Err(KeyError::default().into());
                    match raised {
                        Err(e) if e.is::<KeyError>() => {}
                        other => other?,
                    }
                    match yield_!() {
                        Err(e) if is_exception(&e) => Err(RuntimeError::default().into()),
                        other => other.map(drop),
                    }
                },
            )
        }
        // gen = g()
        // gen.send(None)
        // with self.assertRaises(RuntimeError) as cm:
        //     gen.throw(ValueError)
        let generator = g();
        generator.send(None).unwrap();
        assert!(
            generator
                .throw(ValueError::default())
                .unwrap_err()
                .is::<RuntimeError>()
        );
    }
}
