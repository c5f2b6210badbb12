//! CPython 3.11's `Lib/test/test_asyncgen.py`: PEP 525's async generators. One
//! `#[test]` per `test_*` method, with the Python's key lines above it.
//!
//! Python drives a coroutine by `send`/`throw` and sees what its innermost await
//! yields; Rust polls a future and sees `Pending`. The `AsyncGenTest` tests drive
//! `an.__next__()` by hand, with `@types.coroutine def awaitable()` yielding
//! `('result',)` or `('throw',)` to the driver, which throws `AwaitException` back in
//! for the latter; here `awaitable()` is a future that leaves that word in a mailbox and
//! returns `Pending` once, and on its next poll raises `AwaitException` if the driver
//! answered so. `an.__next__()` is one poll.
//!
//! Where a test throws into or sends into an `__anext__()` awaitable that has not
//! started (`it.__anext__().throw(E)`, `.send(v)`), which CPython treats as `athrow(E)`
//! and `asend(v)`, the Rust test calls those: a Rust future cannot be thrown into.
//! The `asyncio` tests run each on a fresh loop on the virtual clock.
//!
//! Not carried (see `not_applicable.toml`): the `SyntaxError` tests (a compile error in
//! Rust), the tests of frames, `types.coroutine`, `get_stack`, and argument checking
//! that Rust's types do at compile time.
// `async for x in it: break` and `async for _ in it: pass` are kept as Python has them.
#![allow(clippy::never_loop, clippy::redundant_pattern_matching)]

use std::cell::Cell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Poll};

use futures::TryStreamExt;
use pycoro::clock::Clock;
use pycoro::event_loop::{EventLoop, get_running_loop};
use pycoro::exceptions::format_exception_only;
use pycoro::native::{
    AsyncGenerator, AsyncIterable, AsyncIterator, StopAsyncIteration, aiter, anext, anext_or,
    create_task, run_with_clock, sleep,
};

use crate::support::*;

std::thread_local! {
    // What the innermost await yielded to the driver, and whether it throws back.
    static YIELDED: Cell<Option<&'static str>> = const { Cell::new(None) };
    static THROW_BACK: Cell<bool> = const { Cell::new(false) };
}

/// `@types.coroutine def awaitable(*, throw=False): yield ('throw',) if throw else ('result',)`
fn awaitable(throw: bool) -> impl Future<Output = PyResult<()>> {
    let mut yielded = false;
    std::future::poll_fn(move |_| {
        if !yielded {
            yielded = true;
            YIELDED.set(Some(if throw { "throw" } else { "result" }));
            return Poll::Pending;
        }
        if THROW_BACK.take() {
            return Poll::Ready(Err(PyException::new("AwaitException", "").into()));
        }
        Poll::Ready(Ok(()))
    })
}

/// `an.__next__()`: one step of `future`, and what its await yielded if it suspended.
fn next_step<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    Pin::new(future).poll(&mut cx)
}

/// The test's `run_until_complete(coro)`: steps it, throwing `AwaitException` in where
/// an await yielded `('throw',)`.
fn run_until_complete<T>(future: impl Future<Output = T>) -> T {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        if YIELDED.take() == Some("throw") {
            THROW_BACK.set(true);
        }
    }
}

/// `to_list(gen)`: `[i async for i in gen]` under the test's driver.
fn to_list<Y: 'static, S: 'static>(mut generator: AsyncGenerator<Y, S>) -> PyResult<Vec<Y>> {
    run_until_complete(async move {
        let mut res = Vec::new();
        while let Some(i) = generator.try_next().await? {
            res.push(i);
        }
        Ok(res)
    })
}

/// A step that ended with a value, as Python's `StopIteration(value)` out of a `send` or
/// `throw` says: the awaitable finished without suspending.
fn finished<T>(step: Poll<PyResult<T>>) -> T {
    match step {
        Poll::Ready(Ok(value)) => value,
        Poll::Ready(Err(e)) => panic!("raised {}", format_exception_only(&e)),
        Poll::Pending => panic!("StopIteration was not raised: it suspended"),
    }
}

/// Python's `1 / 0`.
fn zero_division() -> Exception {
    PyException::new("ZeroDivisionError", "division by zero").into()
}

fn is_zero_division(e: &Exception) -> bool {
    exception_name(e) == "ZeroDivisionError"
}

/// `str(type(ex))`.
fn class_of(e: &Exception) -> String {
    format!("<class '{}'>", exception_name(e))
}

/// `class AsyncGenTest(unittest.TestCase)`
mod async_gen_test {
    use super::*;

