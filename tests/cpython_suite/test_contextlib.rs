//! CPython 3.11's `Lib/test/test_contextlib.py`, the part about `with`, `@contextmanager`,
//! `closing`, `nullcontext` and `suppress`. One `#[test]` per `test_*` method, with the
//! Python's key lines above it.
//!
//! `with cm as x: body` is `with(cm, |x| { body })`; `ctx.__exit__(type, value, tb)` is
//! `ctx.exit(Some(value))`, which gives back `Err(value)` where Python's `__exit__`
//! returns False (the `with` raises it again) and `Ok(())` where it returns True.
//!
//! Not carried (see `not_applicable.toml` and `pending.toml`): tracebacks, docstrings,
//! function attributes, keyword and parameter checks, weak references, abstract base
//! classes, decorators (`ContextDecorator`), files, locks and `chdir`. The tests of
//! `ExitStack` (`TestBaseExitStack`'s) and of `redirect_stdout` are not looked at yet;
//! `ExitStack`'s rules are in `tests/context_managers.rs`.

use std::cell::RefCell;
use std::rc::Rc;

use pycoro::contextlib::{
    ContextManager, GeneratorContextManager, closing, contextmanager, nullcontext, suppress, with,
};
use pycoro::exceptions::{IndexError, LookupError, cause};
use pycoro::py_exception;

use crate::support::*;

/// Python's `1 / 0`.
fn zero_division() -> Exception {
    ZeroDivisionError::new("division by zero").into()
}

fn is_zero_division(e: &Exception) -> bool {
    e.isinstance::<ZeroDivisionError>()
}

/// Python's `len(5)`.
fn len_of_int() -> Exception {
    TypeError::new("object of type 'int' has no len()").into()
}

/// `state = []`.
#[derive(Clone, Default)]
struct State(Rc<RefCell<Vec<i64>>>);

impl State {
    fn push(&self, v: i64) {
        self.0.borrow_mut().push(v)
    }
    fn get(&self) -> Vec<i64> {
        self.0.borrow().clone()
    }
}

/// `class ContextManagerTestCase(unittest.TestCase)`
mod context_manager_test_case {
    use super::*;

    #[test]
    fn test_contextmanager_plain() -> PyResult<()> {
        // @contextmanager
        // def woohoo():
        //     state.append(1)
        //     yield 42
        //     state.append(999)
        let state = State::default();
        let s = state.clone();
        let woohoo = move || -> GeneratorContextManager<i64> {
            let s = s.clone();
            contextmanager(Generator::new(
                #[coroutine]
                move |_| {
                    s.push(1);
                    yield_!(42)?;
                    s.push(999);
                    Ok(())
                },
            ))
        };
        // with woohoo() as x:
        //     self.assertEqual(state, [1])
        //     self.assertEqual(x, 42)
        //     state.append(x)
        with(woohoo(), |x| {
            assert_eq!(state.get(), [1]);
            assert_eq!(x, 42);
            state.push(x);
            Ok(())
        })?;
        assert_eq!(state.get(), [1, 42, 999]);
        Ok(())
    }

    #[test]
    fn test_contextmanager_finally() {
        // @contextmanager
        // def woohoo():
        //     state.append(1)
        //     try:
        //         yield 42
        //     finally:
        //         state.append(999)
        let state = State::default();
        let s = state.clone();
        let woohoo = contextmanager(Generator::new(
            #[coroutine]
            move |_| {
                s.push(1);
                let body = yield_!(42);
                s.push(999);
                body.map(drop)
            },
        ));
        // with self.assertRaises(ZeroDivisionError):
        //     with woohoo() as x:
        //         ...
        //         raise ZeroDivisionError()
        let e = with(woohoo, |x| {
            assert_eq!(state.get(), [1]);
            assert_eq!(x, 42);
            state.push(x);
            Err::<(), _>(zero_division())
        })
        .unwrap_err();
        assert!(is_zero_division(&e));
        assert_eq!(state.get(), [1, 42, 999]);
    }

    #[test]
    fn test_contextmanager_no_reraise() -> PyResult<()> {
        // @contextmanager
        // def whee():
        //     yield
        // ctx = whee()
        // ctx.__enter__()
        // # Calling __exit__ should not result in an exception
        // self.assertFalse(ctx.__exit__(TypeError, TypeError("foo"), None))
        let mut ctx = contextmanager(Generator::new(
            #[coroutine]
            |_| {
                yield_!()?;
                Ok(())
            },
        ));
        ctx.enter()?;
        // False: the exception is given back, to be raised by the `with`, not by `exit`.
        let back = ctx.exit(Some(TypeError::new("foo").into())).unwrap_err();
        assert!(back.is::<TypeError>() && back.to_string() == "foo");
        Ok(())
    }

