//! CPython 3.11's `Lib/test/test_contextlib_async.py`: `async with`,
//! `@asynccontextmanager`, `aclosing`, `AsyncExitStack` and `nullcontext`. One `#[test]`
//! per `test_*` method, with the Python's key lines above it; each runs on a new loop on
//! the virtual clock (the module's `_async_test` is `asyncio.run`).
//!
//! `async with cm as x: body` is `async_with(cm, async |x| { body }).await`;
//! `await ctx.__aexit__(type, value, tb)` is `ctx.aexit(Some(value)).await`, which gives
//! back `Err(value)` where Python's `__aexit__` returns False.
//!
//! `TestAsyncExitStack` also runs the tests it inherits from test_contextlib's
//! `TestBaseExitStack`, on `SyncAsyncExitStack`: test_contextlib's generic bodies, on an
//! `AsyncExitStack` driven as a synchronous stack.
//!
//! Not carried (see `not_applicable.toml`): tracebacks, docstrings, function attributes,
//! keywords, abstract base classes, decorators, and the checks of missing
//! `__aenter__`/`__aexit__` that Rust's types make at compile time. Where a test also
//! inspects the stack's private `_exit_callbacks` or a wrapper's `__wrapped__`, that part
//! is left out, and said.

// `async for x in it: break` is kept as Python has it.
#![allow(clippy::never_loop)]

use std::cell::RefCell;
use std::rc::Rc;

use pycoro::clock::Clock;
use pycoro::contextlib::{
    AsyncContextManager, AsyncExitStack, AsyncGeneratorContextManager, ContextManager,
    GeneratorContextManager, aclosing, async_with, asynccontextmanager, contextmanager,
    nullcontext,
};
use pycoro::exceptions::{IndexError, StopAsyncIteration, exception_repr, set_context};
use pycoro::native::{AsyncClose, AsyncGenerator, run_with_clock};
use pycoro::py_exception;

use crate::support::*;
use crate::test_contextlib::{ExitStackClass, base_exit_stack_tests, test_base_exit_stack};

/// The module's `_async_test`: `asyncio.run(coro)`.
fn async_test(coro: impl std::future::Future<Output = PyResult<()>> + 'static) -> PyResult<()> {
    run_with_clock(coro, Clock::new_virtual())
}

/// Python's `1 / 0`.
fn zero_division() -> Exception {
    ZeroDivisionError::new("division by zero").into()
}

