//! CPython 3.11's `Lib/test/test_contextlib.py`: `with`, `@contextmanager`, `closing`,
//! `nullcontext`, `suppress` and `ExitStack`. One `#[test]` per `test_*` method, with the
//! Python's key lines above it.
//!
//! `with cm as x: body` is `with(cm, |x| { body })`; `ctx.__exit__(type, value, tb)` is
//! `ctx.exit(Some(value))`, which gives back `Err(value)` where Python's `__exit__`
//! returns False (the `with` raises it again) and `Ok(())` where it returns True.
//!
//! Python links an exception raised in an `except` or `finally` block, or in an
//! `__exit__`, to the one being handled (`__context__`) by itself. pycoro's `with` and exit
//! stacks link what an exit raises as Python would have; a Rust `match` arm that raises
//! while it handles an exception says so itself, with `raise_in_exit` below or
//! [`Raise::during`].
//!
//! `TestBaseExitStack`'s tests are generic over the stack (`ExitStackClass`, its
//! `exit_stack` attribute): `TestExitStack` runs them on `ExitStack`, and
//! test_contextlib_async's `TestAsyncExitStack` on an `AsyncExitStack` driven as a
//! synchronous one.
//!
//! Not carried (see `not_applicable.toml`): tracebacks, docstrings, function attributes,
//! keyword and parameter checks, weak references, abstract base classes, decorators
//! (`ContextDecorator`), files, locks, `chdir`, `redirect_stdout`/`redirect_stderr` (there
//! is no process-wide `sys.stdout` to swap), and the type checks of the context manager
//! protocol that Rust makes at compile time.

use std::cell::RefCell;
use std::rc::Rc;

use pycoro::contextlib::{
    ContextManager, ExitStack, GeneratorContextManager, closing, contextmanager, nullcontext,
    suppress, with,
};
use pycoro::exceptions::{IndexError, LookupError, cause, set_context};
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

/// `TestBaseExitStack.exit_stack`: the stack class a subclass tests, used as a
/// synchronous context manager that gives itself. `ExitStack` here;
/// test_contextlib_async's `SyncAsyncExitStack`, an `AsyncExitStack` whose coroutines run
/// to completion on a loop, there.
pub(crate) trait ExitStackClass: ContextManager<Target = Self> + Clone + 'static {
    /// `self.exit_stack()`.
    fn new() -> Self;
    /// `stack.callback(f)`.
    fn callback(&self, f: impl FnOnce() -> PyResult<()> + 'static);
    /// `stack.push(exit)` of a function.
    fn push(&self, exit: impl FnOnce(Option<Exception>) -> PyResult<()> + 'static);
    /// `stack.push(cm)` of a context manager.
    fn push_cm<C: ContextManager + 'static>(&self, cm: C);
    /// `stack.enter_context(cm)`.
    fn enter_context<C: ContextManager + 'static>(&self, cm: C) -> PyResult<C::Target>;
    /// `stack.close()`.
    fn close(&self) -> PyResult<()>;
    /// `stack.pop_all()`.
    fn pop_all(&self) -> Self;
}

impl ExitStackClass for ExitStack {
    fn new() -> Self {
        ExitStack::new()
    }
    fn callback(&self, f: impl FnOnce() -> PyResult<()> + 'static) {
        ExitStack::callback(self, f)
    }
    fn push(&self, exit: impl FnOnce(Option<Exception>) -> PyResult<()> + 'static) {
        ExitStack::push(self, exit)
    }
    fn push_cm<C: ContextManager + 'static>(&self, cm: C) {
        ExitStack::push_cm(self, cm)
    }
    fn enter_context<C: ContextManager + 'static>(&self, cm: C) -> PyResult<C::Target> {
        ExitStack::enter_context(self, cm)
    }
    fn close(&self) -> PyResult<()> {
        ExitStack::close(self)
    }
    fn pop_all(&self) -> Self {
        ExitStack::pop_all(self)
    }
}

