//! Python's `with` and `async with`, and `contextlib`'s context managers: from a generator
//! ([`contextmanager`]), from an async generator ([`asynccontextmanager`]), [`ExitStack`]
//! and [`AsyncExitStack`], [`suppress`], [`closing`], [`aclosing`], [`nullcontext`].
//!
//! Book: chapter "Async generators and context managers".
//!
//! | Python                                         | pycoro                                                     |
//! |------------------------------------------------|------------------------------------------------------------|
//! | `with cm as v: body`                           | `with(cm, \|v\| { body })?` (`Some(value)`, `None` if suppressed) |
//! | `async with cm as v: body`                     | `async_with(cm, async \|v\| { body }).await?`              |
//! | `def __enter__(self)` / `def __exit__(self, t, e, tb)` | `impl ContextManager { fn enter(..); fn exit(.., exc: Option<Exception>) }` |
//! | `__exit__` returns `True` (suppress)           | `exit` returns `Ok(())` when given an exception            |
//! | `__exit__` returns `False` (re-raise)          | `exit` returns `Err(exc)`, the exception it was given      |
//! | `@contextmanager def cm(): ... yield v ...`    | `contextmanager(Generator::new(#[coroutine] \|_\| { .. yield_!(v)?; .. }))` |
//! | `@asynccontextmanager async def cm(): ...`     | `asynccontextmanager(AsyncGenerator::new(async move \|co\| { .. }))` |
//! | `with ExitStack() as stack:`                   | `with(ExitStack::new(), \|stack\| { stack.enter_context(cm)?; .. })` |
//! | `with suppress(ValueError):`                   | `with(suppress(\|e\| e.is::<ValueError>()), \|()\| { .. })`  |
//! | `with closing(thing) as t:`                    | `with(closing(&thing), \|t\| { .. })`                      |
//! | `async with aclosing(agen) as g:`              | `async_with(aclosing(agen), async \|g\| { .. }).await`     |
//!
//! Python's `__exit__` is told the body's exception and answers whether to suppress it; the
//! `with` statement then re-raises it or not. A Rust exception is a value with one owner,
//! so [`ContextManager::exit`] takes the exception and gives back what goes on: `Ok(())`
//! (nothing: the body ended, or its exception is suppressed) or `Err(e)` (the exception
//! it was given, or one it raised). A context manager built on a generator throws the
//! very exception into the generator, and gets it back if the generator lets it through.
//!
//! ```
//! #![feature(coroutines)]
//! use pycoro::contextlib::{contextmanager, with, GeneratorContextManager};
//! use pycoro::exceptions::{PyResult, ValueError};
//! use pycoro::generators::Generator;
//! use pycoro::yield_;
//! use std::{cell::RefCell, rc::Rc};
//!
//! // @contextmanager
//! // def tag(log, name):
//! //     log.append('<%s>' % name)
//! //     try:
//! //         yield name
//! //     finally:
//! //         log.append('</%s>' % name)
//! fn tag(log: Rc<RefCell<Vec<String>>>, name: &'static str) -> GeneratorContextManager<&'static str> {
//!     contextmanager(Generator::new(#[coroutine] move |_| {
//!         log.borrow_mut().push(format!("<{name}>"));
//!         let body = yield_!(name); // the with block runs here, or raises here
//!         log.borrow_mut().push(format!("</{name}>"));
//!         body.map(drop)
//!     }))
//! }
//!
//! let log = Rc::new(RefCell::new(Vec::new()));
//! let raised: PyResult<Option<()>> = with(tag(log.clone(), "b"), |name| {
//!     log.borrow_mut().push(format!("in {name}"));
//!     Err(ValueError::new("inside").into())
//! });
//! assert_eq!(raised.unwrap_err().to_string(), "inside"); // not suppressed: raised again
//! assert_eq!(*log.borrow(), ["<b>", "in b", "</b>"]);
//! ```

use std::cell::RefCell;
use std::future::Future as StdFuture;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;