    /// `compare_generators(sync_gen, async_gen)`: both iterated to the end, each
    /// exception recorded as its class; the two records must be equal.
    fn compare_generators(sync_gen: Gen<i64>, async_gen: AsyncGenerator<i64>) -> Vec<String> {
        let mut sync_res = Vec::new();
        loop {
            match sync_gen.next() {
                Ok(Step::Yielded(v)) => sync_res.push(v.to_string()),
                Ok(Step::Returned(())) => {
                    sync_res.push("STOP".to_owned());
                    break;
                }
                Err(e) if e.is::<StopIteration>() => {
                    sync_res.push("STOP".to_owned());
                    break;
                }
                Err(e) => sync_res.push(class_of(&e)),
            }
        }
        let mut async_res = Vec::new();
        'outer: loop {
            let mut an = async_gen.anext();
            loop {
                match next_step(&mut an) {
                    Poll::Pending => continue, // an.__next__() again
                    Poll::Ready(Ok(v)) => {
                        async_res.push(v.to_string());
                        break;
                    }
                    Poll::Ready(Err(e)) if e.is::<StopAsyncIteration>() => {
                        async_res.push("STOP".to_owned());
                        break 'outer;
                    }
                    Poll::Ready(Err(e)) => {
                        async_res.push(class_of(&e));
                        break;
                    }
                }
            }
        }
        assert_eq!(sync_res, async_res);
        async_res
    }

    #[test]
    fn test_async_gen_iteration_01() -> PyResult<()> {
        // async def gen():
        //     await awaitable()
        //     a = yield 123
        //     self.assertIs(a, None)
        //     await awaitable()
        //     yield 456
        //     await awaitable()
        //     yield 789
        let g = AsyncGenerator::new(async move |co| {
            awaitable(false).await?;
            let a = co.yield_(123).await?;
            assert_eq!(a, None);
            awaitable(false).await?;
            co.yield_(456).await?;
            awaitable(false).await?;
            co.yield_(789).await?;
            Ok(())
        });
        assert_eq!(to_list(g)?, [123, 456, 789]);
        Ok(())
    }

    #[test]
    fn test_async_gen_iteration_02() {
        // async def gen():
        //     await awaitable()
        //     yield 123
        //     await awaitable()
        let g = AsyncGenerator::new(async move |co| {
            awaitable(false).await?;
            co.yield_(123).await?;
            awaitable(false).await?;
            Ok(())
        });
        let ai = aiter(&g);
        let mut an = ai.anext();
        assert!(next_step(&mut an).is_pending());
        assert_eq!(YIELDED.take(), Some("result"));
        assert_eq!(next_step(&mut an).map(Result::ok), Poll::Ready(Some(123)));
        let mut an = ai.anext();
        assert!(next_step(&mut an).is_pending());
        assert_eq!(YIELDED.take(), Some("result"));
        match next_step(&mut an) {
            Poll::Ready(Err(e)) => {
                assert!(e.is::<StopAsyncIteration>());
                assert_eq!(e.to_string(), ""); // self.assertFalse(ex.args)
            }
            other => panic!("StopAsyncIteration was not raised: {:?}", other.is_ready()),
        }
    }

    #[test]
    fn test_async_gen_exception_03() {
        // async def gen():
        //     await awaitable()
        //     yield 123
        //     await awaitable(throw=True)
        //     yield 456
        let g = AsyncGenerator::new(async move |co| {
            awaitable(false).await?;
            co.yield_(123).await?;
            awaitable(true).await?;
            co.yield_(456).await?;
            Ok(())
        });
        let e = to_list(g).unwrap_err();
        assert_eq!(exception_name(&e), "AwaitException");
    }

    #[test]
    fn test_async_gen_exception_04() {
        // async def gen():
        //     await awaitable()
        //     yield 123
        //     1 / 0
        let g = AsyncGenerator::new(async move |co| {
            awaitable(false).await?;
            co.yield_(123).await?;
            Err(zero_division())
        });
        let ai = aiter(&g);
        let mut an = ai.anext();
        assert!(next_step(&mut an).is_pending());
        assert_eq!(YIELDED.take(), Some("result"));
        assert_eq!(next_step(&mut an).map(Result::ok), Poll::Ready(Some(123)));
        match next_step(&mut ai.anext()) {
            Poll::Ready(Err(e)) => assert!(is_zero_division(&e)),
            _ => panic!("ZeroDivisionError was not raised"),
        }
    }

    #[test]
    fn test_async_gen_exception_05() {
        // async def gen():
        //     yield 123
        //     raise StopAsyncIteration
        let g = AsyncGenerator::new(async move |co| {
            co.yield_(123).await?;
            Err(StopAsyncIteration::default().into())
        });
        let e = to_list(g).unwrap_err();
        assert!(e.is::<RuntimeError>());
        assert_eq!(e.to_string(), "async generator raised StopAsyncIteration");
    }

    #[test]
    fn test_async_gen_exception_06() {
        // async def gen():
        //     yield 123
        //     raise StopIteration
        let g = AsyncGenerator::new(async move |co| {
            co.yield_(123).await?;
            Err(StopIteration::default().into())
        });
        let e = to_list(g).unwrap_err();
        assert!(e.is::<RuntimeError>());
        assert_eq!(e.to_string(), "async generator raised StopIteration");
    }

    #[test]
    fn test_async_gen_exception_07() {
        // def sync_gen():
        //     try:
        //         yield 1
        //         1 / 0
        //     finally:
        //         yield 2
        //         yield 3
        //
        //     yield 100
        let sync_gen: Gen<i64> = Generator::new(
            #[coroutine]
            |_| {
                let tried = yield_!(1).and_then(|_| Err::<(), _>(zero_division()));
                yield_!(2)?;
                yield_!(3)?;
                tried?;
                yield_!(100)?;
                Ok(())
            },
        );
        // async def async_gen(): (the same, with async def)
        let async_gen = AsyncGenerator::new(async move |co| {
            let tried: PyResult<()> = async {
                co.yield_(1).await?;
                Err(zero_division())
            }
            .await;
            co.yield_(2).await?;
            co.yield_(3).await?;
            tried?;
            co.yield_(100).await?;
            Ok(())
        });
        let res = compare_generators(sync_gen, async_gen);
        assert_eq!(res, ["1", "2", "3", "<class 'ZeroDivisionError'>", "STOP"]);
    }

    #[test]
    fn test_async_gen_exception_08() {
        // def sync_gen():
        //     try:
        //         yield 1
        //     finally:
        //         yield 2
        //         1 / 0
        //         yield 3
        //
        //     yield 100
        let sync_gen: Gen<i64> = Generator::new(
            #[coroutine]
            |_| {
                let tried = yield_!(1).map(|_| ());
                yield_!(2)?;
                Err::<(), _>(zero_division())?;
                yield_!(3)?;
                tried?;
                yield_!(100)?;
                Ok(())
            },
        );
        // async def async_gen():
        //     try:
        //         yield 1
        //         await awaitable()
        //     finally:
        //         await awaitable()
        //         yield 2
        //         1 / 0
        //         yield 3
        //
        //     yield 100
        let async_gen = AsyncGenerator::new(async move |co| {
            let tried: PyResult<()> = async {
                co.yield_(1).await?;
                awaitable(false).await
            }
            .await;
            awaitable(false).await?;
            co.yield_(2).await?;
            Err::<(), _>(zero_division())?;
            co.yield_(3).await?;
            tried?;
            co.yield_(100).await?;
            Ok(())
        });
        let res = compare_generators(sync_gen, async_gen);
        assert_eq!(res, ["1", "2", "<class 'ZeroDivisionError'>", "STOP"]);
    }

    #[test]
    fn test_async_gen_exception_09() {
        // def sync_gen():
        //     try:
        //         yield 1
        //         1 / 0
        //     finally:
        //         yield 2
        //         yield 3
        //
        //     yield 100
        let sync_gen: Gen<i64> = Generator::new(
            #[coroutine]
            |_| {
                let tried = yield_!(1).and_then(|_| Err::<(), _>(zero_division()));
                yield_!(2)?;
                yield_!(3)?;
                tried?;
                yield_!(100)?;
                Ok(())
            },
        );
        // async def async_gen():
        //     try:
        //         await awaitable()
        //         yield 1
        //         1 / 0
        //     finally:
        //         yield 2
        //         await awaitable()
        //         yield 3
        //
        //     yield 100
        let async_gen = AsyncGenerator::new(async move |co| {
            let tried: PyResult<()> = async {
                awaitable(false).await?;
                co.yield_(1).await?;
                Err(zero_division())
            }
            .await;
            co.yield_(2).await?;
            awaitable(false).await?;
            co.yield_(3).await?;
            tried?;
            co.yield_(100).await?;
            Ok(())
        });
        let res = compare_generators(sync_gen, async_gen);
        assert_eq!(res, ["1", "2", "3", "<class 'ZeroDivisionError'>", "STOP"]);
    }

    #[test]
    fn test_async_gen_exception_10() {
        // async def gen():
        //     yield 123
        // gen().__anext__().send(100)  -> TypeError "non-None value .* async generator"
        let g: AsyncGenerator<i64, i64> = AsyncGenerator::receiving(async move |co| {
            co.yield_(123).await?;
            Ok(())
        });
        match next_step(&mut g.asend(100)) {
            Poll::Ready(Err(e)) => {
                assert!(e.is::<TypeError>());
                assert_eq!(
                    e.to_string(),
                    "can't send non-None value to a just-started async generator"
                );
            }
            _ => panic!("TypeError was not raised"),
        }
    }

    #[test]
    fn test_async_gen_exception_11() {
        // def sync_gen():
        //     yield 10
        //     yield 20
        fn sync_gen() -> Gen<i64> {
            Generator::new(
                #[coroutine]
                |_| {
                    yield_!(10)?;
                    yield_!(20)?;
                    Ok(())
                },
            )
        }
        // def sync_gen_wrapper():
        //     yield 1
        //     sg = sync_gen()
        //     sg.send(None)
        //     try:
        //         sg.throw(GeneratorExit())
        //     except GeneratorExit:
        //         yield 2
        //     yield 3
        let sync_gen_wrapper: Gen<i64> = Generator::new(
            #[coroutine]
            |_| {
                yield_!(1)?;
                let sg = sync_gen();
                sg.send(None)?;
                match sg.throw(GeneratorExit::default()) {
                    Err(e) if e.is::<GeneratorExit>() => {
                        yield_!(2)?;
                    }
                    other => {
                        other?;
                    }
                }
                yield_!(3)?;
                Ok(())
            },
        );
        // async def async_gen():
        //     yield 10
        //     yield 20
        fn async_gen() -> AsyncGenerator<i64> {
            AsyncGenerator::new(async move |co| {
                co.yield_(10).await?;
                co.yield_(20).await?;
                Ok(())
            })
        }
        // async def async_gen_wrapper():
        //     yield 1
        //     asg = async_gen()
        //     await asg.asend(None)
        //     try:
        //         await asg.athrow(GeneratorExit())
        //     except GeneratorExit:
        //         yield 2
        //     yield 3
        let async_gen_wrapper = AsyncGenerator::new(async move |co| {
            co.yield_(1).await?;
            let asg = async_gen();
            asg.asend(None).await?;
            match asg.athrow(GeneratorExit::default()).await {
                Err(e) if e.is::<GeneratorExit>() => {
                    co.yield_(2).await?;
                }
                other => {
                    other?;
                }
            }
            co.yield_(3).await?;
            Ok(())
        });
        let res = compare_generators(sync_gen_wrapper, async_gen_wrapper);
        assert_eq!(res, ["1", "2", "3", "STOP"]);
    }
}

/// `class AsyncGenAsyncioTest(unittest.TestCase)`: each test on a new loop
/// (`setUp`), closed at its end (`tearDown`).
mod async_gen_asyncio_test {
    use super::*;

    /// `self.loop = asyncio.new_event_loop()`, closed when dropped (`tearDown`).
    struct TestLoop(EventLoop);

    impl TestLoop {
        fn new() -> Self {
            TestLoop(EventLoop::new(Clock::new_virtual()))
        }