    #[test]
    fn test_contextmanager_trap_yield_after_throw() -> PyResult<()> {
        // @contextmanager
        // def whoo():
        //     try:
        //         yield
        //     except:
        //         yield
        let mut ctx = contextmanager(Generator::new(
            #[coroutine]
            |_| {
                if yield_!().is_err() {
                    yield_!()?;
                }
                Ok(())
            },
        ));
        ctx.enter()?;
        // with self.assertRaises(RuntimeError):
        //     ctx.__exit__(TypeError, TypeError("foo"), None)
        let e = ctx.exit(Some(TypeError::new("foo").into())).unwrap_err();
        assert!(e.is::<RuntimeError>());
        assert_eq!(e.to_string(), "generator didn't stop after throw()");
        Ok(())
    }

    #[test]
    fn test_contextmanager_trap_no_yield() {
        // @contextmanager
        // def whoo():
        //     if False:
        //         yield
        let mut ctx = contextmanager(Generator::<()>::new(
            #[coroutine]
            |_| {
                if false {
                    yield_!()?;
                }
                Ok(())
            },
        ));
        // with self.assertRaises(RuntimeError):
        //     ctx.__enter__()
        let e = ctx.enter().unwrap_err();
        assert!(e.is::<RuntimeError>());
        assert_eq!(e.to_string(), "generator didn't yield");
    }

    #[test]
    fn test_contextmanager_trap_second_yield() -> PyResult<()> {
        // @contextmanager
        // def whoo():
        //     yield
        //     yield
        let mut ctx = contextmanager(Generator::new(
            #[coroutine]
            |_| {
                yield_!()?;
                yield_!()?;
                Ok(())
            },
        ));
        ctx.enter()?;
        // with self.assertRaises(RuntimeError):
        //     ctx.__exit__(None, None, None)
        let e = ctx.exit(None).unwrap_err();
        assert!(e.is::<RuntimeError>());
        assert_eq!(e.to_string(), "generator didn't stop");
        Ok(())
    }

    #[test]
    fn test_contextmanager_non_normalised() -> PyResult<()> {
        // @contextmanager
        // def whoo():
        //     try:
        //         yield
        //     except RuntimeError:
        //         raise SyntaxError
        let mut ctx = contextmanager(Generator::new(
            #[coroutine]
            |_| match yield_!() {
                Err(e) if e.is::<RuntimeError>() => Err(PyException::new("SyntaxError", "").into()),
                other => other.map(drop),
            },
        ));
        ctx.enter()?;
        // with self.assertRaises(SyntaxError):
        //     ctx.__exit__(RuntimeError, None, None)
        let e = ctx.exit(Some(RuntimeError::default().into())).unwrap_err();
        assert_eq!(exception_name(&e), "SyntaxError");
        Ok(())
    }

    #[test]
    fn test_contextmanager_except() -> PyResult<()> {
        // @contextmanager
        // def woohoo():
        //     state.append(1)
        //     try:
        //         yield 42
        //     except ZeroDivisionError as e:
        //         state.append(e.args[0])
        //         self.assertEqual(state, [1, 42, 999])
        let state = State::default();
        let s = state.clone();
        let woohoo = contextmanager(Generator::new(
            #[coroutine]
            move |_| {
                s.push(1);
                match yield_!(42) {
                    Err(e) if is_zero_division(&e) => {
                        s.push(e.to_string().parse().unwrap());
                        assert_eq!(s.get(), [1, 42, 999]);
                    }
                    other => {
                        other?;
                    }
                }
                Ok(())
            },
        ));
        // with woohoo() as x:
        //     ...
        //     raise ZeroDivisionError(999)
        let suppressed = with(woohoo, |x| {
            assert_eq!(state.get(), [1]);
            assert_eq!(x, 42);
            state.push(x);
            Err::<(), _>(ZeroDivisionError::new(999).into())
        })?;
        assert_eq!(suppressed, None); // the generator caught it: the with goes on
        assert_eq!(state.get(), [1, 42, 999]);
        Ok(())
    }

    fn woohoo() -> GeneratorContextManager<()> {
        contextmanager(Generator::new(
            #[coroutine]
            |_| {
                yield_!()?;
                Ok(())
            },
        ))
    }

    #[test]
    fn test_contextmanager_except_stopiter() {
        // class StopIterationSubclass(StopIteration):
        //     pass
        //
        // for stop_exc in (StopIteration('spam'), StopIterationSubclass('spam')):
        //     try:
        //         with woohoo():
        //             raise stop_exc
        //     except Exception as ex:
        //         self.assertIs(ex, stop_exc)
        //     else:
        //         self.fail(f'{stop_exc} was suppressed')
        py_exception!(StopIterationSubclass(StopIteration));
        let stop_excs: [Exception; 2] = [
            StopIteration::new("spam").into(),
            StopIterationSubclass::new("spam").into(),
        ];
        for stop_exc in stop_excs {
            let kept = clone_exception(&stop_exc);
            match with(woohoo(), |()| Err::<(), _>(stop_exc)) {
                Err(ex) => assert!(same_exception(&ex, &kept)),
                Ok(_) => panic!("{kept} was suppressed"),
            }
        }
    }