use crate::exceptions::{
    Exception, ExceptionExt, PyResult, RuntimeError, StopAsyncIteration, StopIteration, cause,
    clone_exception, context, context_cleared, context_mut, link_to_handled, same_exception,
    set_context,
};
use crate::generators::{Generator, Step};
use crate::native::{
    AsyncClose, AsyncGenerator, BoundedSemaphore, Condition, Lock, Release, Semaphore, TaskGroup,
};

/// Python's context manager protocol, `__enter__` and `__exit__`.
pub trait ContextManager {
    /// What `enter` gives: the `v` of `with cm as v`.
    type Target;

    /// `__enter__()`.
    fn enter(&mut self) -> PyResult<Self::Target>;

    /// `__exit__(type, value, traceback)`: run however the body ended; `exc` is its
    /// exception, if it raised. Gives `Ok(())` if nothing is to propagate (the body ended,
    /// or its exception is suppressed: Python's `return True`), else `Err`: `exc` itself
    /// (Python's `return False`), or an exception raised while exiting, which [`with`]
    /// links to `exc` (its `__context__`), as Python does.
    fn exit(&mut self, exc: Option<Exception>) -> PyResult<()>;
}

/// A context manager borrowed: `with cm:` twice, on one that can be reused.
impl<C: ContextManager + ?Sized> ContextManager for &mut C {
    type Target = C::Target;

    fn enter(&mut self) -> PyResult<C::Target> {
        (**self).enter()
    }

    fn exit(&mut self, exc: Option<Exception>) -> PyResult<()> {
        (**self).exit(exc)
    }
}

// ANCHOR: with
/// `with cm as target: body(target)`: enters, runs the body, and exits however the body
/// ended. `Some` of the body's value, or `None` if its exception was suppressed. An
/// exception the exit raises instead has the body's as its `__context__` (at the end of
/// its chain), as Python links it, unless it was set to `None` by hand.
///
/// A body that panics is also exited, told a `RuntimeError` naming the panic (it cannot
/// suppress it), before the panic goes on.
pub fn with<C: ContextManager, T>(
    mut cm: C,
    body: impl FnOnce(C::Target) -> PyResult<T>,
) -> PyResult<Option<T>> {
    let target = cm.enter()?;
    match panic::catch_unwind(AssertUnwindSafe(|| body(target))) {
        Ok(Ok(value)) => cm.exit(None).map(|()| Some(value)),
        Ok(Err(e)) => {
            let handled = clone_exception(&e);
            cm.exit(Some(e))
                .map(|()| None)
                .map_err(|raised| raised_in_exit(raised, &handled))
        }
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let _ = cm.exit(Some(RuntimeError::new(format!("panic: {message}")).into()));
            panic::resume_unwind(payload)
        }
    }
}
// ANCHOR_END: with

/// Python's asynchronous context manager protocol, `__aenter__` and `__aexit__`: as
/// [`ContextManager`], each of them awaitable.
pub trait AsyncContextManager {
    /// The `v` of `async with cm as v`.
    type Target;

    /// `await cm.__aenter__()`.
    fn aenter(&mut self) -> impl StdFuture<Output = PyResult<Self::Target>>;

    /// `await cm.__aexit__(type, value, traceback)`: as [`ContextManager::exit`].
    fn aexit(&mut self, exc: Option<Exception>) -> impl StdFuture<Output = PyResult<()>>;
}

impl<C: AsyncContextManager + ?Sized> AsyncContextManager for &mut C {
    type Target = C::Target;

    fn aenter(&mut self) -> impl StdFuture<Output = PyResult<C::Target>> {
        (**self).aenter()
    }

    fn aexit(&mut self, exc: Option<Exception>) -> impl StdFuture<Output = PyResult<()>> {
        (**self).aexit(exc)
    }
}