/// One `#[test]` for each test of `TestBaseExitStack` carried, on the stack class given:
/// what a subclass of it (`class TestExitStack(TestBaseExitStack, unittest.TestCase)`)
/// inherits. Each runs the generic body of the same name in `test_base_exit_stack`.
macro_rules! base_exit_stack_tests {
    ($stack:ty) => {
        $crate::test_contextlib::base_exit_stack_tests!($stack:
            test_no_resources,
            test_callback,
            test_push,
            test_enter_context,
            test_close,
            test_pop_all,
            test_exit_raise,
            test_exit_suppress,
            test_exit_exception_chaining_reference,
            test_exit_exception_chaining,
            test_exit_exception_explicit_none_context,
            test_exit_exception_non_suppressing,
            test_exit_exception_with_correct_context,
            test_exit_exception_with_existing_context,
            test_body_exception_suppress,
            test_exit_exception_chaining_suppress,
            test_excessive_nesting,
            test_dont_reraise_RuntimeError,
        );
    };
    ($stack:ty: $($test:ident),* $(,)?) => {$(
        #[test]
        #[allow(non_snake_case)] // CPython's test_dont_reraise_RuntimeError
        fn $test() -> PyResult<()> {
            $crate::test_contextlib::test_base_exit_stack::$test::<$stack>()
        }
    )*};
}
pub(crate) use base_exit_stack_tests;

/// `class TestBaseExitStack`: no `TestCase` itself; its tests run in its subclasses.
#[allow(non_snake_case)] // test_dont_reraise_RuntimeError, CPython's name
pub(crate) mod test_base_exit_stack {
    use super::*;

    /// `raise new` inside an `__exit__` told `exc`: Python links the exception being
    /// handled as the new one's `__context__`.
    fn raise_in_exit(new: impl Into<Exception>, exc: Option<Exception>) -> Exception {
        match exc {
            Some(handled) => new.during(&handled),
            None => new.into(),
        }
    }

    /// `def raise_exc(exc): raise exc`, as a callback: `stack.callback(raise_exc, exc)`.
    fn raise_exc(exc: impl Into<Exception>) -> impl FnOnce() -> PyResult<()> {
        let exc = exc.into();
        move || Err(exc)
    }

    /// `Exception(n)`.
    fn exception(n: i64) -> Exception {
        pycoro::exceptions::builtins::Exception::new(n).into()
    }

    /// A list the callbacks of a test append to (`result = []`).
    type List<T> = Rc<RefCell<Vec<T>>>;

    pub(crate) fn test_no_resources<S: ExitStackClass>() -> PyResult<()> {
        // with self.exit_stack():
        //     pass
        with(S::new(), |_| Ok(()))?;
        Ok(())
    }

    /// The checks of the stack's private `_exit_callbacks` (each wrapper's `__wrapped__`,
    /// `__name__` and `__doc__`), of `callback` returning its argument, and of the
    /// `TypeError`s of a call without a callback, are not carried: a Rust callback is a
    /// closure that captures its arguments, and a call without one does not compile.
    pub(crate) fn test_callback<S: ExitStackClass>() -> PyResult<()> {
        // expected = [
        //     ((), {}),
        //     ((1,), {}),
        //     ((1,2), {}),
        //     ((), dict(example=1)),
        //     ((1,), dict(example=1)),
        //     ((1,2), dict(example=1)),
        //     ((1,2), dict(self=3, callback=4)),
        // ]
        // result = []
        // def _exit(*args, **kwds):
        //     """Test metadata propagation"""
        //     result.append((args, kwds))
        // with self.exit_stack() as stack:
        //     for args, kwds in reversed(expected):
        //         ...
        //             f = stack.callback(_exit, *args, **kwds)
        // self.assertEqual(result, expected)
        let mut expected = callback_calls();
        expected.push((vec![1, 2], vec![("self", 3), ("callback", 4)]));
        let result: List<Call> = List::default();
        with(S::new(), |stack| {
            for (args, kwds) in expected.iter().cloned().rev() {
                let result = result.clone();
                stack.callback(move || {
                    result.borrow_mut().push((args, kwds));
                    Ok(())
                });
            }
            Ok(())
        })?;
        assert_eq!(*result.borrow(), expected);
        Ok(())
    }