    /// `try: yield` / `except Exception as exc: raise RuntimeError(message) from exc`.
    fn raises_runtime_error_from(message: fn(&Exception) -> String) -> GeneratorContextManager<()> {
        contextmanager(Generator::new(
            #[coroutine]
            move |_| match yield_!() {
                Err(exc) if is_exception(&exc) => {
                    Err(RuntimeError::new(message(&exc)).raise_from(exc))
                }
                other => other.map(drop),
            },
        ))
    }

    #[test]
    fn test_contextmanager_do_not_unchain_non_stopiteration_exceptions() {
        // @contextmanager
        // def test_issue29692():
        //     try:
        //         yield
        //     except Exception as exc:
        //         raise RuntimeError('issue29692:Chained') from exc
        let test_issue29692 = || raises_runtime_error_from(|_| "issue29692:Chained".into());
        // try:
        //     with test_issue29692():
        //         raise ZeroDivisionError
        // except Exception as ex:
        //     self.assertIs(type(ex), RuntimeError)
        //     self.assertEqual(ex.args[0], 'issue29692:Chained')
        //     self.assertIsInstance(ex.__cause__, ZeroDivisionError)
        let ex = with(test_issue29692(), |()| {
            Err::<(), _>(ZeroDivisionError::default().into())
        })
        .unwrap_err();
        assert!(ex.is::<RuntimeError>());
        assert_eq!(args(&ex)[0].str(), "issue29692:Chained");
        assert!(cause(&ex).is_some_and(is_zero_division));
        // try:
        //     with test_issue29692():
        //         raise StopIteration('issue29692:Unchained')
        // except Exception as ex:
        //     self.assertIs(type(ex), StopIteration)
        //     self.assertEqual(ex.args[0], 'issue29692:Unchained')
        //     self.assertIsNone(ex.__cause__)
        let ex = with(test_issue29692(), |()| {
            Err::<(), _>(StopIteration::new("issue29692:Unchained").into())
        })
        .unwrap_err();
        assert!(ex.is::<StopIteration>());
        assert_eq!(args(&ex)[0].str(), "issue29692:Unchained");
        assert!(cause(&ex).is_none());
    }

    #[test]
    fn test_contextmanager_wrap_runtimeerror() {
        // @contextmanager
        // def woohoo():
        //     try:
        //         yield
        //     except Exception as exc:
        //         raise RuntimeError(f'caught {exc}') from exc
        let woohoo = || raises_runtime_error_from(|exc| format!("caught {exc}"));
        // with self.assertRaises(RuntimeError):
        //     with woohoo():
        //         1 / 0
        let e = with(woohoo(), |()| Err::<(), _>(zero_division())).unwrap_err();
        assert!(e.isinstance::<RuntimeError>());
        // # If the context manager wrapped StopIteration in a RuntimeError,
        // # we also unwrap it, because we can't tell whether the wrapping was
        // # done by the generator machinery or by the generator itself.
        // with self.assertRaises(StopIteration):
        //     with woohoo():
        //         raise StopIteration
        let e = with(woohoo(), |()| Err::<(), _>(StopIteration::default().into())).unwrap_err();
        assert!(e.isinstance::<StopIteration>());
    }

    #[test]
    fn test_contextmanager_except_pep479() {
        // from __future__ import generator_stop   (PEP 479, pycoro's only behaviour)
        // stop_exc = StopIteration('spam')
        // try:
        //     with woohoo():
        //         raise stop_exc
        // except Exception as ex:
        //     self.assertIs(ex, stop_exc)
        let ex = with(woohoo(), |()| {
            Err::<(), _>(StopIteration::new("spam").into())
        })
        .unwrap_err();
        assert!(ex.is::<StopIteration>());
        assert_eq!(ex.to_string(), "spam");
    }
}

/// `class ClosingTestCase(unittest.TestCase)`
mod closing_test_case {
    use super::*;
    use pycoro::contextlib::Close;

    /// `class C: def close(self): state.append(1)`
    struct C(State);

    impl Close for C {
        fn close(&self) -> PyResult<()> {
            self.0.push(1);
            Ok(())
        }
    }

    #[test]
    fn test_closing() -> PyResult<()> {
        let state = State::default();
        let x = C(state.clone());
        assert_eq!(state.get(), Vec::<i64>::new());
        // with closing(x) as y:
        //     self.assertEqual(x, y)
        with(closing(&x), |y| {
            assert!(std::ptr::eq(&x, y));
            Ok(())
        })?;
        assert_eq!(state.get(), [1]);
        Ok(())
    }