/// `async with cm as target: body(target)`: as [`with`], awaiting `aenter`, the body and
/// `aexit`. (A panic cannot await an exit: it goes through without one.)
pub async fn async_with<C: AsyncContextManager, T>(
    mut cm: C,
    body: impl AsyncFnOnce(C::Target) -> PyResult<T>,
) -> PyResult<Option<T>> {
    let target = cm.aenter().await?;
    match body(target).await {
        Ok(value) => cm.aexit(None).await.map(|()| Some(value)),
        Err(e) => {
            let handled = clone_exception(&e);
            cm.aexit(Some(e))
                .await
                .map(|()| None)
                .map_err(|raised| raised_in_exit(raised, &handled))
        }
    }
}

/// An exception an exit raised while the body's, `handled`, was handled: Python links it
/// (or the end of its chain) to `handled` by itself, at its `raise`.
fn raised_in_exit(mut raised: Exception, handled: &Exception) -> Exception {
    link_to_handled(&mut raised, handled);
    raised
}

// ANCHOR: contextmanager
/// `@contextmanager`: a context manager from a generator that yields once. Its `yield`
/// gives the target; the body of the `with` runs while it is suspended there; the
/// generator is then resumed (the body ended) or the body's exception is thrown in at the
/// `yield` (it raised), so that a `try`/`finally` or `except` around the `yield` sees it.
pub fn contextmanager<T>(generator: Generator<'static, T>) -> GeneratorContextManager<T> {
    GeneratorContextManager { generator }
}

/// What [`contextmanager`] makes (contextlib's `_GeneratorContextManager`).
pub struct GeneratorContextManager<T> {
    generator: Generator<'static, T>,
}

impl<T> ContextManager for GeneratorContextManager<T> {
    type Target = T;

    fn enter(&mut self) -> PyResult<T> {
        match self.generator.next() {
            Ok(Step::Yielded(target)) => Ok(target),
            Ok(Step::Returned(())) => Err(RuntimeError::new("generator didn't yield").into()),
            Err(e) if e.isinstance::<StopIteration>() => {
                Err(RuntimeError::new("generator didn't yield").into())
            }
            Err(e) => Err(e),
        }
    }

    fn exit(&mut self, exc: Option<Exception>) -> PyResult<()> {
        let Some(value) = exc else {
            return match self.generator.next() {
                Ok(Step::Returned(())) => Ok(()),
                Err(e) if e.isinstance::<StopIteration>() => Ok(()),
                Err(e) => Err(e),
                Ok(Step::Yielded(_)) => {
                    self.generator.close()?;
                    Err(RuntimeError::new("generator didn't stop").into())
                }
            };
        };
        // Kept to know it again inside the RuntimeError it may come back as.
        let stop = value
            .isinstance::<StopIteration>()
            .then(|| clone_exception(&value));
        match self.generator.throw(value) {
            // It returned: a StopIteration that is not the one thrown, suppressed.
            Ok(Step::Returned(())) => Ok(()),
            Ok(Step::Yielded(_)) => {
                self.generator.close()?;
                Err(RuntimeError::new("generator didn't stop after throw()").into())
            }
            Err(e) if stop.as_ref().is_some_and(|stop| wraps(&e, stop)) => {
                Err(stop.expect("checked by the guard"))
            }
            // The exception thrown in, let through, or another one raised: it goes on.
            Err(e) => Err(e),
        }
    }
}
// ANCHOR_END: contextmanager

/// contextlib's `exc.__cause__ is value`: `e` is a RuntimeError made of the `StopIteration`
/// thrown in, by PEP 479 or by the generator's own `raise RuntimeError(..) from exc`.
/// contextlib cannot tell the two apart, and lets the `StopIteration` go on either way; a
/// RuntimeError raised from any other exception goes on as it is (issue 29692).
fn wraps(e: &Exception, thrown: &Exception) -> bool {
    e.isinstance::<RuntimeError>() && cause(e).is_some_and(|c| same_exception(c, thrown))
}

