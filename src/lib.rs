//! # pycoro: Python's coroutines, retold in running Rust
//!
//! Python grew coroutines in three generations, and pycoro rebuilds each one in Rust,
//! faithful to CPython's behaviour, so that the two can be read and run side by side.
//!
//! | generation | Python                                   | pycoro module          | Rust substrate                          |
//! |------------|------------------------------------------|------------------------|-----------------------------------------|
//! | 1          | `yield`, `send`, `throw`, `close` (PEP 342) | [`generators`]      | nightly `#[coroutine]` closures         |
//! | 2          | `yield from` (PEP 380), asyncio 3.4       | [`yield_from`](mod@yield_from)         | generators that yield futures           |
//! | 3          | `async`/`await` (PEP 492), asyncio         | [`native`]             | `async fn`, std `Future`, our own loop  |
//!
//! ## Generation 1 in one example
//!
//! The documents' producer and consumer: the consumer is suspended at `yield r` until
//! the producer sends it a number; each `send` is one switch there and one back.
//!
//! ```
//! #![feature(coroutines)]
//! use pycoro::generators::Generator;
//! use pycoro::{pyprint, trace::Out, yield_};
//!
//! // def consumer():
//! //     r = ''
//! //     while True:
//! //         n = yield r
//! //         if not n:
//! //             return
//! //         print('[CONSUMER] Consuming %s...' % n)
//! //         r = '200 OK'
//! fn consumer(out: Out) -> Generator<'static, &'static str, i32> {
//!     Generator::new(#[coroutine] move |_| {
//!         let mut r = "";
//!         loop {
//!             let Some(n) = yield_!(r)? else { return Ok(()) };
//!             pyprint!(out, "[CONSUMER] Consuming {n}...");
//!             r = "200 OK";
//!         }
//!     })
//! }
//!
//! let (out, trace) = Out::capture();
//! let c = consumer(out.clone());
//! c.send(None)?; // prime it: run to the first `yield`
//! let r = c.send(1)?.yielded()?;
//! pyprint!(out, "[PRODUCER] Consumer return: {r}");
//! c.close()?;
//! assert_eq!(
//!     trace.text(),
//!     "[CONSUMER] Consuming 1...\n[PRODUCER] Consumer return: 200 OK\n"
//! );
//! # Ok::<(), pycoro::exceptions::Exception>(())
//! ```
//!
//! ## Generation 2 in one example
//!
//! A generator-based coroutine (asyncio 3.4's `@asyncio.coroutine`) waits by yielding a
//! future; `yield from` hands every future its sub-coroutine yields up to the task, which
//! sends the coroutine on when the future is done. The loop runs on a virtual clock here,
//! so the second of sleep takes no time.
//!
//! ```
//! #![feature(coroutines)]
//! use pycoro::prelude::yield_from::*;
//!
//! // @asyncio.coroutine
//! // def slow_add(a, b):
//! //     yield from asyncio.sleep(1)
//! //     return a + b
//! fn slow_add(a: i32, b: i32) -> Coroutine<i32> {
//!     coroutine(#[coroutine] move |_| {
//!         yield_from!(sleep(1.0))?;
//!         Ok(a + b)
//!     })
//! }
//!
//! assert_eq!(run_with_clock(slow_add(1, 2), Clock::new_virtual())?, 3);
//! # Ok::<(), Exception>(())
//! ```
//!
//! ## Generation 3 in one example
//!
//! The same coroutine as an `async fn`: `await` replaces `yield from`, and the same loop
//! runs it. Two tasks sleep at once, so the two seconds of sleep take one.
//!
//! ```
//! use pycoro::prelude::native::*;
//!
//! // async def slow_add(a, b):
//! //     await asyncio.sleep(1)
//! //     return a + b
//! async fn slow_add(a: i32, b: i32) -> PyResult<i32> {
//!     sleep(1.0).await?;
//!     Ok(a + b)
//! }
//!
//! // async def main():
//! //     return await asyncio.gather(slow_add(1, 2), slow_add(3, 4)), loop.time()
//! async fn main_() -> PyResult<(Vec<i32>, f64)> {
//!     let sums = gather([create_task(slow_add(1, 2))?, create_task(slow_add(3, 4))?]).await?;
//!     Ok((sums, get_running_loop()?.time()))
//! }
//!
//! assert_eq!(run_with_clock(main_(), Clock::new_virtual())?, (vec![3, 7], 1.0));
//! # Ok::<(), Exception>(())
//! ```
//!
//! ## Where to go next
//!
//! - [`generators`]: the generator object and its rules, with a Python-to-Rust table.
//! - [`exceptions`]: Python's exceptions as `anyhow::Error` values, with Python's classes,
//!   chaining and reports; [`value`]: a Python value of any type.
//! - [`yield_from`](mod@yield_from) and [`native`]: Generations 2 and 3, both on the one
//!   [`event_loop`] (asyncio's loop, futures, handles, executor and epoll reactor), which
//!   knows neither; [`native::streams`] and [`web`]: real sockets on the loop's reactor.
//! - [`prelude`]: what a program of each generation imports, in one line.
//! - [`substrates`]: the same generator on nightly coroutines, genawaiter and corosensei.
//! - [`programs`]: every program of the documents, as a function that prints its trace;
//!   [`timeline`] draws the ones where generators or tasks take turns.
//! - The book (`mdbook serve book`) tells the story chapter by chapter, beside the Python.

