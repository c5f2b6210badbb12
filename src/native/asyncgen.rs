//! Async generators (PEP 525): a body that both `await`s and yields, driven by
//! `asend`, `athrow`, `aclose` and `async for`, and closed by its loop when it is dropped.
//!
//! Book: chapter "Async generators and context managers".
//!
//! | Python                                          | pycoro                                                          |
//! |-------------------------------------------------|-----------------------------------------------------------------|
//! | `async def ticks(): ... v = yield x ...`         | `AsyncGenerator::new(async move \|co\| { .. let v = co.yield_(x).await?; .. Ok(()) })` |
//! | the same, returned as `impl`                    | `AsyncGenerator::typed(async move \|co\| { .. })`: `AsyncGenerator<Y, S, impl AsyncGenBody>` |
//! | `await agen.__anext__()`, `await anext(agen)`   | `agen.anext().await?`, `anext(&agen).await?`                    |
//! | `await anext(agen, default)`                    | `anext_or(&agen, default).await?`, or `agen.anext_or(default)` to `gather` |
//! | `await agen.asend(v)`                           | `agen.asend(v).await?`                                          |
//! | `await agen.athrow(exc)`                        | `agen.athrow(exc).await?` (`Some(y)`; `None` if it had finished) |
//! | `await agen.aclose()`                           | `agen.aclose().await?`                                          |
//! | `async for x in agen:`                          | `while let Some(x) = agen.try_next().await? { .. }` (`TryStreamExt`) |
//! | `[x async for x in agen]`                       | `agen.try_collect::<Vec<_>>().await?`                           |
//! | `[x async for x in agen if p(x)]`               | `agen.try_filter(\|x\| ready(p(x))).try_collect::<Vec<_>>().await?` |
//! | `agen.ag_running`                               | `agen.ag_running()`                                             |
//! | `aiter(agen)`                                   | `aiter(&agen)` (the same generator: `is` holds)                 |
//! | `except StopAsyncIteration:`                    | `Err(e) if e.is::<StopAsyncIteration>()`                        |
//! | `try: yield x finally: await cleanup()`         | `let r = co.yield_(x).await; cleanup().await?; r?;`             |
//! | `loop.shutdown_asyncgens()`                     | `event_loop.shutdown_asyncgens()` (called by [`run`](super::run)) |
//!
//! ## The shape of the body, and why
//!
//! Two ways of writing a body that awaits and yields were tried on this toolchain:
//!
//! - **Nightly `async gen` blocks** (`#![feature(gen_blocks, async_iterator)]`) compile
//!   and read best: `async gen { yield 1; sleep(1.0).await; yield 2; }`. But the block is
//!   a `core::async_iter::AsyncIterator`, whose `poll_next` takes no argument: nothing can
//!   be *sent in* at a `yield`. `asend(v)` could not deliver `v`, `athrow(exc)` could not
//!   raise at the `yield`, and `aclose()` could only drop the block, so a `finally` that
//!   awaits (the reason async generators have `aclose` at all) could never run.
//! - **An async closure given a yielder handle**, genawaiter's shape (the crate behind
//!   pycoro's stable-Rust generators): `async move |co| { .. co.yield_(v).await? .. }`.
//!   `co.yield_(v)` hands `v` out and suspends; it evaluates to what the generator was
//!   resumed with, a [`Resume<S>`](crate::generators::Resume) exactly as Generation 1's
//!   `yield_!`: `Ok(None)` for `anext`, `Ok(Some(s))` for `asend(s)`, `Err(exc)` for
//!   `athrow(exc)`, and `Err(GeneratorExit)` for `aclose()`. So `?` re-raises at the
//!   `yield`, a `match` catches, and clean-up code after it may `await`.
//!
//! pycoro takes the second: PEP 525 is the protocol of `asend`/`athrow`/`aclose`, and only
//! the second can say it. The body is an ordinary `async` block, polled inside whatever
//! task iterates the generator, so `sleep`, tasks, futures and cancellation work in it as
//! in any coroutine. A `yield_` is a future that leaves its value in a slot shared with
//! the generator and returns `Pending` once: the generator, having polled the body, finds
//! the value there and gives it to its caller, without a pass of the loop. It hands a
//! value out only while the generator is polling the body for one: awaited in a task the
//! body starts, or beside another `yield_` in a `join`, it raises `RuntimeError` instead
//! of hanging.
//!
//! Python's `try: ... finally: await cleanup()` around a `yield` is written by matching the
//! `yield_`'s result before raising it: `aclose()` delivers `GeneratorExit` there,
//!
//! ```
//! use pycoro::prelude::native::*;
//!
//! // async def numbers(log):
//! //     try:
//! //         yield 1
//! //         yield 2
//! //     finally:
//! //         await asyncio.sleep(1)
//! //         log.append('cleaned up')
//! fn numbers(log: std::rc::Rc<std::cell::RefCell<Vec<&'static str>>>) -> AsyncGenerator<i32> {
//!     AsyncGenerator::new(async move |co| {
//!         let body = async {
//!             co.yield_(1).await?;
//!             co.yield_(2).await?;
//!             Ok(())
//!         };
//!         let result: PyResult<()> = body.await; // the `try:`
//!         sleep(1.0).await?; // the `finally:`, which may await
//!         log.borrow_mut().push("cleaned up");
//!         result
//!     })
//! }
//!
//! let log = std::rc::Rc::default();
//! let agen = numbers(std::rc::Rc::clone(&log));
//! let first = run_with_clock(async move {
//!     let first = agen.anext().await?;
//!     agen.aclose().await?; // GeneratorExit at `yield 1`; the finally sleeps
//!     Ok((first, get_running_loop()?.time()))
//! }, Clock::new_virtual())?;
//! assert_eq!(first, (1, 1.0));
//! assert_eq!(*log.borrow(), ["cleaned up"]);
//! # Ok::<(), Exception>(())
//! ```
//!
//! Python's syntax errors are Rust's compile errors: an async generator cannot return a
//! value (the body's type is `PyResult<()>`),
//!
//! ```compile_fail
//! use pycoro::prelude::native::*;
//! // async def foo():
//! //     yield
//! //     return 123      # SyntaxError: 'return' with value in async generator
//! let foo = AsyncGenerator::new(async move |co| {
//!     co.yield_(()).await?;
//!     Ok(123)
//! });
//! ```
//!
//! and its body, an `async` closure, cannot hold a `yield` (so neither a `yield_from!`):
//!
//! ```compile_fail
//! #![feature(coroutines)]
//! use pycoro::prelude::native::*;
//! // async def foo():
//! //     yield from 123  # SyntaxError: 'yield from' inside async function
//! let foo: AsyncGenerator<i32> = AsyncGenerator::new(async move |co| {
//!     yield 123;
//!     Ok(())
//! });
//! ```
//!
//! ## Finalization
//!
//! As asyncio's `sys.set_asyncgen_hooks` arranges: the first time a generator is iterated
//! while a loop runs, it is registered with that loop, weakly (`firstiter`). Dropped
//! before it finished, it is not lost: its loop schedules `aclose()` as a task, so its
//! clean-up runs, awaits included (`finalizer`). A cancellation thrown into that task
//! before it starts goes to the generator's `yield` in place of `GeneratorExit`, as
//! CPython's `aclose()` awaitable passes it on, and the clean-up ends at its first await,
//! where CPython 3.11 raises the `GeneratorExit` after all. [`run`](super::run) calls the
//! loop's [`shutdown_asyncgens`](EventLoop::shutdown_asyncgens) before closing it, which
//! closes those still alive. A generator never iterated on a loop, or one that outlived an
//! `aclose()` by ignoring its `GeneratorExit`, is closed where it is dropped, as CPython
//! closes one without hooks: its body gets `GeneratorExit` once, and an await there is
//! reported, `RuntimeError: async generator ignored GeneratorExit`.
//!
//! Two things Rust adds. An operation future dropped midway (a Rust cancellation, say by
//! `select`) leaves the body inside its await, and the generator not running: the next
//! `anext` (or `asend(None)`) goes on from there, and `asend` of a value, `athrow` and
//! `aclose` raise `RuntimeError: ...: asynchronous generator is already running`, as
//! there is no `yield` to deliver to (CPython, 3.11 to 3.13, leaves a generator whose
//! awaitable was abandoned "already running" for ever); an await the body had begun stays
//! registered with the task that polled it. And a generator dropped while its body is
//! inside an await (an operation in progress, or one dropped midway) is dropped as a Rust
//! future is, without `aclose()`: there is no `yield` to deliver `GeneratorExit` to.