// ANCHOR: asynccontextmanager
/// `@asynccontextmanager`: an async context manager from an async generator that yields
/// once, as [`contextmanager`] is from a generator; `aclose`/`athrow` play the part of
/// `close`/`throw`, so the generator's clean-up may await.
pub fn asynccontextmanager<T: 'static>(
    generator: AsyncGenerator<T>,
) -> AsyncGeneratorContextManager<T> {
    AsyncGeneratorContextManager { generator }
}

/// What [`asynccontextmanager`] makes (contextlib's `_AsyncGeneratorContextManager`).
pub struct AsyncGeneratorContextManager<T: 'static> {
    generator: AsyncGenerator<T>,
}

impl<T: 'static> AsyncContextManager for AsyncGeneratorContextManager<T> {
    type Target = T;

    async fn aenter(&mut self) -> PyResult<T> {
        match self.generator.anext().await {
            Err(e) if e.isinstance::<StopAsyncIteration>() => {
                Err(RuntimeError::new("generator didn't yield").into())
            }
            other => other,
        }
    }

    async fn aexit(&mut self, exc: Option<Exception>) -> PyResult<()> {
        let Some(value) = exc else {
            return match self.generator.anext().await {
                Err(e) if e.isinstance::<StopAsyncIteration>() => Ok(()),
                Err(e) => Err(e),
                Ok(_) => {
                    self.generator.aclose().await?;
                    Err(RuntimeError::new("generator didn't stop").into())
                }
            };
        };
        let stop = (value.isinstance::<StopIteration>()
            || value.isinstance::<StopAsyncIteration>())
        .then(|| clone_exception(&value));
        let thrown = |e: &Exception| stop.as_ref().is_some_and(|stop| same_exception(e, stop));
        match self.generator.athrow(value).await {
            // It returned: a StopAsyncIteration that is not the one thrown, suppressed.
            Err(e) if e.isinstance::<StopAsyncIteration>() && !thrown(&e) => Ok(()),
            Err(e) if stop.as_ref().is_some_and(|stop| wraps(&e, stop)) => {
                Err(stop.expect("checked by the guard"))
            }
            Err(e) => Err(e),
            Ok(_) => {
                self.generator.aclose().await?;
                Err(RuntimeError::new("generator didn't stop after athrow()").into())
            }
        }
    }
}
// ANCHOR_END: asynccontextmanager

/// `contextlib.suppress(*exceptions)`: suppresses an exception of the body that `matches`
/// accepts (`|e| e.is::<ValueError>()`); reusable, and reentrant.
pub fn suppress<F: Fn(&Exception) -> bool>(matches: F) -> Suppress<F> {
    Suppress(matches)
}

/// What [`suppress`] makes.
pub struct Suppress<F>(F);

impl<F: Fn(&Exception) -> bool> ContextManager for Suppress<F> {
    type Target = ();

    fn enter(&mut self) -> PyResult<()> {
        Ok(())
    }

    fn exit(&mut self, exc: Option<Exception>) -> PyResult<()> {
        (&*self).exit(exc)
    }
}

/// Shared: a `suppress` has no state, so one may be entered inside itself.
impl<F: Fn(&Exception) -> bool> ContextManager for &Suppress<F> {
    type Target = ();

    fn enter(&mut self) -> PyResult<()> {
        Ok(())
    }

    fn exit(&mut self, exc: Option<Exception>) -> PyResult<()> {
        match exc {
            Some(e) if !(self.0)(&e) => Err(e),
            _ => Ok(()),
        }
    }
}

/// Something with a `close()`, for [`closing`].
pub trait Close {
    /// `thing.close()`.
    fn close(&self) -> PyResult<()>;
}

impl<Y, S, R> Close for Generator<'_, Y, S, R> {
    fn close(&self) -> PyResult<()> {
        Generator::close(self)
    }
}

/// `contextlib.closing(thing)`: gives `thing`, and closes it at the end of the block.
pub fn closing<T: Close + ?Sized>(thing: &T) -> Closing<'_, T> {
    Closing(thing)
}