#![feature(coroutines, coroutine_trait, error_generic_member_access)]
// `py_exception!` implements `Error::provide` in the crate that calls it, which then
// needs no feature of its own.
#![feature(allow_internal_unstable)]
#![allow(internal_features)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod clock;
pub mod contextlib;
pub mod event_loop;
pub mod exceptions;
pub mod generators;
pub mod native;
pub mod prelude;
pub mod programs;
pub mod substrates;
pub mod timeline;
pub mod trace;
pub mod value;
pub mod web;
pub mod yield_from;

/// `await asyncio.gather(a, b, c)` with results of different types: a tuple, in argument
/// order. Each argument is a task, a pycoro future, or a coroutine (an `async` block or an
/// `async fn`'s future), which becomes a task at once, as `asyncio.gather` wraps it.
///
/// ```
/// use pycoro::prelude::native::*;
///
/// async fn name() -> PyResult<&'static str> {
///     sleep(1.0).await?;
///     Ok("Ada")
/// }
///
/// let (who, age) = run_with_clock(async {
///     let age = create_task(async { Ok(36) })?;
///     pycoro::gather!(name(), age).await
/// }, Clock::new_virtual())?;
/// assert_eq!((who, age), ("Ada", 36));
/// # Ok::<(), Exception>(())
/// ```
#[macro_export]
macro_rules! gather {
    ($($awaitable:expr),+ $(,)?) => {
        $crate::native::gather_tuple((
            $($crate::native::IntoGathered::into_gathered($awaitable),)+
        ))
    };
}