        /// `self.loop.run_until_complete(coro)`.
        fn run_until_complete<T: Clone + 'static>(
            &self,
            coro: impl Future<Output = PyResult<T>> + 'static,
        ) -> PyResult<T> {
            let task = self.0.create_native_task(coro)?;
            self.0.run_until_complete(task)
        }
    }

    impl Drop for TestLoop {
        fn drop(&mut self) {
            let _ = self.0.close();
        }
    }

    /// `nonlocal DONE`.
    #[derive(Clone, Default)]
    struct Done(Rc<Cell<i64>>);

    impl Done {
        fn get(&self) -> i64 {
            self.0.get()
        }
        fn set(&self, v: i64) {
            self.0.set(v)
        }
        fn add(&self, v: i64) {
            self.0.set(self.0.get() + v)
        }
    }

    /// `async def to_list(self, gen)`: `async for i in gen: res.append(i)`.
    async fn to_list<I>(generator: I) -> PyResult<Vec<I::Ok>>
    where
        I: futures::TryStream<Error = Exception> + Unpin,
    {
        let mut generator = generator;
        let mut res = Vec::new();
        while let Some(i) = generator.try_next().await? {
            res.push(i);
        }
        Ok(res)
    }

    /// The test's `py_anext(iterator, default)`: "a pure-Python implementation of
    /// anext()", which `check_async_iterator_anext` runs beside the builtin.
    async fn py_anext<I: AsyncIterator>(
        iterator: &I,
        default: Option<I::Item>,
    ) -> PyResult<I::Item> {
        match default {
            None => iterator.anext().await,
            Some(default) => match iterator.anext().await {
                Err(e) if e.is::<StopAsyncIteration>() => Ok(default),
                other => other,
            },
        }
    }

    /// `anext(it)` or `anext(it, default)`, builtin or pure-Python.
    async fn any_anext<I: AsyncIterator>(
        builtin: bool,
        iterator: &I,
        default: Option<I::Item>,
    ) -> PyResult<I::Item> {
        match (builtin, default) {
            (true, None) => anext(iterator).await,
            (true, Some(default)) => anext_or(iterator, default).await,
            (false, default) => py_anext(iterator, default).await,
        }
    }

    fn assert_stop_async_iteration<T>(result: PyResult<T>) {
        match result {
            Err(e) => assert!(
                e.is::<StopAsyncIteration>(),
                "{}",
                format_exception_only(&e)
            ),
            Ok(_) => panic!("StopAsyncIteration was not raised"),
        }
    }

    /// `check_async_iterator_anext(ait_class)`, for the pure-Python `anext` and the
    /// builtin. Its `test_throw` part (`anext(p, "completed").throw(SyntaxError)`) is
    /// not carried: a Rust future cannot be thrown into.
    fn check_async_iterator_anext<I>(ait_class: fn() -> I)
    where
        I: AsyncIterator<Item = Value> + Clone + 'static,
    {
        for builtin in [false, true] {
            let test_loop = TestLoop::new();
            let g = ait_class();
            // async def consume():
            //     results = []
            //     results.append(await anext(g))
            //     results.append(await anext(g))
            //     results.append(await anext(g, 'buckle my shoe'))
            //     return results
            let consume = move |g: I| async move {
                let mut results = Vec::new();
                results.push(any_anext(builtin, &g, None).await?);
                results.push(any_anext(builtin, &g, None).await?);
                results.push(any_anext(builtin, &g, Some("buckle my shoe".into())).await?);
                Ok(results)
            };
            let res = test_loop.run_until_complete(consume(g.clone())).unwrap();
            assert_eq!(res, [Value::Int(1), Value::Int(2), "buckle my shoe".into()]);
            assert_stop_async_iteration(test_loop.run_until_complete(consume(g)));

            // async def test_2(): ...
            let result = test_loop.run_until_complete(async move {
                let g1 = ait_class();
                assert_eq!(any_anext(builtin, &g1, None).await?, Value::Int(1));
                assert_eq!(any_anext(builtin, &g1, None).await?, Value::Int(2));
                assert_stop_async_iteration(any_anext(builtin, &g1, None).await);
                assert_stop_async_iteration(any_anext(builtin, &g1, None).await);

                let g2 = ait_class();
                let default = || Some(Value::from("default"));
                assert_eq!(any_anext(builtin, &g2, default()).await?, Value::Int(1));
                assert_eq!(any_anext(builtin, &g2, default()).await?, Value::Int(2));
                assert_eq!(any_anext(builtin, &g2, default()).await?, "default".into());
                assert_eq!(any_anext(builtin, &g2, default()).await?, "default".into());
                Ok("completed")
            });
            assert_eq!(result.unwrap(), "completed");

            // def test_send():
            //     p = ait_class()
            //     obj = anext(p, "completed")
            //     with self.assertRaises(StopIteration):   # done at its first step
            //         with contextlib.closing(obj.__await__()) as g:
            //             g.send(None)
            let p = ait_class();
            let mut obj = pin!(any_anext(builtin, &p, Some("completed".into())));
            let mut cx = Context::from_waker(futures::task::noop_waker_ref());
            assert!(obj.as_mut().poll(&mut cx).is_ready());
        }
    }

    #[test]
    fn test_async_generator_anext() {
        // async def agen():
        //     yield 1
        //     yield 2
        fn agen() -> AsyncGenerator<Value> {
            AsyncGenerator::new(async move |co| {
                co.yield_(Value::Int(1)).await?;
                co.yield_(Value::Int(2)).await?;
                Ok(())
            })
        }
        check_async_iterator_anext(agen);
    }

    #[test]
    fn test_python_async_iterator_anext() {
        // class MyAsyncIter:
        //     """Asynchronously yield 1, then 2."""
        //     def __init__(self):
        //         self.yielded = 0
        //     def __aiter__(self):
        //         return self
        //     async def __anext__(self):
        //         if self.yielded >= 2:
        //             raise StopAsyncIteration()
        //         else:
        //             self.yielded += 1
        //             return self.yielded
        #[derive(Clone, Default)]
        struct MyAsyncIter {
            yielded: Rc<Cell<i64>>,
        }
        impl AsyncIterator for MyAsyncIter {
            type Item = Value;
            async fn anext(&self) -> PyResult<Value> {
                if self.yielded.get() >= 2 {
                    Err(StopAsyncIteration::default().into())
                } else {
                    self.yielded.set(self.yielded.get() + 1);
                    Ok(Value::Int(self.yielded.get()))
                }
            }
        }
        check_async_iterator_anext(MyAsyncIter::default);
    }

    #[test]
    fn test_async_gen_aiter() -> PyResult<()> {
        // async def gen():
        //     yield 1
        //     yield 2
        // g = gen()
        // async def consume():
        //     return [i async for i in aiter(g)]
        let g = AsyncGenerator::new(async move |co| {
            co.yield_(1).await?;
            co.yield_(2).await?;
            Ok(())
        });
        let res = TestLoop::new()
            .run_until_complete(async move { aiter(&g).try_collect::<Vec<_>>().await })?;
        assert_eq!(res, [1, 2]);
        Ok(())
    }

    #[test]
    fn test_async_gen_aiter_class() -> PyResult<()> {
        // class Gen:
        //     async def __aiter__(self):
        //         yield 1
        //         yield 2
        struct Gen;
        impl AsyncIterable for Gen {
            type Iter = AsyncGenerator<i64>;
            fn aiter(&self) -> AsyncGenerator<i64> {
                AsyncGenerator::new(async move |co| {
                    co.yield_(1).await?;
                    co.yield_(2).await?;
                    Ok(())
                })
            }
        }
        // async def consume():
        //     ait = aiter(g)
        //     while True:
        //         try:
        //             results.append(await anext(ait))
        //         except StopAsyncIteration:
        //             break
        let results = Log::default();
        let log = results.clone();
        TestLoop::new().run_until_complete(async move {
            let ait = aiter(&Gen);
            loop {
                match anext(&ait).await {
                    Ok(v) => log.push(v.to_string()),
                    Err(e) if e.is::<StopAsyncIteration>() => break,
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })?;
        assert_eq!(results.take(), ["1", "2"]);
        Ok(())
    }

    #[test]
    fn test_aiter_idempotent() {
        // async def gen():
        //     yield 1
        // applied_once = aiter(gen())
        // applied_twice = aiter(applied_once)
        // self.assertIs(applied_once, applied_twice)
        let gen_ = AsyncGenerator::new(async move |co| {
            co.yield_(1).await?;
            Ok(())
        });
        let applied_once = aiter(&gen_);
        let applied_twice = aiter(&applied_once);
        assert!(applied_once.is(&applied_twice));
    }

    #[test]
    fn test_anext_await_raises() -> PyResult<()> {
        // class RaisingAwaitable:
        //     def __await__(self):
        //         raise ZeroDivisionError()
        //         yield
        // class WithRaisingAwaitableAnext:
        //     def __aiter__(self):
        //         return self
        //     def __anext__(self):
        //         return RaisingAwaitable()
        struct WithRaisingAwaitableAnext;
        impl AsyncIterator for WithRaisingAwaitableAnext {
            type Item = Value;
            // `__anext__` returns an awaitable that raises once awaited.
            #[allow(clippy::manual_async_fn)]
            fn anext(&self) -> impl Future<Output = PyResult<Value>> {
                async { Err(zero_division()) }
            }
        }
        // async def do_test():
        //     awaitable = anext(WithRaisingAwaitableAnext())
        //     with self.assertRaises(ZeroDivisionError):
        //         await awaitable
        //     awaitable = anext(WithRaisingAwaitableAnext(), "default")
        //     with self.assertRaises(ZeroDivisionError):
        //         await awaitable
        //     return "completed"
        let result = TestLoop::new().run_until_complete(async {
            let e = anext(&WithRaisingAwaitableAnext).await.unwrap_err();
            assert!(is_zero_division(&e));
            let e = anext_or(&WithRaisingAwaitableAnext, "default".into())
                .await
                .unwrap_err();
            assert!(is_zero_division(&e));
            Ok("completed")
        })?;
        assert_eq!(result, "completed");
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_01() -> PyResult<()> {
        // async def gen():
        //     yield 1
        //     await asyncio.sleep(0.01)
        //     yield 2
        //     await asyncio.sleep(0.01)
        //     return
        //     yield 3          (never reached: Rust would warn of dead code)
        let g = AsyncGenerator::new(async move |co| {
            co.yield_(1).await?;
            sleep(0.01).await?;
            co.yield_(2).await?;
            sleep(0.01).await?;
            Ok(())
        });
        let res = TestLoop::new().run_until_complete(to_list(g))?;
        assert_eq!(res, [1, 2]);
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_02() {
        // async def gen():
        //     yield 1
        //     await asyncio.sleep(0.01)
        //     yield 2
        //     1 / 0
        //     yield 3
        let g = AsyncGenerator::new(async move |co| {
            co.yield_(1).await?;
            sleep(0.01).await?;
            co.yield_(2).await?;
            Err::<(), _>(zero_division())?;
            co.yield_(3).await?;
            Ok(())
        });
        let e = TestLoop::new().run_until_complete(to_list(g)).unwrap_err();
        assert!(is_zero_division(&e));
    }

    #[test]
    fn test_async_gen_asyncio_03() -> PyResult<()> {
        // class Gen:
        //     async def __aiter__(self):
        //         yield 1
        //         await asyncio.sleep(0.01)
        //         yield 2
        struct Gen;
        impl AsyncIterable for Gen {
            type Iter = AsyncGenerator<i64>;
            fn aiter(&self) -> AsyncGenerator<i64> {
                AsyncGenerator::new(async move |co| {
                    co.yield_(1).await?;
                    sleep(0.01).await?;
                    co.yield_(2).await?;
                    Ok(())
                })
            }
        }
        // res = loop.run_until_complete(self.to_list(Gen()))   (async for calls __aiter__)
        let res = TestLoop::new().run_until_complete(to_list(aiter(&Gen)))?;
        assert_eq!(res, [1, 2]);
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_anext_04() -> PyResult<()> {
        // async def foo():
        //     yield 1
        //     await asyncio.sleep(0.01)
        //     try:
        //         yield 2
        //         yield 3
        //     except ZeroDivisionError:
        //         yield 1000
        //     await asyncio.sleep(0.01)
        //     yield 4
        fn foo() -> AsyncGenerator<i64> {
            AsyncGenerator::new(async move |co| {
                co.yield_(1).await?;
                sleep(0.01).await?;
                let tried: PyResult<()> = async {
                    co.yield_(2).await?;
                    co.yield_(3).await?;
                    Ok(())
                }
                .await;
                match tried {
                    Err(e) if is_zero_division(&e) => {
                        co.yield_(1000).await?;
                    }
                    other => other?,
                }
                sleep(0.01).await?;
                co.yield_(4).await?;
                Ok(())
            })
        }
        let test_loop = TestLoop::new();
        // async def run1():
        test_loop.run_until_complete(async {
            let it = aiter(&foo());
            assert_eq!(it.anext().await?, 1);
            assert_eq!(it.anext().await?, 2);
            assert_eq!(it.anext().await?, 3);
            assert_eq!(it.anext().await?, 4);
            assert_stop_async_iteration(it.anext().await);
            assert_stop_async_iteration(it.anext().await);
            Ok(())
        })?;
        // async def run2():
        //     ...
        //     try:
        //         it.__anext__().throw(ZeroDivisionError)
        //     except StopIteration as ex:
        //         self.assertEqual(ex.args[0], 1000)
        test_loop.run_until_complete(async {
            let it = aiter(&foo());
            assert_eq!(it.anext().await?, 1);
            assert_eq!(it.anext().await?, 2);
            assert_eq!(
                finished(futures::poll!(it.athrow(zero_division()))),
                Some(1000)
            );
            assert_eq!(it.anext().await?, 4);
            assert_stop_async_iteration(it.anext().await);
            Ok(())
        })?;
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_anext_05() -> PyResult<()> {
        // async def foo():
        //     v = yield 1
        //     v = yield v
        //     yield v * 100
        let foo = || {
            AsyncGenerator::<i64, i64>::receiving(async move |co| {
                let v = co.yield_(1).await?.unwrap_or_default();
                let v = co.yield_(v).await?.unwrap_or_default();
                co.yield_(v * 100).await?;
                Ok(())
            })
        };
        // it.__anext__().send(None) -> StopIteration(1); .send(10) -> 10; .send(12) -> 1200
        // (a send into a new __anext__() awaitable is an asend of that value)
        TestLoop::new().run_until_complete(async move {
            let it = aiter(&foo());
            assert_eq!(finished(futures::poll!(it.anext())), 1);
            assert_eq!(finished(futures::poll!(it.asend(10))), 10);
            assert_eq!(finished(futures::poll!(it.asend(12))), 1200);
            assert_stop_async_iteration(it.anext().await);
            Ok(())
        })
    }

    #[test]
    fn test_async_gen_asyncio_anext_06() -> PyResult<()> {
        let done = Done::default();
        // test synchronous generators
        // def foo():
        //     try:
        //         yield
        //     except:
        //         pass
        let g: Gen<()> = Generator::new(
            #[coroutine]
            |_| {
                let _ = yield_!();
                Ok(())
            },
        );
        g.send(None)?;
        assert!(matches!(g.send(None), Ok(Step::Returned(())))); // StopIteration
        // async def gen():
        //     nonlocal DONE
        //     try:
        //         yield
        //     except:
        //         pass
        //     DONE = 1
        let d = done.clone();
        let gen_ = move || {
            AsyncGenerator::new(async move |co| {
                let _ = co.yield_(()).await;
                d.set(1);
                Ok(())
            })
        };
        // async def run():
        //     g = gen()
        //     await g.asend(None)
        //     with self.assertRaises(StopAsyncIteration):
        //         await g.asend(None)
        //     DONE += 10
        let d = done.clone();
        TestLoop::new().run_until_complete(async move {
            let g = gen_();
            g.asend(None).await?;
            assert_stop_async_iteration(g.asend(None).await);
            d.add(10);
            Ok(())
        })?;
        assert_eq!(done.get(), 11);
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_anext_tuple() -> PyResult<()> {
        // async def foo():
        //     try:
        //         yield (1,)
        //     except ZeroDivisionError:
        //         yield (2,)
        let foo = || {
            AsyncGenerator::new(async move |co| {
                match co.yield_((1,)).await {
                    Err(e) if is_zero_division(&e) => {
                        co.yield_((2,)).await?;
                    }
                    other => {
                        other?;
                    }
                }
                Ok(())
            })
        };
        // async def run():
        //     it = foo().__aiter__()
        //     self.assertEqual(await it.__anext__(), (1,))
        //     with self.assertRaises(StopIteration) as cm:
        //         it.__anext__().throw(ZeroDivisionError)
        //     self.assertEqual(cm.exception.args[0], (2,))
        //     with self.assertRaises(StopAsyncIteration):
        //         await it.__anext__()
        TestLoop::new().run_until_complete(async move {
            let it = aiter(&foo());
            assert_eq!(it.anext().await?, (1,));
            assert_eq!(
                finished(futures::poll!(it.athrow(zero_division()))),
                Some((2,))
            );
            assert_stop_async_iteration(it.anext().await);
            Ok(())
        })
    }

    #[test]
    fn test_async_gen_asyncio_anext_stopiteration() -> PyResult<()> {
        // async def foo():
        //     try:
        //         yield StopIteration(1)
        //     except ZeroDivisionError:
        //         yield StopIteration(3)
        let foo = || {
            AsyncGenerator::new(async move |co| {
                match co.yield_(Value::stop_iteration(Value::Int(1))).await {
                    Err(e) if is_zero_division(&e) => {
                        co.yield_(Value::stop_iteration(Value::Int(3))).await?;
                    }
                    other => {
                        other?;
                    }
                }
                Ok(())
            })
        };
        TestLoop::new().run_until_complete(async move {
            let it = aiter(&foo());
            // v = await it.__anext__(); v is a StopIteration, v.value == 1
            let v = it.anext().await?;
            assert_eq!(v, Value::stop_iteration(Value::Int(1)));
            // it.__anext__().throw(ZeroDivisionError) -> StopIteration(StopIteration(3))
            let v = finished(futures::poll!(it.athrow(zero_division())));
            assert_eq!(v, Some(Value::stop_iteration(Value::Int(3))));
            assert_stop_async_iteration(it.anext().await);
            Ok(())
        })
    }

    #[test]
    fn test_async_gen_asyncio_aclose_06() {
        // async def foo():
        //     try:
        //         yield 1
        //         1 / 0
        //     finally:
        //         await asyncio.sleep(0.01)
        //         yield 12
        let foo = || {
            AsyncGenerator::new(async move |co| {
                let tried: PyResult<()> = async {
                    co.yield_(1).await?;
                    Err(zero_division())
                }
                .await;
                sleep(0.01).await?;
                co.yield_(12).await?;
                tried
            })
        };
        // async def run():
        //     gen = foo()
        //     it = gen.__aiter__()
        //     await it.__anext__()
        //     await gen.aclose()
        let e = TestLoop::new()
            .run_until_complete(async move {
                let gen_ = foo();
                let it = aiter(&gen_);
                it.anext().await?;
                gen_.aclose().await
            })
            .unwrap_err();
        assert!(e.is::<RuntimeError>());
        assert_eq!(e.to_string(), "async generator ignored GeneratorExit");
    }

    #[test]
    fn test_async_gen_asyncio_aclose_07() -> PyResult<()> {
        // async def foo():
        //     nonlocal DONE
        //     try:
        //         yield 1
        //         1 / 0
        //     finally:
        //         await asyncio.sleep(0.01)
        //         await asyncio.sleep(0.01)
        //         DONE += 1
        //     DONE += 1000
        let done = Done::default();
        let d = done.clone();
        let foo = move || {
            AsyncGenerator::new(async move |co| {
                let tried: PyResult<()> = async {
                    co.yield_(1).await?;
                    Err(zero_division())
                }
                .await;
                sleep(0.01).await?;
                sleep(0.01).await?;
                d.add(1);
                tried?;
                d.add(1000);
                Ok(())
            })
        };
        TestLoop::new().run_until_complete(async move {
            let gen_ = foo();
            let it = aiter(&gen_);
            it.anext().await?;
            gen_.aclose().await
        })?;
        assert_eq!(done.get(), 1);
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_aclose_08() -> PyResult<()> {
        let done = Done::default();
        let test_loop = TestLoop::new();
        // fut = asyncio.Future(loop=self.loop)
        let fut = test_loop.0.create_future::<()>();
        // async def foo():
        //     nonlocal DONE
        //     try:
        //         yield 1
        //         await fut
        //         DONE += 1000
        //         yield 2
        //     finally:
        //         await asyncio.sleep(0.01)
        //         await asyncio.sleep(0.01)
        //         DONE += 1
        //     DONE += 1000
        let (d, f) = (done.clone(), fut.clone());
        let foo = move || {
            AsyncGenerator::new(async move |co| {
                let tried: PyResult<()> = async {
                    co.yield_(1).await?;
                    f.await?;
                    d.add(1000);
                    co.yield_(2).await?;
                    Ok(())
                }
                .await;
                sleep(0.01).await?;
                sleep(0.01).await?;
                d.add(1);
                tried?;
                d.add(1000);
                Ok(())
            })
        };
        test_loop.run_until_complete(async move {
            let gen_ = foo();
            let it = aiter(&gen_);
            assert_eq!(it.anext().await?, 1);
            gen_.aclose().await
        })?;
        assert_eq!(done.get(), 1);
        // Silence ResourceWarnings
        fut.cancel();
        test_loop.run_until_complete(sleep(0.01))?;
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_gc_aclose_09() -> PyResult<()> {
        // async def gen():
        //     nonlocal DONE
        //     try:
        //         while True:
        //             yield 1
        //     finally:
        //         await asyncio.sleep(0)
        //         DONE = 1
        let done = Done::default();
        let d = done.clone();
        let gen_ = move || {
            AsyncGenerator::new(async move |co| {
                let tried: PyResult<()> = async {
                    loop {
                        co.yield_(1).await?;
                    }
                }
                .await;
                sleep(0.0).await?;
                d.set(1);
                tried
            })
        };
        // async def run():
        //     g = gen()
        //     await g.__anext__()
        //     await g.__anext__()
        //     del g
        //     gc_collect()  # For PyPy or other GCs.
        //
        //     # Starts running the aclose task
        //     await asyncio.sleep(0)
        //     # For asyncio.sleep(0) in finally block
        //     await asyncio.sleep(0)
        TestLoop::new().run_until_complete(async move {
            let g = gen_();
            g.anext().await?;
            g.anext().await?;
            drop(g);
            sleep(0.0).await?;
            sleep(0.0).await?;
            Ok(())
        })?;
        assert_eq!(done.get(), 1);
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_aclose_10() -> PyResult<()> {
        let done = Done::default();
        // test synchronous generators
        // def foo():
        //     try:
        //         yield
        //     except:
        //         pass
        // g = foo()
        // g.send(None)
        // g.close()
        let g: Gen<()> = Generator::new(
            #[coroutine]
            |_| {
                let _ = yield_!();
                Ok(())
            },
        );
        g.send(None)?;
        g.close()?;
        // async def gen():
        //     nonlocal DONE
        //     try:
        //         yield
        //     except:
        //         pass
        //     DONE = 1
        let d = done.clone();
        let gen_ = move || {
            AsyncGenerator::new(async move |co| {
                let _ = co.yield_(()).await;
                d.set(1);
                Ok(())
            })
        };
        // async def run():
        //     nonlocal DONE
        //     g = gen()
        //     await g.asend(None)
        //     await g.aclose()
        //     DONE += 10
        let d = done.clone();
        TestLoop::new().run_until_complete(async move {
            let g = gen_();
            g.asend(None).await?;
            g.aclose().await?;
            d.add(10);
            Ok(())
        })?;
        assert_eq!(done.get(), 11);
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_aclose_11() -> PyResult<()> {
        let done = Done::default();
        // test synchronous generators
        // def foo():
        //     try:
        //         yield
        //     except:
        //         pass
        //     yield
        // g = foo()
        // g.send(None)
        // with self.assertRaisesRegex(RuntimeError, 'ignored GeneratorExit'):
        //     g.close()
        let g: Gen<()> = Generator::new(
            #[coroutine]
            |_| {
                let _ = yield_!();
                yield_!()?;
                Ok(())
            },
        );
        g.send(None)?;
        let e = g.close().unwrap_err();
        assert!(e.to_string().contains("ignored GeneratorExit"));
        // async def gen():
        //     nonlocal DONE
        //     try:
        //         yield
        //     except:
        //         pass
        //     yield
        //     DONE += 1
        let d = done.clone();
        let gen_ = move || {
            AsyncGenerator::new(async move |co| {
                let _ = co.yield_(()).await;
                co.yield_(()).await?;
                d.add(1);
                Ok(())
            })
        };
        // async def run():
        //     nonlocal DONE
        //     g = gen()
        //     await g.asend(None)
        //     with self.assertRaisesRegex(RuntimeError, 'ignored GeneratorExit'):
        //         await g.aclose()
        //     DONE += 10
        let d = done.clone();
        TestLoop::new().run_until_complete(async move {
            let g = gen_();
            g.asend(None).await?;
            let e = g.aclose().await.unwrap_err();
            assert!(e.is::<RuntimeError>());
            assert!(e.to_string().contains("ignored GeneratorExit"));
            d.add(10);
            Ok(())
        })?;
        assert_eq!(done.get(), 10);
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_aclose_12() -> PyResult<()> {
        let done = Done::default();
        // async def target():
        //     await asyncio.sleep(0.01)
        //     1 / 0
        async fn target() -> PyResult<()> {
            sleep(0.01).await?;
            Err(zero_division())
        }
        // async def foo():
        //     nonlocal DONE
        //     task = asyncio.create_task(target())
        //     try:
        //         yield 1
        //     finally:
        //         try:
        //             await task
        //         except ZeroDivisionError:
        //             DONE = 1
        let d = done.clone();
        let foo = move || {
            AsyncGenerator::new(async move |co| {
                let task = create_task(target())?;
                let tried = co.yield_(1).await;
                match task.await {
                    Err(e) if is_zero_division(&e) => d.set(1),
                    other => other?,
                }
                tried?;
                Ok(())
            })
        };
        TestLoop::new().run_until_complete(async move {
            let gen_ = foo();
            let it = aiter(&gen_);
            it.anext().await?;
            gen_.aclose().await
        })?;
        assert_eq!(done.get(), 1);
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_asend_01() -> PyResult<()> {
        let done = Done::default();
        // Sanity check:
        // def sgen():
        //     v = yield 1
        //     yield v * 2
        let sg: Gen<i64, i64> = Generator::new(
            #[coroutine]
            |_| {
                let v = yield_!(1)?.unwrap_or_default();
                yield_!(v * 2)?;
                Ok(())
            },
        );
        assert_eq!(sg.send(None)?, Step::Yielded(1));
        assert_eq!(sg.send(100)?, Step::Yielded(200));
        // async def gen():
        //     nonlocal DONE
        //     try:
        //         await asyncio.sleep(0.01)
        //         v = yield 1
        //         await asyncio.sleep(0.01)
        //         yield v * 2
        //         await asyncio.sleep(0.01)
        //         return
        //     finally:
        //         await asyncio.sleep(0.01)
        //         await asyncio.sleep(0.01)
        //         DONE = 1
        let d = done.clone();
        let gen_ = move || {
            AsyncGenerator::<i64, i64>::receiving(async move |co| {
                let tried: PyResult<()> = async {
                    sleep(0.01).await?;
                    let v = co.yield_(1).await?.unwrap_or_default();
                    sleep(0.01).await?;
                    co.yield_(v * 2).await?;
                    sleep(0.01).await?;
                    Ok(())
                }
                .await;
                sleep(0.01).await?;
                sleep(0.01).await?;
                d.set(1);
                tried
            })
        };
        // async def run():
        //     g = gen()
        //     v = await g.asend(None)
        //     self.assertEqual(v, 1)
        //     v = await g.asend(100)
        //     self.assertEqual(v, 200)
        //     with self.assertRaises(StopAsyncIteration):
        //         await g.asend(None)
        TestLoop::new().run_until_complete(async move {
            let g = gen_();
            assert_eq!(g.asend(None).await?, 1);
            assert_eq!(g.asend(100).await?, 200);
            assert_stop_async_iteration(g.asend(None).await);
            Ok(())
        })?;
        assert_eq!(done.get(), 1);
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_asend_02() {
        let done = Done::default();
        // async def sleep_n_crash(delay):
        //     await asyncio.sleep(delay)
        //     1 / 0
        async fn sleep_n_crash(delay: f64) -> PyResult<()> {
            sleep(delay).await?;
            Err(zero_division())
        }
        // async def gen():
        //     nonlocal DONE
        //     try:
        //         await asyncio.sleep(0.01)
        //         v = yield 1
        //         await sleep_n_crash(0.01)
        //         DONE += 1000
        //         yield v * 2
        //     finally:
        //         await asyncio.sleep(0.01)
        //         await asyncio.sleep(0.01)
        //         DONE = 1
        let d = done.clone();
        let gen_ = move || {
            AsyncGenerator::<i64, i64>::receiving(async move |co| {
                let tried: PyResult<()> = async {
                    sleep(0.01).await?;
                    let v = co.yield_(1).await?.unwrap_or_default();
                    sleep_n_crash(0.01).await?;
                    d.add(1000);
                    co.yield_(v * 2).await?;
                    Ok(())
                }
                .await;
                sleep(0.01).await?;
                sleep(0.01).await?;
                d.set(1);
                tried
            })
        };
        // async def run():
        //     g = gen()
        //     v = await g.asend(None)
        //     self.assertEqual(v, 1)
        //     await g.asend(100)
        let e = TestLoop::new()
            .run_until_complete(async move {
                let g = gen_();
                assert_eq!(g.asend(None).await?, 1);
                g.asend(100).await?;
                Ok(())
            })
            .unwrap_err();
        assert!(is_zero_division(&e));
        assert_eq!(done.get(), 1);
    }

    /// `sleep_n_crash(delay)` of `asend_03` and `athrow_02`: a sleep in a task that a
    /// timer cancels halfway.
    ///
    /// ```python
    /// async def sleep_n_crash(delay):
    ///     fut = asyncio.ensure_future(asyncio.sleep(delay), loop=self.loop)
    ///     self.loop.call_later(delay / 2, lambda: fut.cancel())
    ///     return await fut
    /// ```
    async fn sleep_n_crash(delay: f64) -> PyResult<()> {
        let fut = create_task(sleep(delay))?;
        let cancelled = fut.clone();
        get_running_loop()?.call_later(delay / 2.0, move || {
            cancelled.cancel();
        })?;
        fut.await
    }

    #[test]
    fn test_async_gen_asyncio_asend_03() {
        let done = Done::default();
        // async def gen(): as in asend_02, with this sleep_n_crash
        let d = done.clone();
        let gen_ = move || {
            AsyncGenerator::<i64, i64>::receiving(async move |co| {
                let tried: PyResult<()> = async {
                    sleep(0.01).await?;
                    let v = co.yield_(1).await?.unwrap_or_default();
                    sleep_n_crash(0.01).await?;
                    d.add(1000);
                    co.yield_(v * 2).await?;
                    Ok(())
                }
                .await;
                sleep(0.01).await?;
                sleep(0.01).await?;
                d.set(1);
                tried
            })
        };
        let e = TestLoop::new()
            .run_until_complete(async move {
                let g = gen_();
                assert_eq!(g.asend(None).await?, 1);
                g.asend(100).await?;
                Ok(())
            })
            .unwrap_err();
        assert!(e.is::<pycoro::exceptions::CancelledError>());
        assert_eq!(done.get(), 1);
    }

    /// `class FooEr(Exception)`.
    fn foo_er() -> Exception {
        PyException::new("FooEr", "").into()
    }

    fn is_foo_er(e: &Exception) -> bool {
        exception_name(e) == "FooEr"
    }

    #[test]
    fn test_async_gen_asyncio_athrow_01() -> PyResult<()> {
        let done = Done::default();
        // Sanity check:
        // def sgen():
        //     try:
        //         v = yield 1
        //     except FooEr:
        //         v = 1000
        //     yield v * 2
        let sg: Gen<i64, i64> = Generator::new(
            #[coroutine]
            |_| {
                let v = match yield_!(1) {
                    Err(e) if is_foo_er(&e) => 1000,
                    other => other?.unwrap_or_default(),
                };
                yield_!(v * 2)?;
                Ok(())
            },
        );
        assert_eq!(sg.send(None)?, Step::Yielded(1));
        assert_eq!(sg.throw(foo_er())?, Step::Yielded(2000));
        assert!(matches!(sg.send(None), Ok(Step::Returned(())))); // StopIteration
        // async def gen():
        //     nonlocal DONE
        //     try:
        //         await asyncio.sleep(0.01)
        //         try:
        //             v = yield 1
        //         except FooEr:
        //             v = 1000
        //             await asyncio.sleep(0.01)
        //         yield v * 2
        //         await asyncio.sleep(0.01)
        //         # return
        //     finally:
        //         await asyncio.sleep(0.01)
        //         await asyncio.sleep(0.01)
        //         DONE = 1
        let d = done.clone();
        let gen_ = move || {
            AsyncGenerator::<i64, i64>::receiving(async move |co| {
                let tried: PyResult<()> = async {
                    sleep(0.01).await?;
                    let v = match co.yield_(1).await {
                        Err(e) if is_foo_er(&e) => {
                            sleep(0.01).await?;
                            1000
                        }
                        other => other?.unwrap_or_default(),
                    };
                    co.yield_(v * 2).await?;
                    sleep(0.01).await?;
                    Ok(())
                }
                .await;
                sleep(0.01).await?;
                sleep(0.01).await?;
                d.set(1);
                tried
            })
        };
        // async def run():
        //     g = gen()
        //     v = await g.asend(None)
        //     self.assertEqual(v, 1)
        //     v = await g.athrow(FooEr)
        //     self.assertEqual(v, 2000)
        //     with self.assertRaises(StopAsyncIteration):
        //         await g.asend(None)
        TestLoop::new().run_until_complete(async move {
            let g = gen_();
            assert_eq!(g.asend(None).await?, 1);
            assert_eq!(g.athrow(foo_er()).await?, Some(2000));
            assert_stop_async_iteration(g.asend(None).await);
            Ok(())
        })?;
        assert_eq!(done.get(), 1);
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_athrow_02() {
        let done = Done::default();
        // async def gen():
        //     nonlocal DONE
        //     try:
        //         await asyncio.sleep(0.01)
        //         try:
        //             v = yield 1
        //         except FooEr:
        //             await sleep_n_crash(0.01)
        //         yield v * 2
        //         await asyncio.sleep(0.01)
        //         # return
        //     finally:
        //         await asyncio.sleep(0.01)
        //         await asyncio.sleep(0.01)
        //         DONE = 1
        let d = done.clone();
        let gen_ = move || {
            AsyncGenerator::<i64, i64>::receiving(async move |co| {
                let tried: PyResult<()> = async {
                    sleep(0.01).await?;
                    let v = match co.yield_(1).await {
                        Err(e) if is_foo_er(&e) => {
                            sleep_n_crash(0.01).await?;
                            unreachable!("sleep_n_crash raises") // `v` is unbound in Python
                        }
                        other => other?.unwrap_or_default(),
                    };
                    co.yield_(v * 2).await?;
                    sleep(0.01).await?;
                    Ok(())
                }
                .await;
                sleep(0.01).await?;
                sleep(0.01).await?;
                d.set(1);
                tried
            })
        };
        // async def run():
        //     g = gen()
        //     v = await g.asend(None)
        //     self.assertEqual(v, 1)
        //     try:
        //         await g.athrow(FooEr)
        //     except asyncio.CancelledError:
        //         self.assertEqual(DONE, 1)
        //         raise
        //     else:
        //         self.fail('CancelledError was not raised')
        let d = done.clone();
        let e = TestLoop::new()
            .run_until_complete(async move {
                let g = gen_();
                assert_eq!(g.asend(None).await?, 1);
                match g.athrow(foo_er()).await {
                    Err(e) if e.is::<pycoro::exceptions::CancelledError>() => {
                        assert_eq!(d.get(), 1);
                        Err::<(), _>(e)
                    }
                    _ => panic!("CancelledError was not raised"),
                }
            })
            .unwrap_err();
        assert!(e.is::<pycoro::exceptions::CancelledError>());
        assert_eq!(done.get(), 1);
    }

    #[test]
    fn test_async_gen_asyncio_athrow_03() -> PyResult<()> {
        let done = Done::default();
        // test synchronous generators
        // def foo():
        //     try:
        //         yield
        //     except:
        //         pass
        // g = foo()
        // g.send(None)
        // with self.assertRaises(StopIteration):
        //     g.throw(ValueError)
        let g: Gen<()> = Generator::new(
            #[coroutine]
            |_| {
                let _ = yield_!();
                Ok(())
            },
        );
        g.send(None)?;
        assert!(matches!(
            g.throw(ValueError::default()),
            Ok(Step::Returned(()))
        ));
        // async def gen():
        //     nonlocal DONE
        //     try:
        //         yield
        //     except:
        //         pass
        //     DONE = 1
        let d = done.clone();
        let gen_ = move || {
            AsyncGenerator::new(async move |co| {
                let _ = co.yield_(()).await;
                d.set(1);
                Ok(())
            })
        };
        // async def run():
        //     nonlocal DONE
        //     g = gen()
        //     await g.asend(None)
        //     with self.assertRaises(StopAsyncIteration):
        //         await g.athrow(ValueError)
        //     DONE += 10
        let d = done.clone();
        TestLoop::new().run_until_complete(async move {
            let g = gen_();
            g.asend(None).await?;
            assert_stop_async_iteration(g.athrow(ValueError::default()).await);
            d.add(10);
            Ok(())
        })?;
        assert_eq!(done.get(), 11);
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_athrow_tuple() -> PyResult<()> {
        // async def gen():
        //     try:
        //         yield 1
        //     except ZeroDivisionError:
        //         yield (2,)
        let gen_ = || {
            AsyncGenerator::new(async move |co| {
                match co.yield_(Value::Int(1)).await {
                    Err(e) if is_zero_division(&e) => {
                        co.yield_(Value::Tuple(vec![Value::Int(2)])).await?;
                    }
                    other => {
                        other?;
                    }
                }
                Ok(())
            })
        };
        // async def run():
        //     g = gen()
        //     v = await g.asend(None)
        //     self.assertEqual(v, 1)
        //     v = await g.athrow(ZeroDivisionError)
        //     self.assertEqual(v, (2,))
        //     with self.assertRaises(StopAsyncIteration):
        //         await g.asend(None)
        TestLoop::new().run_until_complete(async move {
            let g = gen_();
            assert_eq!(g.asend(None).await?, Value::Int(1));
            let v = g.athrow(zero_division()).await?;
            assert_eq!(v, Some(Value::Tuple(vec![Value::Int(2)])));
            assert_stop_async_iteration(g.asend(None).await);
            Ok(())
        })
    }

    #[test]
    fn test_async_gen_asyncio_athrow_stopiteration() -> PyResult<()> {
        // async def gen():
        //     try:
        //         yield 1
        //     except ZeroDivisionError:
        //         yield StopIteration(2)
        let gen_ = || {
            AsyncGenerator::new(async move |co| {
                match co.yield_(Value::Int(1)).await {
                    Err(e) if is_zero_division(&e) => {
                        co.yield_(Value::stop_iteration(Value::Int(2))).await?;
                    }
                    other => {
                        other?;
                    }
                }
                Ok(())
            })
        };
        TestLoop::new().run_until_complete(async move {
            let g = gen_();
            assert_eq!(g.asend(None).await?, Value::Int(1));
            // v = await g.athrow(ZeroDivisionError); v is a StopIteration, v.value == 2
            let v = g.athrow(zero_division()).await?;
            assert_eq!(v, Some(Value::stop_iteration(Value::Int(2))));
            assert_stop_async_iteration(g.asend(None).await);
            Ok(())
        })
    }

    #[test]
    fn test_async_gen_asyncio_shutdown_01() -> PyResult<()> {
        let finalized = Done::default();
        // async def waiter(timeout):
        //     nonlocal finalized
        //     try:
        //         await asyncio.sleep(timeout)
        //         yield 1
        //     finally:
        //         await asyncio.sleep(0)
        //         finalized += 1
        let f = finalized.clone();
        let waiter = move |timeout: f64| {
            let f = f.clone();
            AsyncGenerator::new(async move |co| {
                let tried: PyResult<()> = async {
                    sleep(timeout).await?;
                    co.yield_(1).await?;
                    Ok(())
                }
                .await;
                sleep(0.0).await?;
                f.add(1);
                tried
            })
        };
        // async def wait():
        //     async for _ in waiter(1):
        //         pass
        let wait = move || {
            let mut agen = waiter(1.0);
            async move {
                while let Some(_) = agen.try_next().await? {}
                Ok(())
            }
        };
        let test_loop = TestLoop::new();
        let t1 = test_loop.0.create_native_task(wait())?;
        let t2 = test_loop.0.create_native_task(wait())?;
        test_loop.run_until_complete(sleep(0.1))?;
        // Silence warnings
        t1.cancel();
        t2.cancel();
        let e = test_loop.0.run_until_complete(t1).unwrap_err();
        assert!(e.is::<pycoro::exceptions::CancelledError>());
        let e = test_loop.0.run_until_complete(t2).unwrap_err();
        assert!(e.is::<pycoro::exceptions::CancelledError>());
        test_loop.run_until_complete(test_loop.0.shutdown_asyncgens())?;
        assert_eq!(finalized.get(), 2);
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_shutdown_02() -> PyResult<()> {
        // def exception_handler(loop, context):
        //     messages.append(context)
        //
        // async def async_iterate():
        //     yield 1
        //     yield 2
        //
        // it = async_iterate()
        // async def main():
        //     loop = asyncio.get_running_loop()
        //     loop.set_exception_handler(exception_handler)
        //
        //     async for i in it:
        //         break
        //
        // asyncio.run(main())
        //
        // self.assertEqual(messages, [])
        let it = AsyncGenerator::new(async move |co| {
            co.yield_(1).await?;
            co.yield_(2).await?;
            Ok(())
        });
        let mut main_it = it.clone();
        let (messages, result) = unraisable_reports(|| {
            run_with_clock(
                async move {
                    while let Some(_i) = main_it.try_next().await? {
                        break;
                    }
                    Ok(())
                },
                Clock::new_virtual(),
            )
        });
        result?;
        assert_eq!(messages, Vec::<String>::new());
        Ok(())
    }

    // The generator both shutdown_exception tests close (CPython's `async_iterate` there):
    //
    // async def async_iterate():
    //     try:
    //         yield 1
    //         yield 2
    //     finally:
    //         1/0
    fn dividing_by_zero_in_finally() -> AsyncGenerator<i32> {
        AsyncGenerator::new(async move |co| {
            let tried: PyResult<()> = async {
                co.yield_(1).await?;
                co.yield_(2).await?;
                Ok(())
            }
            .await;
            Err::<(), _>(zero_division())?;
            tried
        })
        .named("async_iterate")
    }

    #[test]
    fn test_async_gen_asyncio_shutdown_exception_01() -> PyResult<()> {
        // it = async_iterate()
        // async def main():
        //     loop = asyncio.get_running_loop()
        //     loop.set_exception_handler(exception_handler)
        //
        //     async for i in it:
        //         break
        //
        // asyncio.run(main())
        let it = dividing_by_zero_in_finally();
        let mut main_it = it.clone();
        let (messages, result) = unraisable_reports(|| {
            run_with_clock(
                async move {
                    while let Some(_i) = main_it.try_next().await? {
                        break;
                    }
                    Ok(())
                },
                Clock::new_virtual(),
            )
        });
        result?;
        // message, = messages
        // self.assertEqual(message['asyncgen'], it)
        // self.assertIsInstance(message['exception'], ZeroDivisionError)
        // self.assertIn('an error occurred during closing of asynchronous generator',
        //               message['message'])
        let [message] = messages.as_slice() else {
            panic!("one message, not {messages:?}")
        };
        assert!(message.contains(&format!("{it:?}")), "{message}");
        assert!(
            message.ends_with("\nZeroDivisionError: division by zero"),
            "{message}"
        );
        assert!(
            message.contains("an error occurred during closing of asynchronous generator"),
            "{message}"
        );
        Ok(())
    }

    #[test]
    fn test_async_gen_asyncio_shutdown_exception_02() -> PyResult<()> {
        // messages = []
        //
        // def exception_handler(loop, context):
        //     messages.append(context)
        let messages = Rc::new(std::cell::RefCell::new(Vec::new()));
        let handled = messages.clone();
        let exception_handler: pycoro::event_loop::ExceptionHandler = Rc::new(move |_, context| {
            let exception = context.exception.as_ref().map(format_exception_only);
            handled
                .borrow_mut()
                .push((context.message.clone(), exception));
        });
        // async def async_iterate(): ... (above)
        //
        // async def main():
        //     loop = asyncio.get_running_loop()
        //     loop.set_exception_handler(exception_handler)
        //
        //     async for i in async_iterate():
        //         break
        //     gc_collect()
        //
        // asyncio.run(main())
        run_with_clock(
            async move {
                get_running_loop()?.set_exception_handler(Some(exception_handler));
                let mut it = dividing_by_zero_in_finally();
                while let Some(_i) = it.try_next().await? {
                    break;
                }
                drop(it); // gc_collect()
                Ok(())
            },
            Clock::new_virtual(),
        )?;
        // message, = messages
        // self.assertIsInstance(message['exception'], ZeroDivisionError)
        // self.assertIn('unhandled exception during asyncio.run() shutdown',
        //               message['message'])
        let messages = messages.borrow();
        let [(message, exception)] = messages.as_slice() else {
            panic!("one message, not {messages:?}")
        };
        assert_eq!(
            exception.as_deref(),
            Some("ZeroDivisionError: division by zero")
        );
        assert!(
            message.contains("unhandled exception during asyncio.run() shutdown"),
            "{message}"
        );
        Ok(())
    }

    #[test]
    fn test_async_gen_expression_01() -> PyResult<()> {
        // async def arange(n):
        //     for i in range(n):
        //         await asyncio.sleep(0.01)
        //         yield i
        fn arange(n: i64) -> AsyncGenerator<i64> {
            AsyncGenerator::new(async move |co| {
                for i in 0..n {
                    sleep(0.01).await?;
                    co.yield_(i).await?;
                }
                Ok(())
            })
        }
        // def make_arange(n):
        //     # This syntax is legal starting with Python 3.7
        //     return (i * 2 async for i in arange(n))
        fn make_arange(n: i64) -> impl futures::TryStream<Ok = i64, Error = Exception> + Unpin {
            arange(n).map_ok(|i| i * 2)
        }
        // async def run():
        //     return [i async for i in make_arange(10)]
        let res = TestLoop::new()
            .run_until_complete(async { make_arange(10).try_collect::<Vec<_>>().await })?;
        assert_eq!(res, (0..10).map(|i| i * 2).collect::<Vec<_>>());
        Ok(())
    }

    #[test]
    fn test_async_gen_expression_02() -> PyResult<()> {
        // async def wrap(n):
        //     await asyncio.sleep(0.01)
        //     return n
        async fn wrap(n: i64) -> PyResult<i64> {
            sleep(0.01).await?;
            Ok(n)
        }
        // def make_arange(n):
        //     # This syntax is legal starting with Python 3.7
        //     return (i * 2 for i in range(n) if await wrap(i))
        //
        // (a generator expression with an await is an async generator)
        fn make_arange(n: i64) -> AsyncGenerator<i64> {
            AsyncGenerator::new(async move |co| {
                for i in 0..n {
                    if wrap(i).await? != 0 {
                        co.yield_(i * 2).await?;
                    }
                }
                Ok(())
            })
        }
        let res = TestLoop::new()
            .run_until_complete(async { make_arange(10).try_collect::<Vec<_>>().await })?;
        assert_eq!(res, (1..10).map(|i| i * 2).collect::<Vec<_>>());
        Ok(())
    }

    #[test]
    fn test_asyncgen_nonstarted_hooks_are_cancellable() -> PyResult<()> {
        // See https://bugs.python.org/issue38013
        // async def async_iterate():
        //     yield 1
        //     yield 2
        //
        // async def main():
        //     loop = asyncio.get_running_loop()
        //     loop.set_exception_handler(exception_handler)
        //
        //     async for i in async_iterate():
        //         break
        //
        // asyncio.run(main())
        //
        // self.assertEqual([], messages)
        fn async_iterate() -> AsyncGenerator<i64> {
            AsyncGenerator::new(async move |co| {
                co.yield_(1).await?;
                co.yield_(2).await?;
                Ok(())
            })
        }
        let (messages, result) = unraisable_reports(|| {
            run_with_clock(
                async move {
                    let mut it = async_iterate();
                    while let Some(_i) = it.try_next().await? {
                        break;
                    }
                    Ok(())
                },
                Clock::new_virtual(),
            )
        });
        result?;
        assert_eq!(messages, Vec::<String>::new());
        Ok(())
    }

    fn async_iterate() -> AsyncGenerator<i64> {
        AsyncGenerator::new(async move |co| {
            co.yield_(1).await?;
            co.yield_(2).await?;
            Ok(())
        })
    }

    #[test]
    fn test_async_gen_await_same_anext_coro_twice() -> PyResult<()> {
        // async def run():
        //     it = async_iterate()
        //     nxt = it.__anext__()
        //     await nxt
        //     with self.assertRaisesRegex(
        //             RuntimeError,
        //             r"cannot reuse already awaited __anext__\(\)/asend\(\)"
        //     ):
        //         await nxt
        //
        //     await it.aclose()  # prevent unfinished iterator warning
        TestLoop::new().run_until_complete(async {
            let it = async_iterate();
            let mut nxt = it.anext();
            (&mut nxt).await?;
            let e = (&mut nxt).await.unwrap_err();
            assert!(e.is::<RuntimeError>());
            assert_eq!(
                e.to_string(),
                "cannot reuse already awaited __anext__()/asend()"
            );
            it.aclose().await
        })
    }

    #[test]
    fn test_async_gen_await_same_aclose_coro_twice() -> PyResult<()> {
        // async def run():
        //     it = async_iterate()
        //     nxt = it.aclose()
        //     await nxt
        //     with self.assertRaisesRegex(
        //             RuntimeError,
        //             r"cannot reuse already awaited aclose\(\)/athrow\(\)"
        //     ):
        //         await nxt
        TestLoop::new().run_until_complete(async {
            let it = async_iterate();
            let mut nxt = it.aclose();
            (&mut nxt).await?;
            let e = (&mut nxt).await.unwrap_err();
            assert!(e.is::<RuntimeError>());
            assert_eq!(
                e.to_string(),
                "cannot reuse already awaited aclose()/athrow()"
            );
            Ok(())
        })
    }

    #[test]
    fn test_async_gen_aclose_twice_with_different_coros() -> PyResult<()> {
        // Regression test for https://bugs.python.org/issue39606
        // async def run():
        //     it = async_iterate()
        //     await it.aclose()
        //     await it.aclose()
        TestLoop::new().run_until_complete(async {
            let it = async_iterate();
            it.aclose().await?;
            it.aclose().await
        })
    }

    #[test]
    fn test_async_gen_aclose_after_exhaustion() -> PyResult<()> {
        // Regression test for https://bugs.python.org/issue39606
        // async def run():
        //     it = async_iterate()
        //     async for _ in it:
        //         pass
        //     await it.aclose()
        TestLoop::new().run_until_complete(async {
            let mut it = async_iterate();
            while let Some(_) = it.try_next().await? {}
            it.aclose().await
        })
    }
}