use std::cell::{Cell, OnceCell};
use std::fmt;
use std::future::Future as StdFuture;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};

use futures::Stream;
use futures::stream::FusedStream;

use super::gather_return_exceptions;
use crate::event_loop::{AsyncGen, EventLoop, with_running_loop};
use crate::exceptions::{
    CancelledError, Exception, ExceptionExt, GeneratorExit, KeyboardInterrupt, PyResult, Raise,
    RuntimeError, StopIteration, TypeError, write_unraisable,
};
use crate::generators::{GeneratorState, Resume, function_name, qualified_name};

/// The end of an async iterator is a class of the exception hierarchy; it is named here
/// too, beside the protocol that raises it.
pub use crate::exceptions::StopAsyncIteration;

/// PEP 479 as PEP 525 has it: a `StopAsyncIteration` or `StopIteration` escaping the body
/// becomes `RuntimeError`, raised from it (`__cause__`, as CPython's).
fn pep_479(e: Exception) -> Exception {
    let message = if e.isinstance::<StopAsyncIteration>() {
        "async generator raised StopAsyncIteration"
    } else if e.isinstance::<StopIteration>() {
        "async generator raised StopIteration"
    } else {
        return e;
    };
    RuntimeError::new(message).raise_from(e)
}

/// `isinstance(e, Exception)`: not one of the `BaseException`s that are not errors.
fn is_error(e: &Exception) -> bool {
    !(e.is::<GeneratorExit>() || e.is::<CancelledError>() || e.is::<KeyboardInterrupt>())
}

// ANCHOR: state
/// Where the generator is: [`GeneratorState`]'s four, split where its body is polled,
/// and one Rust adds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum AgState {
    Created,
    /// At a `yield`.
    Suspended,
    /// The body is being polled: the next `yield_` it reaches hands out its value, and
    /// the one it is resumed at evaluates to `Ok(None)` (`anext`, `asend(None)`).
    Polling,
    /// The same, resumed with what the channel's `resumed` holds (`asend(s)`,
    /// `athrow(exc)`, `aclose()`).
    PollingDelivered,
    /// The body is being polled, and a `yield_` has handed out its value: another
    /// `yield_` polled now is misused.
    Yielded,
    /// An operation is in progress, its body inside an await.
    Running,
    /// Inside an await whose operation was dropped midway: only `anext` (or
    /// `asend(None)`) goes on; there is no `yield` to deliver anything else to.
    Awaiting,
    Closed,
}

impl AgState {
    /// `ag_running`: between an operation's first poll and its end.
    fn is_running(self) -> bool {
        matches!(
            self,
            AgState::Polling | AgState::PollingDelivered | AgState::Yielded | AgState::Running
        )
    }
}

/// What the generator and its body's `yield_`s share: where the generator is (a
/// `yield_` polled while the body is not being polled is misused), the value a `yield_`
/// leaves, and what the generator was resumed with.
///
/// Separate cells, each read and written whole: a value written in parts and read back
/// at once (an enum of them all, say) is a stall at every item.
struct Channel<Y, S> {
    state: Cell<AgState>,
    yielded: Cell<Option<Y>>,
    resumed: Cell<Option<Resume<S>>>,
}
// ANCHOR_END: state

impl<Y, S> Channel<Y, S> {
    /// Leaves what the `yield_` the body is suspended at evaluates to, for the resumption
    /// the operation starts.
    fn deliver<T>(&self, resumed: Resume<S>) -> Started<T> {
        self.resumed.set(Some(resumed));
        Started::Resume(AgState::PollingDelivered)
    }
}

/// The yielder a body is given: `co.yield_(value).await` is Python's `yield value`.
///
/// `Y` is what the generator yields, `S` what `asend` sends it.
pub struct Co<Y, S = ()> {
    channel: Rc<Channel<Y, S>>,
}

