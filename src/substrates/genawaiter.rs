//! Generators on stable Rust: `genawaiter` builds a generator out of `async`/`await`.
//!
//! Book: chapter "Three ways to suspend a function".
//!
//! The body is an `async` block. It holds a [`Co`], and `co.yield_(v).await` stores `v`
//! in a slot shared with the generator and returns `Pending`; the generator polls the
//! future once per resume, finds the value in the slot, and hands it out. The resume
//! value travels the other way through the same slot. No executor and no waker are
//! involved: `await` is used only as a way to stop a function in the middle.
//!
//! | Python                       | nightly                          | genawaiter                                  |
//! |------------------------------|----------------------------------|---------------------------------------------|
//! | `def g(): ...`               | `Generator::new(#[coroutine] move \|_\| ...)` | `Generator::new(move \|co\| async move { ... })` |
//! | `x = yield v`                | `let x = yield_!(v)?;`           | `let x = co.yield_(v).await?;`              |
//! | `r = yield from sub`         | `let r = yield_from!(sub)?;`     | `let r = yield_from(&co, sub).await?;`      |

use std::cell::Cell;
use std::future::Future;
use std::ops::{Coroutine, CoroutineState};
use std::pin::Pin;
use std::rc::Rc;

use ::genawaiter::GeneratorState as GenState;
use ::genawaiter::rc::Gen;

use crate::exceptions::{Exception, PyResult};
use crate::generators::{self, GeneratorState, Resume, Step, function_name};
use crate::yield_from::Delegate;

/// What a genawaiter body holds to yield: `co.yield_(v).await` evaluates to the
/// [`Resume`] value, as `yield_!(v)` does on nightly.
// ANCHOR: co
pub struct Co<Y, S = ()> {
    co: ::genawaiter::rc::Co<Y, Option<S>>,
    // A thrown exception does not travel through genawaiter's slot with the sent
    // value: a `Result` with an error that needs dropping made every resume about five
    // times slower (measured: 26 ns against 4.4 ns for the bare genawaiter round trip).
    thrown: Rc<Cell<Option<Exception>>>,
}

impl<Y, S> Co<Y, S> {
    /// Python's `yield value`: suspends the body; evaluates to what it is resumed
    /// with, `Ok(None)` for `next`, `Ok(Some(v))` for `send(v)`, `Err(e)` for `throw(e)`.
    /// Await it at once, as genawaiter requires.
    pub async fn yield_(&self, value: Y) -> Resume<S> {
        let sent = self.co.yield_(value).await;
        match self.thrown.take() {
            Some(exc) => Err(exc),
            None => Ok(sent),
        }
    }
}
// ANCHOR_END: co

/// A Python generator whose body is an `async` block driven by `genawaiter`.
///
/// It follows every rule of the nightly [`generators::Generator`]; call its methods
/// through [`GeneratorProtocol`](crate::substrates::GeneratorProtocol).
///
/// ```
/// use pycoro::generators::Step;
/// use pycoro::substrates::{GeneratorProtocol, genawaiter::Generator};
/// use pycoro::exceptions::ValueError;
///
/// // def g():
/// //     try: yield 1
/// //     except ValueError: yield 'caught'
/// let g: Generator<&str> = Generator::new(|co| async move {
///     if let Err(e) = co.yield_("1").await {
///         if !e.is::<ValueError>() {
///             return Err(e);
///         }
///         co.yield_("caught").await?;
///     }
///     Ok(())
/// });
/// assert_eq!(g.next()?, Step::Yielded("1"));
/// assert_eq!(g.throw(ValueError::new("x"))?, Step::Yielded("caught"));
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
pub struct Generator<'a, Y, S = (), R = ()>(generators::Generator<'a, Y, S, R>, usize);

impl<'a, Y: 'a, S: 'a, R: 'a> Generator<'a, Y, S, R> {
    /// Builds the generator from a function of its [`Co`] returning the body's future,
    /// usually `|co| async move { ... }`. Nothing runs until the first `next`.
    pub fn new<P, F>(producer: P) -> Self
    where
        P: FnOnce(Co<Y, S>) -> F,
        F: Future<Output = PyResult<R>> + 'a,
    {
        let name = function_name(std::any::type_name::<P>());
        let thrown = Rc::new(Cell::new(None));
        let co_thrown = thrown.clone();
        let body = Gen::new(move |co| {
            producer(Co {
                co,
                thrown: co_thrown,
            })
        });
        let frame_size = std::mem::size_of::<F>();
        Self(
            generators::Generator::new(Body { body, thrown }).named(name),
            frame_size,
        )
    }

    /// The size in bytes of the body's future: the state machine rustc made of the
    /// `async` block, as [`generators::Generator::frame_size`] is for a coroutine.
    /// genawaiter keeps it in a box of its own, beside the slot the values pass through.
    pub fn frame_size(&self) -> usize {
        self.1
    }
}

crate::substrates::substrate_generator!(Generator<'a>);

/// Adapts genawaiter's generator to `std::ops::Coroutine`, the one thing the Python
/// rules need of a substrate.
// ANCHOR: body
struct Body<Y, S, F: Future> {
    body: Gen<Y, Option<S>, F>,
    thrown: Rc<Cell<Option<Exception>>>,
}

impl<Y, S, R, F: Future<Output = PyResult<R>>> Coroutine<Resume<S>> for Body<Y, S, F> {
    type Yield = Y;
    type Return = PyResult<R>;

    // genawaiter drops the first resume argument (its future has not reached a
    // `yield_` to receive it); ours is always `Ok(None)`, as Python's must be `None`.
    #[inline]
    fn resume(self: Pin<&mut Self>, arg: Resume<S>) -> CoroutineState<Y, PyResult<R>> {
        let this = self.get_mut();
        let sent = match arg {
            Ok(sent) => sent,
            Err(exc) => {
                this.thrown.set(Some(exc));
                None
            }
        };
        match this.body.resume_with(sent) {
            GenState::Yielded(y) => CoroutineState::Yielded(y),
            GenState::Complete(r) => CoroutineState::Complete(r),
        }
    }
}
// ANCHOR_END: body

/// `yield from sub` in a genawaiter body: `let r = yield_from(&co, sub).await?;`.
///
/// PEP 380's loop, as [`yield_from!`](macro@crate::yield_from) runs it on nightly; being an
/// `async fn` is what lets it suspend the body that awaits it.
///
/// ```
/// use pycoro::generators::Step;
/// use pycoro::substrates::{GeneratorProtocol, genawaiter::{Generator, yield_from}};
/// use pycoro::yield_from::iter;
///
/// // def g(): yield from range(2); return 'done'
/// let g: Generator<i32, (), &str> = Generator::new(|co| async move {
///     yield_from(&co, iter(0..2)).await?;
///     Ok("done")
/// });
/// assert_eq!(g.next()?, Step::Yielded(0));
/// assert_eq!(g.next()?, Step::Yielded(1));
/// assert_eq!(g.next()?, Step::Returned("done"));
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
// ANCHOR: yield_from
pub async fn yield_from<D: Delegate>(
    co: &Co<D::Yield, D::Send>,
    mut sub: D,
) -> PyResult<D::Return> {
    let mut step = sub.start();
    loop {
        match step? {
            Step::Yielded(value) => {
                let resumed = co.yield_(value).await;
                step = sub.resume(resumed);
            }
            Step::Returned(value) => return Ok(value),
        }
    }
}
// ANCHOR_END: yield_from