    /// The `(args, kwds)` of a call to a callback.
    pub(crate) type Call = (Vec<i64>, Vec<(&'static str, i64)>);

    /// The calls `test_callback` and test_contextlib_async's `test_async_callback` both
    /// expect: `((), {}), ((1,), {}), ((1,2), {}), ((), dict(example=1)), ...`.
    pub(crate) fn callback_calls() -> Vec<Call> {
        vec![
            (vec![], vec![]),
            (vec![1], vec![]),
            (vec![1, 2], vec![]),
            (vec![], vec![("example", 1)]),
            (vec![1], vec![("example", 1)]),
            (vec![1, 2], vec![("example", 1)]),
        ]
    }

    /// The checks that each exit pushed is the last of the stack's private
    /// `_exit_callbacks` are not carried.
    pub(crate) fn test_push<S: ExitStackClass>() -> PyResult<()> {
        // exc_raised = ZeroDivisionError
        // def _expect_exc(exc_type, exc, exc_tb):
        //     self.assertIs(exc_type, exc_raised)
        // def _suppress_exc(*exc_details):
        //     return True
        // def _expect_ok(exc_type, exc, exc_tb):
        //     self.assertIsNone(exc_type)
        //     self.assertIsNone(exc)
        //     self.assertIsNone(exc_tb)
        // class ExitCM(object):
        //     def __init__(self, check_exc):
        //         self.check_exc = check_exc
        //     def __enter__(self):
        //         self.fail("Should not be called!")
        //     def __exit__(self, *exc_details):
        //         self.check_exc(*exc_details)
        fn expect_exc(exc: Option<Exception>) -> PyResult<()> {
            let exc = exc.expect("an exception");
            assert!(exc.is::<ZeroDivisionError>());
            Err(exc) // returns None: not suppressed
        }
        fn suppress_exc(_: Option<Exception>) -> PyResult<()> {
            Ok(()) // return True
        }
        fn expect_ok(exc: Option<Exception>) -> PyResult<()> {
            assert!(exc.is_none());
            Ok(())
        }
        struct ExitCm(fn(Option<Exception>) -> PyResult<()>);
        impl ContextManager for ExitCm {
            type Target = ();
            fn enter(&mut self) -> PyResult<()> {
                panic!("Should not be called!")
            }
            fn exit(&mut self, exc: Option<Exception>) -> PyResult<()> {
                (self.0)(exc)
            }
        }
        // with self.exit_stack() as stack:
        //     stack.push(_expect_ok)
        //     stack.push(ExitCM(_expect_ok))
        //     stack.push(_suppress_exc)
        //     stack.push(ExitCM(_expect_exc))
        //     stack.push(_expect_exc)
        //     stack.push(_expect_exc)
        //     1/0
        let suppressed = with(S::new(), |stack| {
            stack.push(expect_ok);
            stack.push_cm(ExitCm(expect_ok));
            stack.push(suppress_exc);
            stack.push_cm(ExitCm(expect_exc));
            stack.push(expect_exc);
            stack.push(expect_exc);
            Err::<(), _>(zero_division())
        })?;
        assert_eq!(suppressed, None);
        Ok(())
    }

    /// The check that the context manager's exit is the stack's last callback is not
    /// carried (private `_exit_callbacks`).
    pub(crate) fn test_enter_context<S: ExitStackClass>() -> PyResult<()> {
        // class TestCM(object):
        //     def __enter__(self):
        //         result.append(1)
        //     def __exit__(self, *exc_details):
        //         result.append(3)
        //
        // result = []
        // cm = TestCM()
        // with self.exit_stack() as stack:
        //     @stack.callback  # Registered first => cleaned up last
        //     def _exit():
        //         result.append(4)
        //     self.assertIsNotNone(_exit)
        //     stack.enter_context(cm)
        //     result.append(2)
        // self.assertEqual(result, [1, 2, 3, 4])
        struct TestCm(State);
        impl ContextManager for TestCm {
            type Target = ();
            fn enter(&mut self) -> PyResult<()> {
                self.0.push(1);
                Ok(())
            }
            fn exit(&mut self, exc: Option<Exception>) -> PyResult<()> {
                self.0.push(3);
                exc.map_or(Ok(()), Err)
            }
        }
        let result = State::default();
        let cm = TestCm(result.clone());
        with(S::new(), |stack| {
            let r = result.clone();
            stack.callback(move || {
                r.push(4);
                Ok(())
            });
            stack.enter_context(cm)?;
            result.push(2);
            Ok(())
        })?;
        assert_eq!(result.get(), [1, 2, 3, 4]);
        Ok(())
    }

    pub(crate) fn test_close<S: ExitStackClass>() -> PyResult<()> {
        // result = []
        // with self.exit_stack() as stack:
        //     @stack.callback
        //     def _exit():
        //         result.append(1)
        //     self.assertIsNotNone(_exit)
        //     stack.close()
        //     result.append(2)
        // self.assertEqual(result, [1, 2])
        let result = State::default();
        with(S::new(), |stack| {
            let r = result.clone();
            stack.callback(move || {
                r.push(1);
                Ok(())
            });
            stack.close()?;
            result.push(2);
            Ok(())
        })?;
        assert_eq!(result.get(), [1, 2]);
        Ok(())
    }

    pub(crate) fn test_pop_all<S: ExitStackClass>() -> PyResult<()> {
        // result = []
        // with self.exit_stack() as stack:
        //     @stack.callback
        //     def _exit():
        //         result.append(3)
        //     self.assertIsNotNone(_exit)
        //     new_stack = stack.pop_all()
        //     result.append(1)
        // result.append(2)
        // new_stack.close()
        // self.assertEqual(result, [1, 2, 3])
        let result = State::default();
        let new_stack = with(S::new(), |stack| {
            let r = result.clone();
            stack.callback(move || {
                r.push(3);
                Ok(())
            });
            let new_stack = stack.pop_all();
            result.push(1);
            Ok(new_stack)
        })?
        .expect("the body ended");
        result.push(2);
        new_stack.close()?;
        assert_eq!(result.get(), [1, 2, 3]);
        Ok(())
    }

    pub(crate) fn test_exit_raise<S: ExitStackClass>() -> PyResult<()> {
        // with self.assertRaises(ZeroDivisionError):
        //     with self.exit_stack() as stack:
        //         stack.push(lambda *exc: False)
        //         1/0
        let e = with(S::new(), |stack| {
            stack.push(|exc| exc.map_or(Ok(()), Err));
            Err::<(), _>(zero_division())
        })
        .unwrap_err();
        assert!(is_zero_division(&e));
        Ok(())
    }

    pub(crate) fn test_exit_suppress<S: ExitStackClass>() -> PyResult<()> {
        // with self.exit_stack() as stack:
        //     stack.push(lambda *exc: True)
        //     1/0
        with(S::new(), |stack| {
            stack.push(|_| Ok(()));
            Err::<(), _>(zero_division())
        })?;
        Ok(())
    }

    /// The reference the stack's chaining is held to, in nested `with` statements: the
    /// stack itself is not used.
    pub(crate) fn test_exit_exception_chaining_reference<S: ExitStackClass>() -> PyResult<()> {
        // class RaiseExc:
        //     def __exit__(self, *exc_details):
        //         raise self.exc
        //
        // class RaiseExcWithContext:
        //     def __exit__(self, *exc_details):
        //         try:
        //             raise self.inner
        //         except:
        //             raise self.outer
        //
        // class SuppressExc:
        //     def __exit__(self, *exc_details):
        //         type(self).saved_details = exc_details
        //         return True
        struct RaiseExc(Option<Exception>);
        impl ContextManager for RaiseExc {
            type Target = ();
            fn enter(&mut self) -> PyResult<()> {
                Ok(())
            }
            fn exit(&mut self, exc: Option<Exception>) -> PyResult<()> {
                Err(raise_in_exit(self.0.take().expect("exited once"), exc))
            }
        }
        struct RaiseExcWithContext(Option<(Exception, Exception)>);
        impl ContextManager for RaiseExcWithContext {
            type Target = ();
            fn enter(&mut self) -> PyResult<()> {
                Ok(())
            }
            fn exit(&mut self, exc: Option<Exception>) -> PyResult<()> {
                let (outer, inner) = self.0.take().expect("exited once");
                let inner = raise_in_exit(inner, exc);
                Err(outer.during(&inner))
            }
        }
        struct SuppressExc(Rc<RefCell<Option<Exception>>>);
        impl ContextManager for SuppressExc {
            type Target = ();
            fn enter(&mut self) -> PyResult<()> {
                Ok(())
            }
            fn exit(&mut self, exc: Option<Exception>) -> PyResult<()> {
                *self.0.borrow_mut() = exc;
                Ok(())
            }
        }
        // try:
        //     with RaiseExc(IndexError):
        //         with RaiseExcWithContext(KeyError, AttributeError):
        //             with SuppressExc():
        //                 with RaiseExc(ValueError):
        //                     1 / 0
        // except IndexError as exc:
        //     self.assertIsInstance(exc.__context__, KeyError)
        //     self.assertIsInstance(exc.__context__.__context__, AttributeError)
        //     # Inner exceptions were suppressed
        //     self.assertIsNone(exc.__context__.__context__.__context__)
        // else:
        //     self.fail("Expected IndexError, but no exception was raised")
        // # Check the inner exceptions
        // inner_exc = SuppressExc.saved_details[1]
        // self.assertIsInstance(inner_exc, ValueError)
        // self.assertIsInstance(inner_exc.__context__, ZeroDivisionError)
        let saved_details = Rc::new(RefCell::new(None));
        let raised = with(RaiseExc(Some(IndexError::default().into())), |()| {
            let key_error = KeyError::default().into();
            let attribute_error = AttributeError::default().into();
            with(
                RaiseExcWithContext(Some((key_error, attribute_error))),
                |()| {
                    with(SuppressExc(saved_details.clone()), |()| {
                        with(RaiseExc(Some(ValueError::default().into())), |()| {
                            Err::<(), _>(zero_division())
                        })
                    })
                },
            )
        });
        check_exception_chaining(raised, saved_details.borrow_mut().take());
        Ok(())
    }

    /// What test_exit_exception_chaining and its reference assert: IndexError goes on,
    /// linked to KeyError, linked to AttributeError, linked to nothing (the inner
    /// exceptions were suppressed); the suppressing callback was told ValueError, linked to
    /// the body's ZeroDivisionError.
    pub(crate) fn check_exception_chaining<T: std::fmt::Debug>(
        raised: PyResult<T>,
        saved_details: Option<Exception>,
    ) {
        // except IndexError as exc:
        //     self.assertIsInstance(exc.__context__, KeyError)
        //     self.assertIsInstance(exc.__context__.__context__, AttributeError)
        //     # Inner exceptions were suppressed
        //     self.assertIsNone(exc.__context__.__context__.__context__)
        // else:
        //     self.fail("Expected IndexError, but no exception was raised")
        let exc = raised.expect_err("Expected IndexError, but no exception was raised");
        assert!(exc.is::<IndexError>());
        let key_error = context(&exc).expect("exc.__context__");
        assert!(key_error.is::<KeyError>());
        let attribute_error = context(key_error).expect("exc.__context__.__context__");
        assert!(attribute_error.is::<AttributeError>());
        assert!(context(attribute_error).is_none());
        // # Check the inner exceptions
        // inner_exc = saved_details[1]
        // self.assertIsInstance(inner_exc, ValueError)
        // self.assertIsInstance(inner_exc.__context__, ZeroDivisionError)
        let inner_exc = saved_details.expect("saved_details");
        assert!(inner_exc.is::<ValueError>());
        assert!(context(&inner_exc).is_some_and(is_zero_division));
    }

    pub(crate) fn test_exit_exception_chaining<S: ExitStackClass>() -> PyResult<()> {
        // # Ensure exception chaining matches the reference behaviour
        // def raise_exc(exc):
        //     raise exc
        //
        // saved_details = None
        // def suppress_exc(*exc_details):
        //     nonlocal saved_details
        //     saved_details = exc_details
        //     return True
        //
        // try:
        //     with self.exit_stack() as stack:
        //         stack.callback(raise_exc, IndexError)
        //         stack.callback(raise_exc, KeyError)
        //         stack.callback(raise_exc, AttributeError)
        //         stack.push(suppress_exc)
        //         stack.callback(raise_exc, ValueError)
        //         1 / 0
        // except IndexError as exc:
        //     self.assertIsInstance(exc.__context__, KeyError)
        //     self.assertIsInstance(exc.__context__.__context__, AttributeError)
        //     # Inner exceptions were suppressed
        //     self.assertIsNone(exc.__context__.__context__.__context__)
        // else:
        //     self.fail("Expected IndexError, but no exception was raised")
        // # Check the inner exceptions
        // inner_exc = saved_details[1]
        // self.assertIsInstance(inner_exc, ValueError)
        // self.assertIsInstance(inner_exc.__context__, ZeroDivisionError)
        let saved_details = Rc::new(RefCell::new(None));
        let raised = with(S::new(), |stack| {
            stack.callback(raise_exc(IndexError::default()));
            stack.callback(raise_exc(KeyError::default()));
            stack.callback(raise_exc(AttributeError::default()));
            let saved = saved_details.clone();
            stack.push(move |exc| {
                *saved.borrow_mut() = exc;
                Ok(())
            });
            stack.callback(raise_exc(ValueError::default()));
            Err::<(), _>(zero_division())
        });
        check_exception_chaining(raised, saved_details.borrow_mut().take());
        Ok(())
    }

    py_exception!(MyException(Exception));

    /// `my_cm` of test_exit_exception_explicit_none_context.
    fn my_cm() -> GeneratorContextManager<()> {
        // @contextmanager
        // def my_cm():
        //     try:
        //         yield
        //     except BaseException:
        //         exc = MyException()
        //         try:
        //             raise exc
        //         finally:
        //             exc.__context__ = None
        contextmanager(Generator::new(
            #[coroutine]
            |_| match yield_!() {
                Err(_) => {
                    let mut exc: Exception = MyException::default().into();
                    set_context(&mut exc, None); // exc.__context__ = None
                    Err(exc)
                }
                Ok(_) => Ok(()),
            },
        ))
    }

    pub(crate) fn test_exit_exception_explicit_none_context<S: ExitStackClass>() -> PyResult<()> {
        // # Ensure ExitStack chaining matches actual nested `with` statements
        // # regarding explicit __context__ = None.
        //
        // @contextmanager
        // def my_cm_with_exit_stack():
        //     with self.exit_stack() as stack:
        //         stack.enter_context(my_cm())
        //         yield stack
        let my_cm_with_exit_stack = || {
            contextmanager(Generator::new(
                #[coroutine]
                |_| {
                    // The `with` around a `yield`, spelled out.
                    let mut exit_stack = S::new();
                    let stack = exit_stack.enter()?;
                    let body = match stack.enter_context(my_cm()) {
                        Ok(()) => yield_!(stack).map(drop),
                        Err(e) => Err(e),
                    };
                    exit_stack.exit(body.err())
                },
            ))
        };
        // for cm in (my_cm, my_cm_with_exit_stack):
        //     with self.subTest():
        //         try:
        //             with cm():
        //                 raise IndexError()
        //         except MyException as exc:
        //             self.assertIsNone(exc.__context__)
        //         else:
        //             self.fail("Expected IndexError, but no exception was raised")
        fn check<C: ContextManager>(cm: C) {
            let raised = with(cm, |_| Err::<(), _>(IndexError::default().into()));
            let exc = raised.expect_err("Expected IndexError, but no exception was raised");
            assert!(exc.is::<MyException>());
            assert!(context(&exc).is_none());
        }
        check(my_cm());
        check(my_cm_with_exit_stack());
        Ok(())
    }

    pub(crate) fn test_exit_exception_non_suppressing<S: ExitStackClass>() -> PyResult<()> {
        // # http://bugs.python.org/issue19092
        // try:
        //     with self.exit_stack() as stack:
        //         stack.callback(lambda: None)
        //         stack.callback(raise_exc, IndexError)
        // except Exception as exc:
        //     self.assertIsInstance(exc, IndexError)
        // else:
        //     self.fail("Expected IndexError, but no exception was raised")
        let raised = with(S::new(), |stack| {
            stack.callback(|| Ok(()));
            stack.callback(raise_exc(IndexError::default()));
            Ok(())
        });
        let exc = raised.expect_err("Expected IndexError, but no exception was raised");
        assert!(exc.isinstance::<IndexError>());
        // try:
        //     with self.exit_stack() as stack:
        //         stack.callback(raise_exc, KeyError)
        //         stack.push(suppress_exc)
        //         stack.callback(raise_exc, IndexError)
        // except Exception as exc:
        //     self.assertIsInstance(exc, KeyError)
        // else:
        //     self.fail("Expected KeyError, but no exception was raised")
        let raised = with(S::new(), |stack| {
            stack.callback(raise_exc(KeyError::default()));
            stack.push(|_| Ok(()));
            stack.callback(raise_exc(IndexError::default()));
            Ok(())
        });
        let exc = raised.expect_err("Expected KeyError, but no exception was raised");
        assert!(exc.isinstance::<KeyError>());
        Ok(())
    }

    /// The four exceptions of the next tests, and a copy of each, to know them again.
    fn exceptions<const N: usize>() -> ([Exception; N], [Exception; N]) {
        let excs: [Exception; N] = std::array::from_fn(|i| exception(i as i64 + 1));
        let kept = std::array::from_fn(|i| clone_exception(&excs[i]));
        (excs, kept)
    }

    pub(crate) fn test_exit_exception_with_correct_context<S: ExitStackClass>() -> PyResult<()> {
        // # http://bugs.python.org/issue20317
        // @contextmanager
        // def gets_the_context_right(exc):
        //     try:
        //         yield
        //     finally:
        //         raise exc
        fn gets_the_context_right(exc: Exception) -> GeneratorContextManager<()> {
            contextmanager(Generator::new(
                #[coroutine]
                move |_| match yield_!() {
                    Err(handled) => Err(exc.during(&handled)),
                    Ok(_) => Err(exc),
                },
            ))
        }
        // exc1 = Exception(1)
        // exc2 = Exception(2)
        // exc3 = Exception(3)
        // exc4 = Exception(4)
        //
        // # The contextmanager already fixes the context, so prior to the
        // # fix, ExitStack would try to fix it *again* and get into an
        // # infinite self-referential loop
        // try:
        //     with self.exit_stack() as stack:
        //         stack.enter_context(gets_the_context_right(exc4))
        //         stack.enter_context(gets_the_context_right(exc3))
        //         stack.enter_context(gets_the_context_right(exc2))
        //         raise exc1
        // except Exception as exc:
        //     self.assertIs(exc, exc4)
        //     self.assertIs(exc.__context__, exc3)
        //     self.assertIs(exc.__context__.__context__, exc2)
        //     self.assertIs(exc.__context__.__context__.__context__, exc1)
        //     self.assertIsNone(
        //                exc.__context__.__context__.__context__.__context__)
        let ([exc1, exc2, exc3, exc4], kept) = exceptions();
        let raised = with(S::new(), |stack| {
            stack.enter_context(gets_the_context_right(exc4))?;
            stack.enter_context(gets_the_context_right(exc3))?;
            stack.enter_context(gets_the_context_right(exc2))?;
            Err::<(), _>(exc1)
        });
        let exc = raised.expect_err("an exception");
        assert_same_chain(&exc, kept.iter().rev());
        Ok(())
    }

    /// `exc` is the first of `expected`, its `__context__` the second, ..., and the last
    /// one's `__context__` is None.
    fn assert_same_chain<'a>(
        exc: &Exception,
        expected: impl ExactSizeIterator<Item = &'a Exception>,
    ) {
        let chain: Vec<&Exception> = std::iter::successors(Some(exc), |e| context(e)).collect();
        assert_eq!(chain.len(), expected.len());
        for (link, expected) in chain.into_iter().zip(expected) {
            assert!(
                same_exception(link, expected),
                "{link:?} is not {expected:?}"
            );
        }
    }

    pub(crate) fn test_exit_exception_with_existing_context<S: ExitStackClass>() -> PyResult<()> {
        // # Addresses a lack of test coverage discovered after checking in a
        // # fix for issue 20317 that still contained debugging code.
        // def raise_nested(inner_exc, outer_exc):
        //     try:
        //         raise inner_exc
        //     finally:
        //         raise outer_exc
        fn raise_nested(
            inner_exc: Exception,
            outer_exc: Exception,
        ) -> impl FnOnce() -> PyResult<()> {
            move || Err(outer_exc.during(&inner_exc))
        }
        // exc1 = Exception(1)
        // exc2 = Exception(2)
        // exc3 = Exception(3)
        // exc4 = Exception(4)
        // exc5 = Exception(5)
        // try:
        //     with self.exit_stack() as stack:
        //         stack.callback(raise_nested, exc4, exc5)
        //         stack.callback(raise_nested, exc2, exc3)
        //         raise exc1
        // except Exception as exc:
        //     self.assertIs(exc, exc5)
        //     self.assertIs(exc.__context__, exc4)
        //     self.assertIs(exc.__context__.__context__, exc3)
        //     self.assertIs(exc.__context__.__context__.__context__, exc2)
        //     self.assertIs(
        //          exc.__context__.__context__.__context__.__context__, exc1)
        //     self.assertIsNone(
        //         exc.__context__.__context__.__context__.__context__.__context__)
        let ([exc1, exc2, exc3, exc4, exc5], kept) = exceptions();
        let raised = with(S::new(), |stack| {
            stack.callback(raise_nested(exc4, exc5));
            stack.callback(raise_nested(exc2, exc3));
            Err::<(), _>(exc1)
        });
        let exc = raised.expect_err("an exception");
        assert_same_chain(&exc, kept.iter().rev());
        Ok(())
    }

    pub(crate) fn test_body_exception_suppress<S: ExitStackClass>() -> PyResult<()> {
        // def suppress_exc(*exc_details):
        //     return True
        // try:
        //     with self.exit_stack() as stack:
        //         stack.push(suppress_exc)
        //         1/0
        // except IndexError as exc:
        //     self.fail("Expected no exception, got IndexError")
        let suppressed = with(S::new(), |stack| {
            stack.push(|_| Ok(()));
            Err::<(), _>(zero_division())
        });
        assert!(matches!(suppressed, Ok(None)), "Expected no exception");
        Ok(())
    }

    pub(crate) fn test_exit_exception_chaining_suppress<S: ExitStackClass>() -> PyResult<()> {
        // with self.exit_stack() as stack:
        //     stack.push(lambda *exc: True)
        //     stack.push(lambda *exc: 1/0)
        //     stack.push(lambda *exc: {}[1])
        with(S::new(), |stack| {
            stack.push(|_| Ok(()));
            stack.push(|exc| Err(raise_in_exit(zero_division(), exc)));
            stack.push(|exc| Err(raise_in_exit(KeyError::new(1), exc)));
            Ok(())
        })?;
        Ok(())
    }

    pub(crate) fn test_excessive_nesting<S: ExitStackClass>() -> PyResult<()> {
        // # The original implementation would die with RecursionError here
        // with self.exit_stack() as stack:
        //     for i in range(10000):
        //         stack.callback(int)
        with(S::new(), |stack| {
            for _ in 0..10000 {
                stack.callback(|| Ok(()));
            }
            Ok(())
        })?;
        Ok(())
    }

    pub(crate) fn test_dont_reraise_RuntimeError<S: ExitStackClass>() -> PyResult<()> {
        // # https://bugs.python.org/issue27122
        // class UniqueException(Exception): pass
        // class UniqueRuntimeError(RuntimeError): pass
        //
        // @contextmanager
        // def second():
        //     try:
        //         yield 1
        //     except Exception as exc:
        //         raise UniqueException("new exception") from exc
        //
        // @contextmanager
        // def first():
        //     try:
        //         yield 1
        //     except Exception as exc:
        //         raise exc
        py_exception!(UniqueException(Exception));
        py_exception!(UniqueRuntimeError(RuntimeError));
        let second = contextmanager(Generator::new(
            #[coroutine]
            |_| match yield_!(1) {
                Err(exc) if is_exception(&exc) => {
                    Err(UniqueException::new("new exception").raise_from(exc))
                }
                other => other.map(drop),
            },
        ));
        let first = contextmanager(Generator::new(
            #[coroutine]
            |_| match yield_!(1) {
                Err(exc) if is_exception(&exc) => Err(exc),
                other => other.map(drop),
            },
        ));
        // # The UniqueRuntimeError should be caught by second()'s exception
        // # handler which chain raised a new UniqueException.
        // with self.assertRaises(UniqueException) as err_ctx:
        //     with self.exit_stack() as es_ctx:
        //         es_ctx.enter_context(second())
        //         es_ctx.enter_context(first())
        //         raise UniqueRuntimeError("please no infinite loop.")
        //
        // exc = err_ctx.exception
        // self.assertIsInstance(exc, UniqueException)
        // self.assertIsInstance(exc.__context__, UniqueRuntimeError)
        // self.assertIsNone(exc.__context__.__context__)
        // self.assertIsNone(exc.__context__.__cause__)
        // self.assertIs(exc.__cause__, exc.__context__)
        let raised = with(S::new(), |es_ctx| {
            es_ctx.enter_context(second)?;
            es_ctx.enter_context(first)?;
            Err::<(), _>(UniqueRuntimeError::new("please no infinite loop.").into())
        });
        let exc = raised.expect_err("UniqueException not raised");
        assert!(exc.isinstance::<UniqueException>());
        let exc_context = context(&exc).expect("exc.__context__");
        assert!(exc_context.isinstance::<UniqueRuntimeError>());
        assert!(context(exc_context).is_none());
        assert!(cause(exc_context).is_none());
        assert!(cause(&exc).is_some_and(|c| same_exception(c, exc_context)));
        Ok(())
    }
}

/// `class TestExitStack(TestBaseExitStack, unittest.TestCase)`: `exit_stack = ExitStack`.
mod test_exit_stack {
    use super::*;

    base_exit_stack_tests!(ExitStack);
}