impl<Y, S> Co<Y, S> {
    /// `yield value`: hands `value` to whoever iterates the generator and suspends the
    /// body. Evaluates to what it was resumed with: `Ok(None)` for `anext`/`asend(None)`,
    /// `Ok(Some(s))` for `asend(s)`, `Err(exc)` for `athrow(exc)`, `Err(GeneratorExit)`
    /// for `aclose()`. Await it in the body itself: the generator is what resumes it.
    /// Awaited in a task the body starts, or beside another `yield_` in a `join`, it
    /// raises `RuntimeError`.
    pub fn yield_(&self, value: Y) -> Yield<'_, Y, S> {
        Yield {
            channel: &self.channel,
            value: Some(value),
        }
    }
}

// ANCHOR: yield
/// The future of [`Co::yield_`].
pub struct Yield<'a, Y, S> {
    channel: &'a Channel<Y, S>,
    value: Option<Y>,
}

// Never pinned structurally: the value is moved out by `take`.
impl<Y, S> Unpin for Yield<'_, Y, S> {}

impl<Y, S> StdFuture for Yield<'_, Y, S> {
    type Output = Resume<S>;

    #[inline]
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Resume<S>> {
        let this = self.get_mut();
        let channel = this.channel;
        if this.value.is_none() {
            // The generator resumed the body here: by `anext`, or with what it delivered.
            if channel.state.get() == AgState::Polling {
                return Poll::Ready(Ok(None));
            }
            return Poll::Ready(channel.take_delivered());
        }
        // The body reached this `yield_`: it hands the value out and suspends.
        let value = this.value.take();
        if channel.state.get() != AgState::Polling {
            return Poll::Ready(Err(misused_yield()));
        }
        channel.state.set(AgState::Yielded);
        channel.yielded.set(value);
        Poll::Pending
    }
}

#[cold]
fn misused_yield() -> Exception {
    RuntimeError::new(
        "co.yield_() awaited outside the body of its async generator, or beside another co.yield_()",
    )
    .into()
}

impl<Y, S> Channel<Y, S> {
    /// What a `yield_` resumed otherwise than by `anext` evaluates to.
    #[cold]
    fn take_delivered(&self) -> Resume<S> {
        if self.state.get() != AgState::PollingDelivered {
            return Err(misused_yield());
        }
        self.state.set(AgState::Polling);
        self.resumed.take().unwrap_or(Ok(None))
    }
}
// ANCHOR_END: yield

/// The body of an async generator: the future its async closure returned, which yields
/// through its [`Co`] and ends with `Ok(())` (Python's `return`) or an exception.
///
/// Every `'static` future of `PyResult<()>` is one. It names the third parameter of
/// [`AsyncGenerator`]: `dyn AsyncGenBody` (the default) for a generator whose type is
/// named, `impl AsyncGenBody` for one made by [`AsyncGenerator::typed`].
pub trait AsyncGenBody: StdFuture<Output = PyResult<()>> + 'static {}

impl<F: ?Sized + StdFuture<Output = PyResult<()>> + 'static> AsyncGenBody for F {}

/// How one resumption of the body ended, as `async for` sees it: `Some(Ok(value))` it
/// yielded, `None` it returned, `Some(Err(exc))` it raised.
type Outcome<Y> = Option<PyResult<Y>>;