/// What [`closing`] makes.
pub struct Closing<'a, T: ?Sized>(&'a T);

impl<'a, T: Close + ?Sized> ContextManager for Closing<'a, T> {
    type Target = &'a T;

    fn enter(&mut self) -> PyResult<&'a T> {
        Ok(self.0)
    }

    fn exit(&mut self, exc: Option<Exception>) -> PyResult<()> {
        self.0.close()?; // an error while closing replaces the body's
        exc.map_or(Ok(()), Err)
    }
}

/// `contextlib.aclosing(thing)`: gives `thing` (a handle to it), and awaits its close at
/// the end of the block: an async generator's `aclose()`.
pub fn aclosing<T: AsyncClose + Clone>(thing: T) -> Aclosing<T> {
    Aclosing(thing)
}

/// What [`aclosing`] makes.
pub struct Aclosing<T>(T);

impl<T: AsyncClose + Clone> AsyncContextManager for Aclosing<T> {
    type Target = T;

    async fn aenter(&mut self) -> PyResult<T> {
        Ok(self.0.clone())
    }

    async fn aexit(&mut self, exc: Option<Exception>) -> PyResult<()> {
        self.0.close().await?;
        exc.map_or(Ok(()), Err)
    }
}

/// `contextlib.nullcontext(enter_result)`: does nothing; gives `enter_result`, once.
pub fn nullcontext<T>(enter_result: T) -> NullContext<T> {
    NullContext(Some(enter_result))
}

/// What [`nullcontext`] makes, for `with` and `async with` alike.
pub struct NullContext<T>(Option<T>);

impl<T> NullContext<T> {
    fn take(&mut self) -> PyResult<T> {
        self.0
            .take()
            .ok_or_else(|| RuntimeError::new("nullcontext entered twice").into())
    }
}

impl<T> ContextManager for NullContext<T> {
    type Target = T;

    fn enter(&mut self) -> PyResult<T> {
        self.take()
    }

    fn exit(&mut self, exc: Option<Exception>) -> PyResult<()> {
        exc.map_or(Ok(()), Err)
    }
}

impl<T> AsyncContextManager for NullContext<T> {
    type Target = T;

    async fn aenter(&mut self) -> PyResult<T> {
        self.take()
    }

    async fn aexit(&mut self, exc: Option<Exception>) -> PyResult<()> {
        exc.map_or(Ok(()), Err)
    }
}

type ExitFn = Box<dyn FnOnce(Option<Exception>) -> PyResult<()>>;
type AsyncExitFn =
    Box<dyn FnOnce(Option<Exception>) -> Pin<Box<dyn StdFuture<Output = PyResult<()>>>>>;

/// How an exit callback of a stack is called.
enum Call {
    Sync(ExitFn),
    Async(AsyncExitFn),
}

/// The callbacks of a stack, last pushed first out; shared by the stack's handles.
#[derive(Clone, Default)]
struct Callbacks(Rc<RefCell<Vec<Call>>>);

impl Callbacks {
    fn push(&self, call: Call) {
        self.0.borrow_mut().push(call);
    }

    fn pop(&self) -> Option<Call> {
        self.0.borrow_mut().pop()
    }

    fn take(&self) -> Vec<Call> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

/// What a callback does with the exception going through the stack: gives it back as it
/// is (`callback` never suppresses), unless it raised one of its own.
fn after_callback(exc: Option<Exception>, called: PyResult<()>) -> PyResult<()> {
    called?;
    exc.map_or(Ok(()), Err)
}

/// The exception going through a stack while its callbacks run, as contextlib's
/// `__exit__` keeps it: each callback is told it, and leaves what goes on to the next.
struct Unwinding {
    /// The exception the stack exited with (contextlib's `frame_exc`), to know it again.
    frame: Option<Exception>,
    /// What goes on: the exception the next callback is told.
    exc: Option<Exception>,
}

impl Unwinding {
    fn new(exc: Option<Exception>) -> Self {
        let frame = exc.as_ref().map(clone_exception);
        Self { frame, exc }
    }