fn is_zero_division(e: &Exception) -> bool {
    e.isinstance::<ZeroDivisionError>()
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

/// An `@asynccontextmanager` whose generator only yields once.
fn yields_once() -> AsyncGeneratorContextManager<()> {
    asynccontextmanager(AsyncGenerator::new(async move |co| {
        co.yield_(()).await?;
        Ok(())
    }))
}

/// `class TestAbstractAsyncContextManager(unittest.TestCase)`
mod test_abstract_async_context_manager {
    use super::*;

    #[test]
    fn test_async_gen_propagates_generator_exit() -> PyResult<()> {
        // A regression test for https://bugs.python.org/issue33786.
        // @asynccontextmanager
        // async def ctx():
        //     yield
        //
        // async def gen():
        //     async with ctx():
        //         yield 11
        //
        // g = gen()
        // async for val in g:
        //     self.assertEqual(val, 11)
        //     break
        // await g.aclose()
        async_test(async {
            let mut g = AsyncGenerator::new(async move |co| {
                // `async with ctx(): yield 11`, whose body yields: the statement spelled
                // out (PEP 343), since a closure's body cannot yield the generator's value.
                let mut cm = yields_once();
                cm.aenter().await?;
                let body = co.yield_(11).await.map(drop);
                cm.aexit(body.err()).await
            });
            use futures::TryStreamExt;
            while let Some(val) = g.try_next().await? {
                assert_eq!(val, 11);
                break;
            }
            g.aclose().await // the GeneratorExit went through ctx's __aexit__
        })
    }
}

/// `class AsyncContextManagerTestCase(unittest.TestCase)`
mod async_context_manager_test_case {
    use super::*;

    #[test]
    fn test_contextmanager_plain() -> PyResult<()> {
        // @asynccontextmanager
        // async def woohoo():
        //     state.append(1)
        //     yield 42
        //     state.append(999)
        // async with woohoo() as x:
        //     self.assertEqual(state, [1])
        //     self.assertEqual(x, 42)
        //     state.append(x)
        // self.assertEqual(state, [1, 42, 999])
        async_test(async {
            let state = State::default();
            let s = state.clone();
            let woohoo = asynccontextmanager(AsyncGenerator::new(async move |co| {
                s.push(1);
                co.yield_(42).await?;
                s.push(999);
                Ok(())
            }));
            async_with(woohoo, async |x| {
                assert_eq!(state.get(), [1]);
                assert_eq!(x, 42);
                state.push(x);
                Ok(())
            })
            .await?;
            assert_eq!(state.get(), [1, 42, 999]);
            Ok(())
        })
    }

    #[test]
    fn test_contextmanager_finally() -> PyResult<()> {
        // @asynccontextmanager
        // async def woohoo():
        //     state.append(1)
        //     try:
        //         yield 42
        //     finally:
        //         state.append(999)
        // with self.assertRaises(ZeroDivisionError):
        //     async with woohoo() as x:
        //         ...
        //         raise ZeroDivisionError()
        async_test(async {
            let state = State::default();
            let s = state.clone();
            let woohoo = asynccontextmanager(AsyncGenerator::new(async move |co| {
                s.push(1);
                let body = co.yield_(42).await;
                s.push(999);
                body.map(drop)
            }));
            let e = async_with(woohoo, async |x| {
                assert_eq!(state.get(), [1]);
                assert_eq!(x, 42);
                state.push(x);
                Err::<(), _>(zero_division())
            })
            .await
            .unwrap_err();
            assert!(is_zero_division(&e));
            assert_eq!(state.get(), [1, 42, 999]);
            Ok(())
        })
    }

    #[test]
    fn test_contextmanager_no_reraise() -> PyResult<()> {
        // ctx = whee()
        // await ctx.__aenter__()
        // # Calling __aexit__ should not result in an exception
        // self.assertFalse(await ctx.__aexit__(TypeError, TypeError("foo"), None))
        async_test(async {
            let mut ctx = yields_once();
            ctx.aenter().await?;
            let back = ctx
                .aexit(Some(TypeError::new("foo").into()))
                .await
                .unwrap_err();
            assert!(back.is::<TypeError>() && back.to_string() == "foo"); // False
            Ok(())
        })
    }

    #[test]
    fn test_contextmanager_trap_yield_after_throw() -> PyResult<()> {
        // @asynccontextmanager
        // async def whoo():
        //     try:
        //         yield
        //     except:
        //         yield
        async_test(async {
            let mut ctx = asynccontextmanager(AsyncGenerator::new(async move |co| {
                if co.yield_(()).await.is_err() {
                    co.yield_(()).await?;
                }
                Ok(())
            }));
            ctx.aenter().await?;
            // with self.assertRaises(RuntimeError):
            //     await ctx.__aexit__(TypeError, TypeError('foo'), None)
            let e = ctx
                .aexit(Some(TypeError::new("foo").into()))
                .await
                .unwrap_err();
            assert!(e.is::<RuntimeError>());
            assert_eq!(e.to_string(), "generator didn't stop after athrow()");
            Ok(())
        })
    }

    #[test]
    fn test_contextmanager_trap_no_yield() -> PyResult<()> {
        // @asynccontextmanager
        // async def whoo():
        //     if False:
        //         yield
        // ctx = whoo()
        // with self.assertRaises(RuntimeError):
        //     await ctx.__aenter__()
        async_test(async {
            let mut ctx = asynccontextmanager(AsyncGenerator::<()>::new(async move |co| {
                if false {
                    co.yield_(()).await?;
                }
                Ok(())
            }));
            let e = ctx.aenter().await.unwrap_err();
            assert!(e.is::<RuntimeError>());
            assert_eq!(e.to_string(), "generator didn't yield");
            Ok(())
        })
    }

    #[test]
    fn test_contextmanager_trap_second_yield() -> PyResult<()> {
        // @asynccontextmanager
        // async def whoo():
        //     yield
        //     yield
        // ctx = whoo()
        // await ctx.__aenter__()
        // with self.assertRaises(RuntimeError):
        //     await ctx.__aexit__(None, None, None)
        async_test(async {
            let mut ctx = asynccontextmanager(AsyncGenerator::new(async move |co| {
                co.yield_(()).await?;
                co.yield_(()).await?;
                Ok(())
            }));
            ctx.aenter().await?;
            let e = ctx.aexit(None).await.unwrap_err();
            assert!(e.is::<RuntimeError>());
            assert_eq!(e.to_string(), "generator didn't stop");
            Ok(())
        })
    }

    #[test]
    fn test_contextmanager_non_normalised() -> PyResult<()> {
        // @asynccontextmanager
        // async def whoo():
        //     try:
        //         yield
        //     except RuntimeError:
        //         raise SyntaxError
        // ctx = whoo()
        // await ctx.__aenter__()
        // with self.assertRaises(SyntaxError):
        //     await ctx.__aexit__(RuntimeError, None, None)
        async_test(async {
            let mut ctx = asynccontextmanager(AsyncGenerator::new(async move |co| {
                match co.yield_(()).await {
                    Err(e) if e.is::<RuntimeError>() => {
                        Err(PyException::new("SyntaxError", "").into())
                    }
                    other => other.map(drop),
                }
            }));
            ctx.aenter().await?;
            let e = ctx
                .aexit(Some(RuntimeError::default().into()))
                .await
                .unwrap_err();
            assert_eq!(exception_name(&e), "SyntaxError");
            Ok(())
        })
    }

    #[test]
    fn test_contextmanager_except() -> PyResult<()> {
        // @asynccontextmanager
        // async def woohoo():
        //     state.append(1)
        //     try:
        //         yield 42
        //     except ZeroDivisionError as e:
        //         state.append(e.args[0])
        //         self.assertEqual(state, [1, 42, 999])
        // async with woohoo() as x:
        //     ...
        //     raise ZeroDivisionError(999)
        // self.assertEqual(state, [1, 42, 999])
        async_test(async {
            let state = State::default();
            let s = state.clone();
            let woohoo = asynccontextmanager(AsyncGenerator::new(async move |co| {
                s.push(1);
                match co.yield_(42).await {
                    Err(e) if is_zero_division(&e) => {
                        s.push(e.to_string().parse().unwrap());
                        assert_eq!(s.get(), [1, 42, 999]);
                    }
                    other => {
                        other?;
                    }
                }
                Ok(())
            }));
            let suppressed = async_with(woohoo, async |x| {
                assert_eq!(state.get(), [1]);
                assert_eq!(x, 42);
                state.push(x);
                Err::<(), _>(ZeroDivisionError::new(999).into())
            })
            .await?;
            assert_eq!(suppressed, None);
            assert_eq!(state.get(), [1, 42, 999]);
            Ok(())
        })
    }

    #[test]
    fn test_contextmanager_except_stopiter() -> PyResult<()> {
        // class StopIterationSubclass(StopIteration):
        //     pass
        //
        // class StopAsyncIterationSubclass(StopAsyncIteration):
        //     pass
        //
        // for stop_exc in (
        //     StopIteration('spam'),
        //     StopAsyncIteration('ham'),
        //     StopIterationSubclass('spam'),
        //     StopAsyncIterationSubclass('spam')
        // ):
        //     with self.subTest(type=type(stop_exc)):
        //         try:
        //             async with woohoo():
        //                 raise stop_exc
        //         except Exception as ex:
        //             self.assertIs(ex, stop_exc)
        //         else:
        //             self.fail(f'{stop_exc} was suppressed')
        py_exception!(StopIterationSubclass(StopIteration));
        py_exception!(StopAsyncIterationSubclass(StopAsyncIteration));
        async_test(async {
            let stop_excs: [Exception; 4] = [
                StopIteration::new("spam").into(),
                StopAsyncIteration::new("ham").into(),
                StopIterationSubclass::new("spam").into(),
                StopAsyncIterationSubclass::new("spam").into(),
            ];
            for stop_exc in stop_excs {
                let kept = clone_exception(&stop_exc);
                match async_with(yields_once(), async |()| Err::<(), _>(stop_exc)).await {
                    Err(ex) => assert!(same_exception(&ex, &kept)),
                    Ok(_) => panic!("{} was suppressed", exception_repr(&kept)),
                }
            }
            Ok(())
        })
    }

    #[test]
    fn test_contextmanager_wrap_runtimeerror() -> PyResult<()> {
        // @asynccontextmanager
        // async def woohoo():
        //     try:
        //         yield
        //     except Exception as exc:
        //         raise RuntimeError(f'caught {exc}') from exc
        let woohoo = || {
            asynccontextmanager(AsyncGenerator::new(async move |co| {
                match co.yield_(()).await {
                    Err(exc) if is_exception(&exc) => {
                        Err(RuntimeError::new(format!("caught {exc}")).raise_from(exc))
                    }
                    other => other.map(drop),
                }
            }))
        };
        async_test(async move {
            // with self.assertRaises(RuntimeError):
            //     async with woohoo():
            //         1 / 0
            let e = async_with(woohoo(), async |()| Err::<(), _>(zero_division()))
                .await
                .unwrap_err();
            assert!(e.isinstance::<RuntimeError>());
            // # If the context manager wrapped StopAsyncIteration in a RuntimeError,
            // # we also unwrap it, because we can't tell whether the wrapping was
            // # done by the generator machinery or by the generator itself.
            // with self.assertRaises(StopAsyncIteration):
            //     async with woohoo():
            //         raise StopAsyncIteration
            let e = async_with(woohoo(), async |()| {
                Err::<(), _>(StopAsyncIteration::default().into())
            })
            .await
            .unwrap_err();
            assert!(e.isinstance::<StopAsyncIteration>());
            Ok(())
        })
    }
}

/// `class AclosingTestCase(unittest.TestCase)`
mod aclosing_test_case {
    use super::*;

    /// `class C: async def aclose(self): state.append(1)`
    #[derive(Clone)]
    struct C(State);

    impl AsyncClose for C {
        async fn close(&self) -> PyResult<()> {
            self.0.push(1);
            Ok(())
        }
    }

    #[test]
    fn test_aclosing() -> PyResult<()> {
        // x = C()
        // self.assertEqual(state, [])
        // async with aclosing(x) as y:
        //     self.assertEqual(x, y)
        // self.assertEqual(state, [1])
        async_test(async {
            let state = State::default();
            let x = C(state.clone());
            assert_eq!(state.get(), Vec::<i64>::new());
            async_with(aclosing(x.clone()), async |y| {
                assert!(Rc::ptr_eq(&(x.0).0, &(y.0).0));
                Ok(())
            })
            .await?;
            assert_eq!(state.get(), [1]);
            Ok(())
        })
    }

    #[test]
    fn test_aclosing_error() -> PyResult<()> {
        // with self.assertRaises(ZeroDivisionError):
        //     async with aclosing(x) as y:
        //         self.assertEqual(x, y)
        //         1 / 0
        // self.assertEqual(state, [1])
        async_test(async {
            let state = State::default();
            let x = C(state.clone());
            let e = async_with(aclosing(x.clone()), async |y| {
                assert!(Rc::ptr_eq(&(x.0).0, &(y.0).0));
                Err::<(), _>(zero_division())
            })
            .await
            .unwrap_err();
            assert!(is_zero_division(&e));
            assert_eq!(state.get(), [1]);
            Ok(())
        })
    }

    #[test]
    fn test_aclosing_bpo41229() -> PyResult<()> {
        // @contextmanager
        // def sync_resource():
        //     try:
        //         yield
        //     finally:
        //         state.append(1)
        //
        // async def agenfunc():
        //     with sync_resource():
        //         yield -1
        //         yield -2
        //
        // x = agenfunc()
        // self.assertEqual(state, [])
        // with self.assertRaises(ZeroDivisionError):
        //     async with aclosing(x) as y:
        //         self.assertEqual(x, y)
        //         self.assertEqual(-1, await x.__anext__())
        //         1 / 0
        // self.assertEqual(state, [1])
        async_test(async {
            let state = State::default();
            let s = state.clone();
            let sync_resource = move || -> GeneratorContextManager<()> {
                let s = s.clone();
                contextmanager(Generator::new(
                    #[coroutine]
                    move |_| {
                        let body = yield_!();
                        s.push(1);
                        body.map(drop)
                    },
                ))
            };
            let x = AsyncGenerator::new(async move |co| {
                // `with sync_resource():` around yields, the statement spelled out
                let mut cm = sync_resource();
                cm.enter()?;
                let body: PyResult<()> = async {
                    co.yield_(-1).await?;
                    co.yield_(-2).await?;
                    Ok(())
                }
                .await;
                cm.exit(body.err())
            });
            assert_eq!(state.get(), Vec::<i64>::new());
            let e = async_with(aclosing(x.clone()), async |y| {
                assert!(x.is(&y));
                assert_eq!(x.anext().await?, -1);
                Err::<(), _>(zero_division())
            })
            .await
            .unwrap_err();
            assert!(is_zero_division(&e));
            assert_eq!(state.get(), [1]);
            Ok(())
        })
    }
}

/// `class TestAsyncExitStack(TestBaseExitStack, unittest.TestCase)`:
/// `exit_stack = SyncAsyncExitStack`.
mod test_async_exit_stack {
    use super::*;

    /// `class SyncAsyncExitStack(AsyncExitStack)`: `__enter__`, `__exit__` and `close` run
    /// `__aenter__`, `__aexit__` and `aclose` to completion on a loop (`run_coroutine`);
    /// `callback`, `push`, `enter_context` and `pop_all` are AsyncExitStack's own.
    #[derive(Clone, Default)]
    struct SyncAsyncExitStack(AsyncExitStack);

    impl SyncAsyncExitStack {
        /// `run_coroutine(coro)`: on a loop of its own, where CPython runs each on the
        /// test's one loop; none of these coroutines leaves anything on it.
        fn run_coroutine<T: Clone + 'static>(
            coro: impl std::future::Future<Output = PyResult<T>> + 'static,
        ) -> PyResult<T> {
            run_with_clock(coro, Clock::new_virtual())
        }
    }

    impl ContextManager for SyncAsyncExitStack {
        type Target = SyncAsyncExitStack;

        fn enter(&mut self) -> PyResult<SyncAsyncExitStack> {
            let mut stack = self.0.clone();
            Self::run_coroutine(async move { stack.aenter().await }).map(SyncAsyncExitStack)
        }

        fn exit(&mut self, exc: Option<Exception>) -> PyResult<()> {
            let mut stack = self.0.clone();
            Self::run_coroutine(async move { stack.aexit(exc).await })
        }
    }

    impl ExitStackClass for SyncAsyncExitStack {
        fn new() -> Self {
            Self::default()
        }
        fn callback(&self, f: impl FnOnce() -> PyResult<()> + 'static) {
            self.0.callback(f)
        }
        fn push(&self, exit: impl FnOnce(Option<Exception>) -> PyResult<()> + 'static) {
            self.0.push(exit)
        }
        fn push_cm<C: ContextManager + 'static>(&self, cm: C) {
            self.0.push_cm(cm)
        }
        fn enter_context<C: ContextManager + 'static>(&self, cm: C) -> PyResult<C::Target> {
            self.0.enter_context(cm)
        }
        fn close(&self) -> PyResult<()> {
            let stack = self.0.clone();
            Self::run_coroutine(async move { stack.aclose().await })
        }
        fn pop_all(&self) -> Self {
            SyncAsyncExitStack(self.0.pop_all())
        }
    }

    base_exit_stack_tests!(SyncAsyncExitStack);

    #[test]
    fn test_async_exit_exception_chaining() -> PyResult<()> {
        // # Ensure exception chaining matches the reference behaviour
        // async def raise_exc(exc):
        //     raise exc
        //
        // saved_details = None
        // async def suppress_exc(*exc_details):
        //     nonlocal saved_details
        //     saved_details = exc_details
        //     return True
        //
        // try:
        //     async with self.exit_stack() as stack:
        //         stack.push_async_callback(raise_exc, IndexError)
        //         stack.push_async_callback(raise_exc, KeyError)
        //         stack.push_async_callback(raise_exc, AttributeError)
        //         stack.push_async_exit(suppress_exc)
        //         stack.push_async_callback(raise_exc, ValueError)
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
        fn raise_exc(
            exc: impl Into<Exception>,
        ) -> impl FnOnce() -> std::future::Ready<PyResult<()>> {
            let exc = exc.into();
            move || std::future::ready(Err(exc))
        }
        async_test(async {
            let saved_details = Rc::new(RefCell::new(None));
            // `async with` on a SyncAsyncExitStack is AsyncExitStack's own.
            let raised = async_with(AsyncExitStack::new(), async |stack| {
                stack.push_async_callback(raise_exc(IndexError::default()));
                stack.push_async_callback(raise_exc(KeyError::default()));
                stack.push_async_callback(raise_exc(AttributeError::default()));
                let saved = saved_details.clone();
                stack.push_async_exit(move |exc| async move {
                    *saved.borrow_mut() = exc;
                    Ok(())
                });
                stack.push_async_callback(raise_exc(ValueError::default()));
                Err::<(), _>(zero_division())
            })
            .await;
            test_base_exit_stack::check_exception_chaining(
                raised,
                saved_details.borrow_mut().take(),
            );
            Ok(())
        })
    }

    py_exception!(MyException(Exception));

    #[test]
    fn test_async_exit_exception_explicit_none_context() -> PyResult<()> {
        // # Ensure AsyncExitStack chaining matches actual nested `with` statements
        // # regarding explicit __context__ = None.
        //
        // @asynccontextmanager
        // async def my_cm():
        //     try:
        //         yield
        //     except BaseException:
        //         exc = MyException()
        //         try:
        //             raise exc
        //         finally:
        //             exc.__context__ = None
        fn my_cm() -> AsyncGeneratorContextManager<()> {
            asynccontextmanager(AsyncGenerator::new(async move |co| {
                match co.yield_(()).await {
                    Err(_) => {
                        let mut exc: Exception = MyException::default().into();
                        set_context(&mut exc, None); // exc.__context__ = None
                        Err(exc)
                    }
                    Ok(_) => Ok(()),
                }
            }))
        }
        // @asynccontextmanager
        // async def my_cm_with_exit_stack():
        //     async with self.exit_stack() as stack:
        //         await stack.enter_async_context(my_cm())
        //         yield stack
        fn my_cm_with_exit_stack() -> AsyncGeneratorContextManager<AsyncExitStack> {
            asynccontextmanager(AsyncGenerator::new(async move |co| {
                // The `async with` around a `yield`, spelled out.
                let mut exit_stack = AsyncExitStack::new();
                let stack = exit_stack.aenter().await?;
                let body = match stack.enter_async_context(my_cm()).await {
                    Ok(()) => co.yield_(stack).await.map(drop),
                    Err(e) => Err(e),
                };
                exit_stack.aexit(body.err()).await
            }))
        }
        // for cm in (my_cm, my_cm_with_exit_stack):
        //     with self.subTest():
        //         try:
        //             async with cm():
        //                 raise IndexError()
        //         except MyException as exc:
        //             self.assertIsNone(exc.__context__)
        //         else:
        //             self.fail("Expected IndexError, but no exception was raised")
        async fn check<C: AsyncContextManager>(cm: C) {
            let raised = async_with(cm, async |_| Err::<(), _>(IndexError::default().into()));
            let exc = raised
                .await
                .expect_err("Expected IndexError, but no exception was raised");
            assert!(exc.is::<MyException>());
            assert!(context(&exc).is_none());
        }
        async_test(async {
            check(my_cm()).await;
            check(my_cm_with_exit_stack()).await;
            Ok(())
        })
    }

    /// The check of `push_async_callback`'s wrappers (`__wrapped__`, `__name__`) and of
    /// its argument errors (`TypeError`) is not carried: a Rust callback is a closure
    /// that captures its arguments, and a missing one does not compile.
    #[test]
    fn test_async_callback() -> PyResult<()> {
        // expected = [((), {}), ((1,), {}), ((1,2), {}), ((), dict(example=1)), ...]
        // async def _exit(*args, **kwds):
        //     result.append((args, kwds))
        // async with AsyncExitStack() as stack:
        //     for args, kwds in reversed(expected):
        //         stack.push_async_callback(_exit, *args, **kwds)
        // self.assertEqual(result, expected)
        async_test(async {
            let expected = test_base_exit_stack::callback_calls();
            let result = Rc::new(RefCell::new(Vec::new()));
            let pushed = expected.clone();
            let r = result.clone();
            async_with(AsyncExitStack::new(), async move |stack| {
                for (args, kwds) in pushed.into_iter().rev() {
                    let result = r.clone();
                    stack.push_async_callback(move || async move {
                        result.borrow_mut().push((args, kwds));
                        Ok(())
                    });
                }
                Ok(())
            })
            .await?;
            assert_eq!(*result.borrow(), expected);
            Ok(())
        })
    }

    /// The checks that each callback pushed is the last of the stack's private
    /// `_exit_callbacks` are not carried.
    #[test]
    fn test_async_push() -> PyResult<()> {
        // exc_raised = ZeroDivisionError
        // async def _expect_exc(exc_type, exc, exc_tb):
        //     self.assertIs(exc_type, exc_raised)
        // async def _suppress_exc(*exc_details):
        //     return True
        // async def _expect_ok(exc_type, exc, exc_tb):
        //     self.assertIsNone(exc_type)
        // class ExitCM(object):
        //     async def __aenter__(self):
        //         self.fail("Should not be called!")
        //     async def __aexit__(self, *exc_details):
        //         await self.check_exc(*exc_details)
        async fn expect_exc(exc: Option<Exception>) -> PyResult<()> {
            let exc = exc.expect("an exception");
            assert!(is_zero_division(&exc));
            Err(exc) // returns None: not suppressed
        }
        async fn suppress_exc(_: Option<Exception>) -> PyResult<()> {
            Ok(()) // return True
        }
        async fn expect_ok(exc: Option<Exception>) -> PyResult<()> {
            assert!(exc.is_none());
            Ok(())
        }
        struct ExitCm(bool); // expects an exception?
        impl AsyncContextManager for ExitCm {
            type Target = ();
            async fn aenter(&mut self) -> PyResult<()> {
                panic!("Should not be called!")
            }
            async fn aexit(&mut self, exc: Option<Exception>) -> PyResult<()> {
                match self.0 {
                    true => expect_exc(exc).await,
                    false => expect_ok(exc).await,
                }
            }
        }
        // async with self.exit_stack() as stack:
        //     stack.push_async_exit(_expect_ok)
        //     stack.push_async_exit(ExitCM(_expect_ok))
        //     stack.push_async_exit(_suppress_exc)
        //     stack.push_async_exit(ExitCM(_expect_exc))
        //     stack.push_async_exit(_expect_exc)
        //     stack.push_async_exit(_expect_exc)
        //     1/0
        async_test(async {
            let suppressed = async_with(AsyncExitStack::new(), async |stack| {
                stack.push_async_exit(expect_ok);
                stack.push_async_cm(ExitCm(false));
                stack.push_async_exit(suppress_exc);
                stack.push_async_cm(ExitCm(true));
                stack.push_async_exit(expect_exc);
                stack.push_async_exit(expect_exc);
                Err::<(), _>(zero_division())
            })
            .await?;
            assert_eq!(suppressed, None);
            Ok(())
        })
    }

    /// The check that the context manager's exit is the stack's last callback is not
    /// carried (private `_exit_callbacks`).
    #[test]
    fn test_enter_async_context() -> PyResult<()> {
        // class TestCM(object):
        //     async def __aenter__(self):
        //         result.append(1)
        //     async def __aexit__(self, *exc_details):
        //         result.append(3)
        //
        // async with AsyncExitStack() as stack:
        //     @stack.push_async_callback  # Registered first => cleaned up last
        //     async def _exit():
        //         result.append(4)
        //     await stack.enter_async_context(cm)
        //     result.append(2)
        //
        // self.assertEqual(result, [1, 2, 3, 4])
        struct TestCm(State);
        impl AsyncContextManager for TestCm {
            type Target = ();
            async fn aenter(&mut self) -> PyResult<()> {
                self.0.push(1);
                Ok(())
            }
            async fn aexit(&mut self, exc: Option<Exception>) -> PyResult<()> {
                self.0.push(3);
                exc.map_or(Ok(()), Err)
            }
        }
        async_test(async {
            let result = State::default();
            let cm = TestCm(result.clone());
            async_with(AsyncExitStack::new(), async |stack| {
                let r = result.clone();
                stack.push_async_callback(move || async move {
                    r.push(4);
                    Ok(())
                });
                stack.enter_async_context(cm).await?;
                result.push(2);
                Ok(())
            })
            .await?;
            assert_eq!(result.get(), [1, 2, 3, 4]);
            Ok(())
        })
    }
}

/// `class TestAsyncNullcontext(unittest.TestCase)`
mod test_async_nullcontext {
    use super::*;

    #[test]
    fn test_async_nullcontext() -> PyResult<()> {
        // c = C()
        // async with nullcontext(c) as c_in:
        //     self.assertIs(c_in, c)
        async_test(async {
            let c = Rc::new(());
            async_with(nullcontext(c.clone()), async |c_in| {
                assert!(Rc::ptr_eq(&c_in, &c));
                Ok(())
            })
            .await?;
            Ok(())
        })
    }
}