/// The generator object, shared by its handles and the operations in flight.
struct Core<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> {
    /// `None` once finished (its frame is gone, as a Python frame's locals go at return),
    /// and while it is being polled (taken out for the poll).
    body: Cell<Option<Pin<Box<B>>>>,
    /// Where the generator is, too: `channel.state`.
    channel: Rc<Channel<Y, S>>,
    /// Set at the first iteration: the loop that was running then, if any (`firstiter`).
    event_loop: OnceCell<Option<EventLoop>>,
    /// The type name of the closure it was built from, which gives `__name__` and
    /// `__qualname__`, or the name `named` gave it.
    origin: Cell<&'static str>,
    /// CPython's `ag_closed`: an `aclose()` has started. CPython 3.11 then answers a
    /// later `athrow` or `aclose` with `StopAsyncIteration`, and a generator still
    /// suspended (it ignored the `GeneratorExit`) is closed where it is dropped, not by
    /// its loop.
    ag_closed: Cell<bool>,
}

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> Core<Y, S, B> {
    /// asyncio's `firstiter` hook: registers the generator with the running loop, once.
    #[inline]
    fn first_iteration(self: &Rc<Self>) {
        if self.event_loop.get().is_none() {
            self.register();
        }
    }

    #[cold]
    fn register(self: &Rc<Self>) {
        let event_loop = with_running_loop(|event_loop| event_loop.cloned());
        if let Some(event_loop) = &event_loop {
            let weak: Weak<dyn AsyncGen> = Rc::downgrade(self) as Weak<dyn AsyncGen>;
            event_loop.register_asyncgen(weak);
        }
        let _ = self.event_loop.set(event_loop);
    }
}

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> Core<Y, S, B> {
    // ANCHOR: resume
    /// Polls the body once. `async for`'s step (`streaming` is its handle's flag) finds
    /// the generator suspended at a `yield`, item after item, and sets `Polling` here;
    /// anything else goes the cold way. An operation has set `Polling`, or
    /// `PollingDelivered` with what the `yield_` the body is suspended at evaluates to
    /// left in the channel. The body then leaves the generator suspended at its next
    /// `yield` (and the value in the channel), running inside an await (and `streaming`
    /// set), or closed.
    ///
    /// Kept out of line: it is then the one place the body is polled from, so a body
    /// whose type is known ([`AsyncGenerator::typed`]) is inlined into it. Inlined into
    /// `poll_next` and each operation, it would leave the body's poll a call of its own
    /// (the Performance page has the counts; a boxed body costs the same either way).
    #[inline(never)]
    fn resume(
        self: &Rc<Self>,
        cx: &mut Context<'_>,
        streaming: Option<&Cell<bool>>,
    ) -> Poll<Outcome<Y>> {
        let channel: &Channel<Y, S> = &self.channel;
        // `async for`, item after item: suspended at a `yield`.
        if channel.state.get() == AgState::Suspended {
            channel.state.set(AgState::Polling);
        } else if let Some(early) = self.not_suspended(streaming) {
            return early;
        }
        // Taken out for the poll: a `RefCell` would cost a borrow flag at every item.
        let Some(mut body) = self.body.take() else {
            return Poll::Ready(self.no_body());
        };
        // A body that panics is never resumed again: it closes the generator.
        let poisoned = ClosesOnUnwind(self);
        let polled = body.as_mut().poll(cx);
        std::mem::forget(poisoned);
        match polled {
            Poll::Pending => {
                // Empty, the body taken from it: `set` would read it to drop it.
                std::mem::forget(self.body.replace(Some(body)));
                match channel.yielded.take() {
                    Some(value) => {
                        channel.state.set(AgState::Suspended);
                        Poll::Ready(Some(Ok(value)))
                    }
                    None => {
                        channel.state.set(AgState::Running); // inside an await
                        if let Some(streaming) = streaming {
                            streaming.set(true);
                        }
                        Poll::Pending
                    }
                }
            }
            Poll::Ready(result) => {
                drop(body);
                self.finish();
                Poll::Ready(match result {
                    Ok(()) => None,
                    Err(e) => Some(Err(pep_479(e))),
                })
            }
        }
    }

    // ANCHOR_END: resume

    /// A resumption of a generator not suspended at a `yield`: an operation's (which has
    /// set the state), or `async for`'s step going on inside an await, its first step,
    /// the end, or an error. `None` when the body is to be polled.
    #[cold]
    fn not_suspended(self: &Rc<Self>, streaming: Option<&Cell<bool>>) -> Option<Poll<Outcome<Y>>> {
        let streaming = streaming?;
        // A step of this handle's going on inside an await polls the body again (which
        // sets the flag once more if it is still not over); any other is checked first.
        if !streaming.replace(false) {
            match self.channel.state.get() {
                AgState::Closed => return Some(Poll::Ready(None)),
                state if state.is_running() => {
                    return Some(Poll::Ready(Some(Err(RuntimeError::new(
                        "anext(): asynchronous generator is already running",
                    )
                    .into()))));
                }
                _ => self.first_iteration(),
            }
        }
        self.channel.state.set(AgState::Polling);
        None
    }

    /// A body gone is a finished generator. (It is also gone while it is being polled,
    /// but every caller checks `is_running` first: a resumption from inside the body
    /// never gets here.)
    #[cold]
    fn no_body(&self) -> Outcome<Y> {
        self.finish();
        None
    }

    fn finish(&self) {
        self.channel.state.set(AgState::Closed);
    }

    /// Closes the generator without resuming its body: one that has not started (its
    /// body never runs), or one inside an await, where a `GeneratorExit` cannot be
    /// raised in Rust (the rest of the body is dropped, as the exception would have
    /// unwound it).
    fn close_without_resuming(&self) {
        self.finish();
        self.body.take();
    }

    /// An operation dropped midway leaves the body inside its await, not running.
    fn abandon(&self) {
        if self.channel.state.get() == AgState::Running {
            self.channel.state.set(AgState::Awaiting);
        }
    }

    /// `repr(agen)`: `<async_generator object ticker at 0x…>`, with its `__qualname__`.
    fn repr(&self) -> String {
        format!(
            "<async_generator object {} at {:p}>",
            self.qualname(),
            self as *const Self
        )
    }

    /// `agen.__qualname__`.
    fn qualname(&self) -> std::borrow::Cow<'static, str> {
        qualified_name(self.origin.get())
    }

    /// CPython's close of an async generator without a finalizer (never iterated on a
    /// loop, or closed by an `aclose()` it outlived): `GeneratorExit` at its `yield`, and
    /// it must end by raising, without suspending. A body that returns instead raises
    /// `StopAsyncIteration`, which CPython 3.11's `gen_close` does not take for an end.
    fn close_now(self: &Rc<Self>) -> PyResult<()> {
        self.channel.state.set(AgState::PollingDelivered);
        let mut cx = Context::from_waker(futures::task::noop_waker_ref());
        self.channel
            .resumed
            .set(Some(Err(GeneratorExit::default().into())));
        let closed = match self.resume(&mut cx, None) {
            Poll::Pending | Poll::Ready(Some(Ok(_))) => {
                Err(RuntimeError::new("async generator ignored GeneratorExit").into())
            }
            Poll::Ready(None) => Err(StopAsyncIteration::default().into()),
            Poll::Ready(Some(Err(e))) if e.is::<GeneratorExit>() => Ok(()),
            Poll::Ready(Some(Err(e))) => Err(e),
        };
        self.finish();
        self.body.take();
        closed
    }
}

/// Closes the generator if polling its body unwinds.
struct ClosesOnUnwind<'a, Y: 'static, S: 'static, B: ?Sized + AsyncGenBody>(&'a Core<Y, S, B>);

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> Drop for ClosesOnUnwind<'_, Y, S, B> {
    fn drop(&mut self) {
        self.0.finish();
    }
}

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> AsyncGen for Core<Y, S, B> {
    fn aclose(self: Rc<Self>) -> Pin<Box<dyn StdFuture<Output = PyResult<()>>>> {
        Box::pin(Aclose(Op::new(self, Deliver::Close)))
    }

    fn repr(&self) -> String {
        Core::repr(self)
    }
}