    /// The exception to tell the next callback, and a copy of it, to know it if it comes
    /// back and to link a new one to.
    fn tell(&mut self) -> (Option<Exception>, Option<Exception>) {
        let exc = self.exc.take();
        let old = exc.as_ref().map(clone_exception);
        (exc, old)
    }

    /// What the callback told `old` gave: nothing goes on (it suppressed, or there was
    /// nothing), `old` goes on, or an exception it raised, linked to `old`.
    fn after(&mut self, old: Option<Exception>, outcome: PyResult<()>) {
        self.exc = match outcome {
            Ok(()) => None,
            Err(e) if old.as_ref().is_some_and(|old| same_exception(&e, old)) => Some(e),
            Err(mut e) => {
                fix_exception_context(&mut e, old, self.frame.as_ref());
                Some(e)
            }
        };
    }

    fn end(self) -> PyResult<()> {
        self.exc.map_or(Ok(()), Err)
    }
}

/// contextlib's `_fix_exception_context`: links `new`, raised by a callback, to `old`,
/// the exception the callback was told, as nested `with` statements would have chained
/// them.
///
/// In Python every callback runs while the stack's `frame` exception is handled, so what
/// it raises has `frame` at the end of its chain of contexts, and that link is moved to
/// `old`; a chain that reaches `old` already, or ends in `None` (set by hand), is left
/// as it is. A Rust callback links nothing by itself, so where its chain ends in a
/// `None` nobody set, Python's implicit link to `frame` would be.
fn fix_exception_context(new: &mut Exception, old: Option<Exception>, frame: Option<&Exception>) {
    enum Link {
        Next,
        ToOld,
        Kept,
    }
    let is = |e: Option<&Exception>, link: &Exception| e.is_some_and(|e| same_exception(e, link));
    let mut at = new;
    loop {
        let link = match context(at) {
            None if frame.is_some() && !context_cleared(at) => Link::ToOld,
            None => Link::Kept,
            Some(link) if is(old.as_ref(), link) => Link::Kept,
            Some(link) if is(frame, link) => Link::ToOld,
            Some(_) => Link::Next,
        };
        match link {
            Link::Next => at = context_mut(at).expect("a context to follow"),
            Link::ToOld => return set_context(at, old),
            Link::Kept => return,
        }
    }
}

// ANCHOR: exit_stack
/// `contextlib.ExitStack`: a stack of exit callbacks, run last in, first out when it
/// exits, each told the exception still going on (one may suppress it, or raise another,
/// which the next ones see, its `__context__` the one it replaced, as in nested `with`
/// statements). Cloning shares the stack; as a context manager it gives itself, as
/// `with ExitStack() as stack:` does.
///
/// ```
/// #![feature(coroutines)]
/// use pycoro::contextlib::{ExitStack, with};
/// use std::{cell::RefCell, rc::Rc};
///
/// let log = Rc::new(RefCell::new(Vec::new()));
/// with(ExitStack::new(), |stack| {
///     for name in ["a", "b", "c"] {
///         let log = log.clone();
///         stack.callback(move || {
///             log.borrow_mut().push(name);
///             Ok(())
///         });
///     }
///     Ok(())
/// })?;
/// assert_eq!(*log.borrow(), ["c", "b", "a"]);
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
#[derive(Clone, Default)]
pub struct ExitStack(Callbacks);

impl ExitStack {
    /// `ExitStack()`.
    pub fn new() -> Self {
        Self::default()
    }

    /// `stack.enter_context(cm)`: enters `cm` and pushes its exit.
    pub fn enter_context<C: ContextManager + 'static>(&self, mut cm: C) -> PyResult<C::Target> {
        let target = cm.enter()?;
        self.push_cm(cm);
        Ok(target)
    }