/// Python's `try` statement, in a generator body, an `async` body or any function that
/// returns a `PyResult` (raise inside it with [`raise`](crate::exceptions::raise)`(e)?`):
/// `try`, then any `except Class as e` clauses (a class, or a tuple
/// of classes, matched by `isinstance` through Python's hierarchy), a bare `except`, an
/// `else` and a `finally`, each optional but the `try`. Every block may `yield_!`, `.await`
/// and raise with `?`:
///
/// - an exception the `try` block raises goes to the first `except` it is an instance of;
///   one that no clause takes goes on, after the `finally`;
/// - `else` runs when the `try` block raised nothing (what it raises is not caught);
/// - `finally` runs on every way out but a `return` inside the other blocks (give the
///   value as the block's result instead); what it raises replaces what was going on;
/// - an exception raised inside an `except` or `finally` block gets the one being handled
///   as its `__context__`, as Python does by itself.
///
/// The statement's value is the `try` block's (or the handler's that ran).
///
/// ```
/// use pycoro::exceptions::{KeyError, LookupError, PyResult, ValueError, context, raise};
/// use pycoro::try_;
///
/// fn lookup(log: &mut Vec<String>, key: &str) -> PyResult<i32> {
///     // try:
///     //     value = {'a': 1}[key]
///     // except LookupError as e:
///     //     raise ValueError('no ' + key)
///     // else:
///     //     log.append('found')
///     // finally:
///     //     log.append('looked')
///     let value = try_! {
///         try {
///             if key != "a" {
///                 raise(KeyError::new(key.to_string()))?;
///             }
///             1
///         }
///         except LookupError as _e {
///             raise(ValueError::new(format!("no {key}")))?;
///             unreachable!()
///         }
///         else {
///             log.push("found".into());
///         }
///         finally {
///             log.push("looked".into());
///         }
///     };
///     Ok(value)
/// }
///
/// let mut log = Vec::new();
/// assert_eq!(lookup(&mut log, "a")?, 1);
/// let error = lookup(&mut log, "b").unwrap_err();
/// assert!(error.is::<ValueError>() && context(&error).unwrap().is::<KeyError>());
/// assert_eq!(log, ["found", "looked", "looked"]);
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
#[macro_export]
#[allow_internal_unstable(try_blocks)]
macro_rules! try_ {
    (
        try $body:block
        $(except $class:ty as $e:ident $handler:block)*
        $(except $bare:block)?
        $(else $else:block)?
        $(finally $finally:block)?
    ) => {{
        let __outcome: $crate::exceptions::PyResult<_> = try { $body };
        let __outcome: $crate::exceptions::PyResult<_> = match __outcome {
            Ok(__value) => {
                let __else: $crate::exceptions::PyResult<()> = try { $($else;)? };
                __else.map(|()| __value)
            }
            Err(__error) => 'handled: {
                $(
                    if $crate::exceptions::ExceptionExt::isinstance::<$class>(&__error) {
                        // The handler may move `e` (`raise X from e`): the context is a copy.
                        let __being_handled = $crate::exceptions::clone_exception(&__error);
                        let $e = __error;
                        let __handled: $crate::exceptions::PyResult<_> = try { $handler };
                        break 'handled __handled.map_err(|__raised| {
                            $crate::exceptions::raised_while_handling(__raised, &__being_handled)
                        });
                    }
                )*
                $(
                    let __handled: $crate::exceptions::PyResult<_> = try { $bare };
                    break 'handled __handled.map_err(|__raised| {
                        $crate::exceptions::raised_while_handling(__raised, &__error)
                    });
                )?
                #[allow(unreachable_code)]
                Err(__error)
            }
        };
        $(
            let __finally: $crate::exceptions::PyResult<()> = try { $finally; };
            let __outcome = match (__outcome, __finally) {
                (__outcome, Ok(())) => __outcome,
                (Err(__pending), Err(__raised)) => {
                    Err($crate::exceptions::raised_while_handling(__raised, &__pending))
                }
                (Ok(_), Err(__raised)) => Err(__raised),
            };
        )?
        __outcome?
    }};
}

/// `yield value` inside a generator body: suspends, hands `value` to the caller, and
/// evaluates to what the caller resumed with, a [`generators::Resume`]:
/// `Ok(None)` for `next`, `Ok(Some(v))` for `send(v)`, `Err(e)` for `throw(e)`/`close()`.
///
/// `yield_!()` is Python's bare `yield` (it yields `()`, Python's `None`).
/// Write `yield_!(v)?` to let a thrown exception propagate, as it does in Python.
// ANCHOR: yield_macro
#[macro_export]
macro_rules! yield_ {
    () => {
        $crate::yield_!(())
    };
    ($value:expr) => {{
        // rustc infers a coroutine's resume type late; naming its shape here lets
        // `match yield_!(v) { Err(e) if e.is::<T>() => .. }` type-check at once.
        let resumed: $crate::generators::Resume<_> = yield $value;
        resumed
    }};
}
// ANCHOR_END: yield_macro

// The README's Rust is compiled with the doc tests, so it cannot drift from the crate.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