// ANCHOR: finalizer
impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> Drop for Core<Y, S, B> {
    /// asyncio's `finalizer` hook: a generator dropped before it finished is closed by
    /// its loop, with `aclose()` in a task of its own, so its clean-up may await.
    fn drop(&mut self) {
        let state = self.channel.state.get();
        if state.is_running()
            || matches!(state, AgState::Closed | AgState::Awaiting)
            || std::thread::panicking()
        {
            return;
        }
        let Some(body) = self.body.get_mut().take() else {
            return;
        };
        // An `aclose()` has run, and the generator lived on: CPython closes it here, as
        // it closes one that no loop's hook finalizes.
        let event_loop = self
            .event_loop
            .take()
            .flatten()
            .filter(|_| !self.ag_closed.get());
        if event_loop.as_ref().is_some_and(EventLoop::is_closed) {
            return; // as asyncio's hook does for a closed loop: nothing
        }
        // The body and its channel move into a generator that lives on until it is closed.
        let core = Core {
            body: Cell::new(Some(body)),
            channel: self.channel.clone(),
            event_loop: OnceCell::from(event_loop.clone()),
            origin: self.origin.clone(),
            ag_closed: self.ag_closed.clone(),
        };
        let core = Rc::new(core);
        match event_loop {
            Some(event_loop) => {
                let scheduler = event_loop.clone();
                // `call_soon_threadsafe(loop.create_task, agen.aclose())`.
                let _ = scheduler.call_soon(move || {
                    let _ = event_loop.create_awaitable_task(core.close_as_task());
                });
            }
            None if state == AgState::Suspended => {
                if let Err(e) = core.close_now() {
                    write_unraisable("Exception ignored in", &self.repr(), &e);
                }
            }
            None => core.close_without_resuming(),
        }
    }
}
// ANCHOR_END: finalizer

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> Core<Y, S, B> {
    /// `aclose()` as the finalizer's task runs it (the core is no handle's any more).
    ///
    /// A cancellation thrown into the task before it starts (by `asyncio.run`'s shutdown,
    /// say) goes to the generator's `yield` in place of `GeneratorExit`, as CPython's
    /// `aclose()` awaitable passes a `throw` on to its generator. CPython 3.11's
    /// awaitable stays unstarted after that: if the body's clean-up then awaits, the
    /// task's next step starts the `aclose()` afresh, and its `GeneratorExit` is raised at
    /// that await, which ends the clean-up there. Here the rest of the body is dropped.
    fn close_as_task(self: Rc<Self>) -> impl StdFuture<Output = PyResult<()>> + 'static {
        let mut close = Aclose(Op::new(self, Deliver::Close));
        let mut thrown_before_start = false;
        std::future::poll_fn(move |cx| {
            match close.0.phase {
                Phase::NotStarted(Deliver::Close) => {
                    if let Err(cancelled) = super::task::check_cancelled() {
                        close.0.phase = Phase::NotStarted(Deliver::Throw(cancelled));
                        thrown_before_start = true;
                    }
                }
                Phase::Running if thrown_before_start => {
                    close.0.phase = Phase::Done;
                    close.0.core.ag_closed.set(true);
                    close.0.core.close_without_resuming();
                    return Poll::Ready(Ok(()));
                }
                _ => {}
            }
            Pin::new(&mut close).poll(cx)
        })
    }
}

/// A Python async generator: a body that awaits and yields, iterated by `anext`,
/// `asend`, `athrow` and `aclose`, or as a [`Stream`] (`async for`).
///
/// `Y` is what it yields, `S` what `asend` sends it, `B` its body: boxed, `dyn
/// AsyncGenBody`, for a generator made by [`new`](Self::new) or
/// [`receiving`](Self::receiving), whose type is then named `AsyncGenerator<Y>` or
/// `AsyncGenerator<Y, S>`; the body's own type for one made by [`typed`](Self::typed),
/// returned as `AsyncGenerator<Y, S, impl AsyncGenBody>`. Cloning shares the generator, as a
/// Python name does. The operations' futures are `'static` (they share it too), so an
/// `aclose()` can become a task.
///
/// ```
/// use pycoro::prelude::native::*;
///
/// // async def ticker(n, delay):
/// //     for i in range(n):
/// //         yield i
/// //         await asyncio.sleep(delay)
/// fn ticker(n: u32, delay: f64) -> AsyncGenerator<u32> {
///     AsyncGenerator::new(async move |co| {
///         for i in 0..n {
///             co.yield_(i).await?;
///             sleep(delay).await?;
///         }
///         Ok(())
///     })
/// }
///
/// // [(i, loop.time()) async for i in ticker(3, 1)]
/// let seen = run_with_clock(async {
///     let mut seen = Vec::new();
///     let mut ticks = ticker(3, 1.0);
///     while let Some(i) = ticks.try_next().await? {
///         seen.push((i, get_running_loop()?.time()));
///     }
///     Ok(seen)
/// }, Clock::new_virtual())?;
/// assert_eq!(seen, [(0, 0.0), (1, 1.0), (2, 2.0)]);
/// # Ok::<(), Exception>(())
/// ```
pub struct AsyncGenerator<Y: 'static, S: 'static = (), B: ?Sized + AsyncGenBody = dyn AsyncGenBody>
{
    core: Rc<Core<Y, S, B>>,
    /// This handle's `poll_next` is in progress (its body is inside an await).
    streaming: Cell<bool>,
}

impl<Y: 'static> AsyncGenerator<Y> {
    /// An async generator whose body is `body(co)`: typically an async closure,
    /// `AsyncGenerator::new(async move |co| { .. })`. Nothing runs until it is iterated.
    /// Its `__name__` is the name of the function that wrote the closure.
    ///
    /// `asend` can send it only `None` (its `yield_` gives `Option<()>`): the common case,
    /// which needs no type for what is sent; [`receiving`](Self::receiving) makes one that
    /// is sent values.
    pub fn new<F, Body>(body: F) -> Self
    where
        F: FnOnce(Co<Y>) -> Body,
        Body: AsyncGenBody,
    {
        Self::receiving(body)
    }
}

impl<Y: 'static, S: 'static> AsyncGenerator<Y, S> {
    /// An async generator that `asend` sends values of type `S`: its `co.yield_(x).await?`
    /// gives `Some(s)` for `asend(s)`, `None` for `anext()`.
    ///
    /// ```
    /// use pycoro::prelude::native::*;
    ///
    /// // async def doubler():
    /// //     v = yield 0
    /// //     while True:
    /// //         v = yield (v or 0) * 2
    /// fn doubler() -> AsyncGenerator<i64, i64> {
    ///     AsyncGenerator::receiving(async move |co| {
    ///         let mut v = co.yield_(0).await?;
    ///         loop {
    ///             v = co.yield_(v.unwrap_or(0) * 2).await?;
    ///         }
    ///     })
    /// }
    /// let doubled = run_with_clock(async {
    ///     let d = doubler();
    ///     d.anext().await?;
    ///     Ok((d.asend(21).await?, d.asend(5).await?))
    /// }, Clock::new_virtual())?;
    /// assert_eq!(doubled, (42, 10));
    /// # Ok::<(), Exception>(())
    /// ```
    pub fn receiving<F, Body>(body: F) -> Self
    where
        F: FnOnce(Co<Y, S>) -> Body,
        Body: AsyncGenBody,
    {
        Self::with_body(body, |body| body)
    }