    /// `stack.push(cm)` for a context manager: pushes its exit, without entering it.
    pub fn push_cm<C: ContextManager + 'static>(&self, mut cm: C) {
        self.push(move |exc| cm.exit(exc));
    }

    /// `stack.push(exit)`: pushes an exit callback, told the exception going on, which it
    /// may suppress (`Ok(())`), give back (`Err(exc)`), or replace (`Err(other)`).
    pub fn push(&self, exit: impl FnOnce(Option<Exception>) -> PyResult<()> + 'static) {
        self.0.push(Call::Sync(Box::new(exit)));
    }

    /// `stack.callback(f)`: pushes `f`, which is not told of an exception and cannot
    /// suppress one; one it raises has the exception going on as its `__context__`.
    pub fn callback(&self, f: impl FnOnce() -> PyResult<()> + 'static) {
        let call = move |exc| after_callback(exc, f());
        self.0.push(Call::Sync(Box::new(call)));
    }

    /// `stack.pop_all()`: a new stack with this one's callbacks; this one is left empty.
    pub fn pop_all(&self) -> ExitStack {
        let stack = ExitStack::new();
        *stack.0.0.borrow_mut() = self.0.take();
        stack
    }

    /// `stack.close()`: runs the callbacks now, as the end of a `with` without exception.
    pub fn close(&self) -> PyResult<()> {
        self.unwind(None)
    }

    /// The callbacks, last first, each told the exception left by the one before.
    fn unwind(&self, exc: Option<Exception>) -> PyResult<()> {
        let mut unwinding = Unwinding::new(exc);
        while let Some(call) = self.0.pop() {
            let Call::Sync(call) = call else {
                unreachable!("an ExitStack holds no async callback")
            };
            let (exc, old) = unwinding.tell();
            unwinding.after(old, call(exc));
        }
        unwinding.end()
    }
}

impl ContextManager for ExitStack {
    type Target = ExitStack;

    fn enter(&mut self) -> PyResult<ExitStack> {
        Ok(self.clone())
    }

    fn exit(&mut self, exc: Option<Exception>) -> PyResult<()> {
        self.unwind(exc)
    }
}
// ANCHOR_END: exit_stack

/// `contextlib.AsyncExitStack`: an [`ExitStack`] whose callbacks may also be async
/// (`enter_async_context`, `push_async_exit`, `push_async_callback`), awaited in turn.
#[derive(Clone, Default)]
pub struct AsyncExitStack(Callbacks);

impl AsyncExitStack {
    /// `AsyncExitStack()`.
    pub fn new() -> Self {
        Self::default()
    }