    #[test]
    fn test_closing_error() {
        let state = State::default();
        let x = C(state.clone());
        // with self.assertRaises(ZeroDivisionError):
        //     with closing(x) as y:
        //         self.assertEqual(x, y)
        //         1 / 0
        let e = with(closing(&x), |y| {
            assert!(std::ptr::eq(&x, y));
            Err::<(), _>(zero_division())
        })
        .unwrap_err();
        assert!(is_zero_division(&e));
        assert_eq!(state.get(), [1]);
    }
}

/// `class NullcontextTestCase(unittest.TestCase)`
mod nullcontext_test_case {
    use super::*;

    #[test]
    fn test_nullcontext() -> PyResult<()> {
        // c = C()
        // with nullcontext(c) as c_in:
        //     self.assertIs(c_in, c)
        let c = Rc::new(());
        with(nullcontext(c.clone()), |c_in| {
            assert!(Rc::ptr_eq(&c_in, &c));
            Ok(())
        })?;
        Ok(())
    }
}

/// `class TestSuppress(unittest.TestCase)`
mod test_suppress {
    use super::*;

    fn value_error(e: &Exception) -> bool {
        e.is::<ValueError>()
    }

    #[test]
    fn test_no_result_from_enter() -> PyResult<()> {
        // with suppress(ValueError) as enter_result:
        //     self.assertIsNone(enter_result)
        with(suppress(value_error), |enter_result| {
            assert_eq!(enter_result, ());
            Ok(())
        })?;
        Ok(())
    }

    #[test]
    fn test_no_exception() -> PyResult<()> {
        // with suppress(ValueError):
        //     self.assertEqual(pow(2, 5), 32)
        with(suppress(value_error), |()| {
            assert_eq!(2_i32.pow(5), 32);
            Ok(())
        })?;
        Ok(())
    }

    #[test]
    fn test_exact_exception() -> PyResult<()> {
        // with suppress(TypeError):
        //     len(5)
        with(suppress(|e| e.is::<TypeError>()), |()| {
            Err::<(), _>(len_of_int())
        })?;
        Ok(())
    }

    #[test]
    fn test_exception_hierarchy() -> PyResult<()> {
        // with suppress(LookupError):
        //     'Hello'[50]
        with(suppress(|e| e.isinstance::<LookupError>()), |()| {
            str_index("Hello", 50).map(drop)
        })?;
        Ok(())
    }

    /// Python's `s[i]`.
    fn str_index(s: &str, i: usize) -> PyResult<char> {
        s.chars()
            .nth(i)
            .ok_or_else(|| IndexError::new("string index out of range").into())
    }

    #[test]
    fn test_other_exception() {
        // with self.assertRaises(ZeroDivisionError):
        //     with suppress(TypeError):
        //         1/0
        let e = with(suppress(|e| e.is::<TypeError>()), |()| {
            Err::<(), _>(zero_division())
        })
        .unwrap_err();
        assert!(is_zero_division(&e));
    }

    #[test]
    fn test_no_args() {
        // with self.assertRaises(ZeroDivisionError):
        //     with suppress():
        //         1/0
        let e = with(suppress(|_| false), |()| Err::<(), _>(zero_division())).unwrap_err();
        assert!(is_zero_division(&e));
    }

    #[test]
    fn test_multiple_exception_args() -> PyResult<()> {
        // with suppress(ZeroDivisionError, TypeError):
        //     1/0
        // with suppress(ZeroDivisionError, TypeError):
        //     len(5)
        let either = |e: &Exception| is_zero_division(e) || e.is::<TypeError>();
        with(suppress(either), |()| Err::<(), _>(zero_division()))?;
        with(suppress(either), |()| Err::<(), _>(len_of_int()))?;
        Ok(())
    }

    #[test]
    fn test_cm_is_reentrant() -> PyResult<()> {
        // ignore_exceptions = suppress(Exception)
        // with ignore_exceptions:
        //     pass
        // with ignore_exceptions:
        //     len(5)
        // with ignore_exceptions:
        //     with ignore_exceptions: # Check nested usage
        //         len(5)
        //     outer_continued = True
        //     1/0
        // self.assertTrue(outer_continued)
        let ignore_exceptions = suppress(is_exception);
        with(&ignore_exceptions, |()| Ok(()))?;
        with(&ignore_exceptions, |()| Err::<(), _>(len_of_int()))?;
        let mut outer_continued = false;
        with(&ignore_exceptions, |()| {
            with(&ignore_exceptions, |()| Err::<(), _>(len_of_int()))?;
            outer_continued = true;
            Err::<(), _>(zero_division())
        })?;
        assert!(outer_continued);
        Ok(())
    }
}