    /// An async generator whose type carries its body's: `AsyncGenerator<Y, S, impl
    /// AsyncGenBody>`, returned as `impl` (as `async-stream`'s `try_stream!` returns
    /// `impl Stream`). It behaves as one made by [`new`](Self::new) or
    /// [`receiving`](Self::receiving) in everything; only its type differs. Because the
    /// body's type is known where the generator is iterated, resuming it is a direct call
    /// that the compiler can inline, not a virtual one: an item costs less. The price is
    /// the name: a struct field or a `Vec` of generators with different bodies wants the
    /// boxed `AsyncGenerator<Y>`.
    ///
    /// `S` is what `asend` sends, given by the return type (`()` if it sends only `None`).
    ///
    /// ```
    /// use pycoro::prelude::native::*;
    ///
    /// // async def counter(n):
    /// //     for i in range(n):
    /// //         yield i
    /// fn counter(n: u64) -> AsyncGenerator<u64, (), impl AsyncGenBody> {
    ///     AsyncGenerator::typed(async move |co| {
    ///         for i in 0..n {
    ///             co.yield_(i).await?;
    ///         }
    ///         Ok(())
    ///     })
    /// }
    /// let items = run_with_clock(async {
    ///     counter(3).try_collect::<Vec<_>>().await
    /// }, Clock::new_virtual())?;
    /// assert_eq!(items, [0, 1, 2]);
    /// # Ok::<(), Exception>(())
    /// ```
    pub fn typed<F, Body>(body: F) -> AsyncGenerator<Y, S, Body>
    where
        F: FnOnce(Co<Y, S>) -> Body,
        Body: AsyncGenBody,
    {
        AsyncGenerator::with_body(body, |body| body)
    }
}

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> AsyncGenerator<Y, S, B> {
    /// The generator of `body(co)`, its body kept as `keep` makes it (boxed as `B`).
    fn with_body<F, Body>(body: F, keep: impl FnOnce(Pin<Box<Body>>) -> Pin<Box<B>>) -> Self
    where
        F: FnOnce(Co<Y, S>) -> Body,
        Body: AsyncGenBody,
    {
        let channel = Rc::new(Channel {
            state: Cell::new(AgState::Created),
            yielded: Cell::new(None),
            resumed: Cell::new(None),
        });
        let body = body(Co {
            channel: channel.clone(),
        });
        Self {
            core: Rc::new(Core {
                body: Cell::new(Some(keep(Box::pin(body)))),
                channel,
                event_loop: OnceCell::new(),
                origin: Cell::new(std::any::type_name::<F>()),
                ag_closed: Cell::new(false),
            }),
            streaming: Cell::new(false),
        }
    }

    /// `agen.__anext__()`: the next value, or `StopAsyncIteration` at the end.
    pub fn anext(&self) -> Asend<Y, S, B> {
        self.asend(None)
    }

    /// `anext(agen, default)`, as a future that holds the generator (as [`anext`]'s
    /// does), so that `gather` and `wait_for` take it: the next value, or `default` at
    /// the end. [`anext_or`] is the same for any async iterator, borrowed.
    ///
    /// ```
    /// use pycoro::prelude::native::*;
    ///
    /// // await asyncio.gather(anext(a, '-'), anext(b, '-'))
    /// let one = || AsyncGenerator::new(async move |co| co.yield_("x").await.map(drop));
    /// let (a, b) = (one(), AsyncGenerator::new(async move |_| Ok(())));
    /// let got = run_with_clock(async move {
    ///     gather([a.anext_or("-"), b.anext_or("-")]).await
    /// }, Clock::new_virtual())?;
    /// assert_eq!(got, ["x", "-"]);
    /// # Ok::<(), Exception>(())
    /// ```
    pub fn anext_or(&self, default: Y) -> impl StdFuture<Output = PyResult<Y>> + 'static {
        let next = self.anext();
        async move {
            match next.await {
                Err(e) if e.isinstance::<StopAsyncIteration>() => Ok(default),
                other => other,
            }
        }
    }

    /// `agen.asend(value)`: resumes the body with `value` (`None` is `anext`), and gives
    /// the next value it yields. A just-started generator accepts only `None`
    /// (`TypeError: can't send non-None value to a just-started async generator`); a
    /// finished one raises `StopAsyncIteration`.
    pub fn asend(&self, value: impl Into<Option<S>>) -> Asend<Y, S, B> {
        Asend(Op::new(self.core.clone(), Deliver::Send(value.into())))
    }

    /// `agen.athrow(exc)`: raises `exc` at the `yield` where the body is suspended, and
    /// gives `Some` of the next value it yields (`StopAsyncIteration` if it returns
    /// instead). A generator that has not started raises `exc` without running and is
    /// closed; one that has finished gives `None`, as CPython 3.11's does.
    pub fn athrow(&self, exc: impl Into<Exception>) -> Athrow<Y, S, B> {
        Athrow(Op::new(self.core.clone(), Deliver::Throw(exc.into())))
    }

    /// `agen.aclose()`: raises `GeneratorExit` at the `yield` where the body is suspended,
    /// and lets its clean-up run (awaits included). A body that yields instead gets
    /// `RuntimeError: async generator ignored GeneratorExit` (and stays suspended);
    /// a generator not started, or finished, is simply closed.
    pub fn aclose(&self) -> Aclose<Y, S, B> {
        Aclose(Op::new(self.core.clone(), Deliver::Close))
    }
}

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> AsyncGenerator<Y, S, B> {
    /// Sets `__name__`, shown in `repr` (`<async_generator object NAME at 0x…>`).
    pub fn named(self, name: &'static str) -> Self {
        self.core.origin.set(name);
        self
    }

    /// `agen.__name__`.
    pub fn name(&self) -> &'static str {
        function_name(self.core.origin.get())
    }

    /// `agen.__qualname__`: `Tree.walk` for a generator a method of `Tree` built.
    pub fn qualname(&self) -> std::borrow::Cow<'static, str> {
        self.core.qualname()
    }

    /// `agen.ag_running`: an `anext`, `asend`, `athrow` or `aclose` is in progress.
    pub fn ag_running(&self) -> bool {
        self.core.channel.state.get().is_running()
    }

    /// `inspect.getasyncgenstate(agen)` (Python 3.12): created, running, suspended or closed.
    pub fn state(&self) -> GeneratorState {
        match self.core.channel.state.get() {
            AgState::Created => GeneratorState::Created,
            AgState::Suspended | AgState::Awaiting => GeneratorState::Suspended,
            AgState::Polling | AgState::PollingDelivered | AgState::Yielded | AgState::Running => {
                GeneratorState::Running
            }
            AgState::Closed => GeneratorState::Closed,
        }
    }

    /// Python's `a is b`: both handles are the same generator.
    pub fn is(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.core, &other.core)
    }
}

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> Clone for AsyncGenerator<Y, S, B> {
    fn clone(&self) -> Self {
        Self {
            core: self.core.clone(),
            streaming: Cell::new(false),
        }
    }
}

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> Drop for AsyncGenerator<Y, S, B> {
    fn drop(&mut self) {
        if self.streaming.get() {
            self.core.abandon(); // its `next` was dropped midway
        }
    }
}

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> fmt::Debug for AsyncGenerator<Y, S, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.core.repr())
    }
}