    /// `await stack.enter_async_context(cm)`: enters `cm` and pushes its `aexit`.
    pub async fn enter_async_context<C: AsyncContextManager + 'static>(
        &self,
        mut cm: C,
    ) -> PyResult<C::Target> {
        let target = cm.aenter().await?;
        self.push_async_cm(cm);
        Ok(target)
    }

    /// `stack.push_async_exit(cm)` for an async context manager: pushes its `aexit`.
    pub fn push_async_cm<C: AsyncContextManager + 'static>(&self, cm: C) {
        self.push_async_exit(move |exc| async move {
            let mut cm = cm;
            cm.aexit(exc).await
        });
    }

    /// `stack.push_async_exit(exit)`: pushes an async exit callback (as [`ExitStack::push`]).
    pub fn push_async_exit<F, B>(&self, exit: F)
    where
        F: FnOnce(Option<Exception>) -> B + 'static,
        B: StdFuture<Output = PyResult<()>> + 'static,
    {
        self.0
            .push(Call::Async(Box::new(move |exc| Box::pin(exit(exc)))));
    }

    /// `stack.push_async_callback(f)`: pushes an async `f`, which cannot suppress (as
    /// [`ExitStack::callback`]).
    pub fn push_async_callback<F, B>(&self, f: F)
    where
        F: FnOnce() -> B + 'static,
        B: StdFuture<Output = PyResult<()>> + 'static,
    {
        let call = move |exc| async move { after_callback(exc, f().await) };
        self.0
            .push(Call::Async(Box::new(move |exc| Box::pin(call(exc)))));
    }

    /// `stack.enter_context(cm)`: a synchronous context manager on the same stack.
    pub fn enter_context<C: ContextManager + 'static>(&self, mut cm: C) -> PyResult<C::Target> {
        let target = cm.enter()?;
        self.push_cm(cm);
        Ok(target)
    }

    /// `stack.push(cm)`: a synchronous context manager's exit, without entering it.
    pub fn push_cm<C: ContextManager + 'static>(&self, mut cm: C) {
        self.push(move |exc| cm.exit(exc));
    }

    /// `stack.push(exit)`: a synchronous exit callback.
    pub fn push(&self, exit: impl FnOnce(Option<Exception>) -> PyResult<()> + 'static) {
        self.0.push(Call::Sync(Box::new(exit)));
    }

    /// `stack.callback(f)`: a synchronous callback, which cannot suppress.
    pub fn callback(&self, f: impl FnOnce() -> PyResult<()> + 'static) {
        let call = move |exc| after_callback(exc, f());
        self.0.push(Call::Sync(Box::new(call)));
    }

    /// `stack.pop_all()`.
    pub fn pop_all(&self) -> AsyncExitStack {
        let stack = AsyncExitStack::new();
        *stack.0.0.borrow_mut() = self.0.take();
        stack
    }

    /// `await stack.aclose()`.
    pub async fn aclose(&self) -> PyResult<()> {
        self.unwind(None).await
    }

    async fn unwind(&self, exc: Option<Exception>) -> PyResult<()> {
        let mut unwinding = Unwinding::new(exc);
        while let Some(call) = self.0.pop() {
            let (exc, old) = unwinding.tell();
            let outcome = match call {
                Call::Sync(call) => call(exc),
                Call::Async(call) => call(exc).await,
            };
            unwinding.after(old, outcome);
        }
        unwinding.end()
    }
}

impl AsyncContextManager for AsyncExitStack {
    type Target = AsyncExitStack;

    async fn aenter(&mut self) -> PyResult<AsyncExitStack> {
        Ok(self.clone())
    }

    async fn aexit(&mut self, exc: Option<Exception>) -> PyResult<()> {
        self.unwind(exc).await
    }
}

// ANCHOR: primitives
/// asyncio's primitives as async context managers: `async with lock:` acquires (waiting
/// its turn), and releases however the body ended, without suppressing anything.
macro_rules! acquire_release {
    ($($primitive:ty),*) => {$(
        impl AsyncContextManager for &$primitive {
            type Target = ();

            fn aenter(&mut self) -> impl StdFuture<Output = PyResult<()>> {
                let primitive = *self;
                async move {
                    primitive.acquire().await?.forget();
                    Ok(())
                }
            }

            fn aexit(&mut self, exc: Option<Exception>) -> impl StdFuture<Output = PyResult<()>> {
                let released = Release::release(*self);
                async move {
                    released?;
                    exc.map_or(Ok(()), Err)
                }
            }
        }
    )*};
}

acquire_release!(Lock, Condition, Semaphore, BoundedSemaphore);
// ANCHOR_END: primitives

/// `async with asyncio.TaskGroup() as tg:`, the protocol form of [`TaskGroup::run`].
impl AsyncContextManager for &TaskGroup {
    type Target = TaskGroup;

    fn aenter(&mut self) -> impl StdFuture<Output = PyResult<TaskGroup>> {
        let entered = TaskGroup::aenter(self).map(|()| (*self).clone());
        async move { entered }
    }

    fn aexit(&mut self, exc: Option<Exception>) -> impl StdFuture<Output = PyResult<()>> {
        let group = (*self).clone();
        async move {
            group.aexit(exc.as_ref()).await?;
            exc.map_or(Ok(()), Err)
        }
    }
}