/// `async for x in agen`: each value it yields, then the end. An exception escaping the
/// body is the last item, as `Err` (Python's `async for` raises it); with `TryStreamExt`,
/// `while let Some(x) = agen.try_next().await? { .. }` raises it, as Python does.
impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> Stream for AsyncGenerator<Y, S, B> {
    type Item = PyResult<Y>;

    #[inline(always)]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<PyResult<Y>>> {
        let this = self.get_mut();
        this.core.resume(cx, Some(&this.streaming))
    }
}

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> FusedStream for AsyncGenerator<Y, S, B> {
    fn is_terminated(&self) -> bool {
        !self.streaming.get() && self.core.channel.state.get() == AgState::Closed
    }
}

/// What an operation delivers at the `yield` the body is suspended at.
enum Deliver<S> {
    Send(Option<S>),
    Throw(Exception),
    Close,
}

impl<S> Deliver<S> {
    /// It needs the body at a `yield`: all but `anext`'s (and `asend(None)`'s) nothing.
    fn needs_a_yield(&self) -> bool {
        !matches!(self, Deliver::Send(None))
    }
}

enum Phase<S> {
    NotStarted(Deliver<S>),
    Running,
    Done,
}

/// One `asend`/`athrow`/`aclose` awaitable: starts at its first poll, as Python's
/// awaitables start at their first `send`.
struct Op<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> {
    core: Rc<Core<Y, S, B>>,
    phase: Phase<S>,
}

/// How an operation's first poll goes: it resumes the body, with what the `yield_` it is
/// at evaluates to, or it is over already.
enum Started<T> {
    Resume(AgState),
    Over(PyResult<T>),
}

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> Op<Y, S, B> {
    fn new(core: Rc<Core<Y, S, B>>, deliver: Deliver<S>) -> Self {
        core.first_iteration(); // Python's awaitables call the hook when they are made
        Self {
            core,
            phase: Phase::NotStarted(deliver),
        }
    }
}

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> Op<Y, S, B> {
    /// Polls the operation: `start` decides its first poll (given what to deliver),
    /// `end` maps how the body's resumption ended.
    #[inline]
    fn poll_with<T>(
        &mut self,
        cx: &mut Context<'_>,
        names: (&str, &str),
        start: impl FnOnce(&Core<Y, S, B>, Deliver<S>) -> Started<T>,
        end: impl FnOnce(Outcome<Y>) -> PyResult<T>,
    ) -> Poll<PyResult<T>> {
        match std::mem::replace(&mut self.phase, Phase::Running) {
            Phase::Done => {
                self.phase = Phase::Done;
                return Poll::Ready(Err(RuntimeError::new(format!(
                    "cannot reuse already awaited {}",
                    names.1
                ))
                .into()));
            }
            Phase::NotStarted(deliver) => {
                let state = self.core.channel.state.get();
                if state.is_running() || (state == AgState::Awaiting && deliver.needs_a_yield()) {
                    self.phase = Phase::Done;
                    return Poll::Ready(Err(RuntimeError::new(format!(
                        "{}(): asynchronous generator is already running",
                        names.0
                    ))
                    .into()));
                }
                match start(&self.core, deliver) {
                    Started::Over(result) => {
                        self.phase = Phase::Done;
                        return Poll::Ready(result);
                    }
                    Started::Resume(polling) => self.core.channel.state.set(polling),
                }
            }
            // Inside an await, nothing to deliver.
            Phase::Running => self.core.channel.state.set(AgState::Polling),
        }
        match self.core.resume(cx, None) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(outcome) => {
                self.phase = Phase::Done;
                Poll::Ready(end(outcome))
            }
        }
    }
}

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> Drop for Op<Y, S, B> {
    fn drop(&mut self) {
        if matches!(self.phase, Phase::Running) {
            self.core.abandon(); // dropped midway: see the module's notes
        }
    }
}

/// The future of `anext()` and `asend(value)`: the next value the body yields.
pub struct Asend<Y: 'static, S: 'static = (), B: ?Sized + AsyncGenBody = dyn AsyncGenBody>(
    Op<Y, S, B>,
);

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> StdFuture for Asend<Y, S, B> {
    type Output = PyResult<Y>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PyResult<Y>> {
        let op = &mut self.get_mut().0;
        op.poll_with(
            cx,
            ("anext", "__anext__()/asend()"),
            |core, deliver| {
                let Deliver::Send(value) = deliver else {
                    unreachable!("an asend delivers a value")
                };
                match core.channel.state.get() {
                    AgState::Closed => Started::Over(Err(StopAsyncIteration::default().into())),
                    AgState::Created if value.is_some() => Started::Over(Err(TypeError::new(
                        "can't send non-None value to a just-started async generator",
                    )
                    .into())),
                    AgState::Created => Started::Resume(AgState::Polling),
                    _ if value.is_none() => Started::Resume(AgState::Polling),
                    _ => core.channel.deliver(Ok(value)),
                }
            },
            |outcome| match outcome {
                Some(Ok(value)) => Ok(value),
                None => Err(StopAsyncIteration::default().into()),
                Some(Err(e)) => Err(e),
            },
        )
    }
}

// Python's awaitables hold their generator, never pinned structurally.
impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> Unpin for Asend<Y, S, B> {}
impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> Unpin for Athrow<Y, S, B> {}
impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> Unpin for Aclose<Y, S, B> {}

/// The future of `athrow(exc)`: `Some` of the next value the body yields, `None` if the
/// generator had already finished.
pub struct Athrow<Y: 'static, S: 'static = (), B: ?Sized + AsyncGenBody = dyn AsyncGenBody>(
    Op<Y, S, B>,
);

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> StdFuture for Athrow<Y, S, B> {
    type Output = PyResult<Option<Y>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PyResult<Option<Y>>> {
        let op = &mut self.get_mut().0;
        op.poll_with(
            cx,
            ("athrow", "aclose()/athrow()"),
            |core, deliver| {
                let Deliver::Throw(exc) = deliver else {
                    unreachable!("an athrow delivers an exception")
                };
                match core.channel.state.get() {
                    AgState::Closed => Started::Over(Ok(None)),
                    _ if core.ag_closed.get() => {
                        Started::Over(Err(StopAsyncIteration::default().into()))
                    }
                    // Raised at its first line: it escapes at once (and PEP 479 applies).
                    AgState::Created => {
                        core.close_without_resuming();
                        Started::Over(Err(pep_479(exc)))
                    }
                    _ => core.channel.deliver(Err(exc)),
                }
            },
            |outcome| match outcome {
                Some(Ok(value)) => Ok(Some(value)),
                None => Err(StopAsyncIteration::default().into()),
                Some(Err(e)) => Err(e),
            },
        )
    }
}

/// The future of `aclose()`.
pub struct Aclose<Y: 'static, S: 'static = (), B: ?Sized + AsyncGenBody = dyn AsyncGenBody>(
    Op<Y, S, B>,
);

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> StdFuture for Aclose<Y, S, B> {
    type Output = PyResult<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PyResult<()>> {
        let op = &mut self.get_mut().0;
        op.poll_with(
            cx,
            ("aclose", "aclose()/athrow()"),
            |core, deliver| match core.channel.state.get() {
                AgState::Closed => Started::Over(Ok(())),
                _ if core.ag_closed.get() => {
                    Started::Over(Err(StopAsyncIteration::default().into()))
                }
                AgState::Suspended => core.channel.deliver(Err(match deliver {
                    Deliver::Throw(thrown) => thrown,
                    _ => {
                        core.ag_closed.set(true);
                        GeneratorExit::default().into()
                    }
                })),
                _ => {
                    core.close_without_resuming();
                    Started::Over(Ok(()))
                }
            },
            |outcome| match outcome {
                Some(Ok(_)) => {
                    Err(RuntimeError::new("async generator ignored GeneratorExit").into())
                }
                None => Ok(()),
                Some(Err(e)) if e.is::<GeneratorExit>() => Ok(()),
                Some(Err(e)) => Err(e),
            },
        )
    }
}

/// `aclosing(agen)` closes an async generator with `aclose()`.
impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> super::AsyncClose
    for AsyncGenerator<Y, S, B>
{
    fn close(&self) -> impl StdFuture<Output = PyResult<()>> {
        self.aclose()
    }
}

/// Python's async iterator protocol, `__anext__`: what [`anext`] and [`anext_or`] call.
/// An [`AsyncGenerator`] is one; so is any type that writes `anext` by hand (a class
/// with `async def __anext__`).
pub trait AsyncIterator {
    /// What it gives.
    type Item;
    /// `__anext__()`: the next item, or `StopAsyncIteration` at the end.
    fn anext(&self) -> impl StdFuture<Output = PyResult<Self::Item>>;
}

impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> AsyncIterator for AsyncGenerator<Y, S, B> {
    type Item = Y;

    fn anext(&self) -> impl StdFuture<Output = PyResult<Y>> {
        AsyncGenerator::anext(self)
    }
}

/// Python's async iterable, `__aiter__`: what [`aiter`] calls.
pub trait AsyncIterable {
    /// The iterator it gives.
    type Iter: AsyncIterator;
    /// `__aiter__()`.
    fn aiter(&self) -> Self::Iter;
}

/// An async generator is its own iterator: `aiter(agen) is agen`.
impl<Y: 'static, S: 'static, B: ?Sized + AsyncGenBody> AsyncIterable for AsyncGenerator<Y, S, B> {
    type Iter = Self;

    fn aiter(&self) -> Self {
        self.clone()
    }
}

/// `aiter(x)`: its async iterator.
pub fn aiter<I: AsyncIterable>(iterable: &I) -> I::Iter {
    iterable.aiter()
}

/// `await anext(it)`: its next item, or `StopAsyncIteration`.
pub async fn anext<I: AsyncIterator>(iterator: &I) -> PyResult<I::Item> {
    iterator.anext().await
}

/// `await anext(it, default)`: its next item, or `default` at the end.
pub async fn anext_or<I: AsyncIterator>(iterator: &I, default: I::Item) -> PyResult<I::Item> {
    match iterator.anext().await {
        Err(e) if e.isinstance::<StopAsyncIteration>() => Ok(default),
        other => other,
    }
}

impl EventLoop {
    // ANCHOR: shutdown
    /// `loop.shutdown_asyncgens()`: closes every async generator first iterated on this
    /// loop and still alive, each `aclose()` in a task of its own, all at once. An error
    /// raised while closing one is reported (through the unraisable hook, as
    /// `an error occurred during closing of asynchronous generator <repr>`), not raised.
    /// [`run`](super::run) calls it after cancelling the tasks left, before closing the
    /// loop, as `asyncio.run` does.
    pub fn shutdown_asyncgens(&self) -> impl StdFuture<Output = PyResult<()>> + 'static {
        let event_loop = self.clone();
        async move {
            let closing = event_loop.take_asyncgens();
            if closing.is_empty() {
                return Ok(());
            }
            let tasks = closing
                .iter()
                .map(|agen| event_loop.create_native_task(agen.clone().aclose()))
                .collect::<PyResult<Vec<_>>>()?;
            let results = gather_return_exceptions(tasks).await?;
            for (result, agen) in results.iter().zip(&closing) {
                if let Err(e) = result
                    && is_error(e)
                {
                    write_unraisable(
                        "an error occurred during closing of asynchronous generator",
                        &agen.repr(),
                        e,
                    );
                }
            }
            Ok(())
        }
    }
    // ANCHOR_END: shutdown
}
