//! Stackful coroutines: `corosensei` gives a body a stack of its own.
//!
//! Book: chapter "Three ways to suspend a function".
//!
//! A stackless coroutine (nightly or genawaiter) can only stop in its own body: every
//! function that wants to yield must itself be a generator, and its caller must
//! delegate with `yield from`. A stackful coroutine runs on a separate stack, so
//! `co.suspend(v)` may be called from any depth of ordinary function calls, and
//! switching is saving some registers and changing the stack pointer. The price is the
//! stack: [`Generator::new`] maps [`DEFAULT_STACK_SIZE`] bytes of address space (the
//! pages are touched only as the body uses them), and creating one costs a `mmap`.
//!
//! | Python                       | nightly                          | corosensei                                  |
//! |------------------------------|----------------------------------|---------------------------------------------|
//! | `def g(): ...`               | `Generator::new(#[coroutine] move \|_\| ...)` | `Generator::new(move \|co, _\| ...)` |
//! | `x = yield v`                | `let x = yield_!(v)?;`           | `let x = co.suspend(v)?;`                   |
//! | `r = yield from sub`         | `let r = yield_from!(sub)?;`     | `let r = yield_from(co, sub)?;`             |
//! | a helper that yields         | must be a generator, delegated to | any function given `co`                    |

use std::ops::{Coroutine, CoroutineState};
use std::pin::Pin;

use ::corosensei::stack::DefaultStack;
use ::corosensei::{Coroutine as Stackful, CoroutineResult};

use crate::exceptions::{Exception, MemoryError, PyResult};
use crate::generators::{self, GeneratorState, Resume, Step, function_name};
use crate::yield_from::Delegate;

/// What a corosensei body holds to yield: `co.suspend(v)` evaluates to the [`Resume`]
/// value, as `yield_!(v)` does on nightly.
pub type Yielder<Y, S = ()> = ::corosensei::Yielder<Resume<S>, Y>;

/// The stack [`Generator::new`] gives a body: 1 MiB of address space, as corosensei's default.
pub const DEFAULT_STACK_SIZE: usize = 1024 * 1024;

/// A Python generator whose body runs on its own stack, driven by `corosensei`.
///
/// It follows every rule of the nightly [`generators::Generator`]; call its methods
/// through [`GeneratorProtocol`](crate::substrates::GeneratorProtocol). The body must
/// be `'static` (it may outlive the caller's frame on its own stack), so it owns what it uses.
///
/// ```
/// use pycoro::generators::Step;
/// use pycoro::substrates::{GeneratorProtocol, corosensei::{Generator, Yielder}};
///
/// // Yield from inside ordinary nested calls: no generator at each level.
/// fn countdown(co: &Yielder<u32>, n: u32) -> Result<(), pycoro::exceptions::Exception> {
///     if n > 0 {
///         co.suspend(n)?;
///         countdown(co, n - 1)?;
///     }
///     Ok(())
/// }
/// let g: Generator<u32> = Generator::new(|co, _| countdown(co, 3));
/// assert_eq!(g.map(Result::unwrap).collect::<Vec<_>>(), [3, 2, 1]);
/// ```
pub struct Generator<Y, S = (), R = ()>(generators::Generator<'static, Y, S, R>, usize);

impl<Y: 'static, S: 'static, R: 'static> Generator<Y, S, R> {
    /// Builds the generator on a stack of [`DEFAULT_STACK_SIZE`] bytes. The body gets
    /// its [`Yielder`] and the first resume value (always `Ok(None)`, so usually `|co, _|`).
    ///
    /// Panics if the stack cannot be mapped, as `Box::new` does when memory runs out;
    /// [`with_stack_size`](Self::with_stack_size) reports it as `MemoryError` instead.
    pub fn new<F>(body: F) -> Self
    where
        F: FnOnce(&Yielder<Y, S>, Resume<S>) -> PyResult<R> + 'static,
    {
        let name = function_name(std::any::type_name::<F>());
        let body = Body(Stackful::new(body));
        Self(
            generators::Generator::new(body).named(name),
            DEFAULT_STACK_SIZE,
        )
    }

    /// Builds the generator on a stack of `bytes` (rounded up to whole pages, plus a
    /// guard page): `MemoryError` if the system will not map it.
    pub fn with_stack_size<F>(bytes: usize, body: F) -> PyResult<Self>
    where
        F: FnOnce(&Yielder<Y, S>, Resume<S>) -> PyResult<R> + 'static,
    {
        let name = function_name(std::any::type_name::<F>());
        let stack = DefaultStack::new(bytes)
            .map_err(|e| MemoryError::new(format!("cannot map a {bytes}-byte stack: {e}")))?;
        let body = Body(Stackful::with_stack(stack, body));
        Ok(Self(generators::Generator::new(body).named(name), bytes))
    }

    /// The stack reserved for the body, in bytes: what a suspended stackful generator
    /// keeps, however little of it the body uses (the pages it never touches cost
    /// address space, not memory).
    pub fn stack_size(&self) -> usize {
        self.1
    }
}

crate::substrates::substrate_generator!(Generator);

/// Adapts corosensei's coroutine to `std::ops::Coroutine`, the one thing the Python
/// rules need of a substrate.
// ANCHOR: body
struct Body<Y, S, R>(Stackful<Resume<S>, Y, PyResult<R>>);

impl<Y, S, R> Coroutine<Resume<S>> for Body<Y, S, R> {
    type Yield = Y;
    type Return = PyResult<R>;

    #[inline]
    fn resume(self: Pin<&mut Self>, arg: Resume<S>) -> CoroutineState<Y, PyResult<R>> {
        match self.get_mut().0.resume(arg) {
            CoroutineResult::Yield(y) => CoroutineState::Yielded(y),
            CoroutineResult::Return(r) => CoroutineState::Complete(r),
        }
    }
}
// ANCHOR_END: body

/// `yield from sub` in a corosensei body: `let r = yield_from(co, sub)?;`.
///
/// PEP 380's loop, as [`yield_from!`](macro@crate::yield_from) runs it on nightly, but an
/// ordinary function: on its own stack, a body can suspend from inside any call.
///
/// ```
/// use pycoro::generators::Step;
/// use pycoro::substrates::{GeneratorProtocol, corosensei::{Generator, yield_from}};
/// use pycoro::yield_from::iter;
///
/// // def g(): yield from range(2); return 'done'
/// let g: Generator<i32, (), &str> = Generator::new(|co, _| {
///     yield_from(co, iter(0..2))?;
///     Ok("done")
/// });
/// assert_eq!(g.next()?, Step::Yielded(0));
/// assert_eq!(g.next()?, Step::Yielded(1));
/// assert_eq!(g.next()?, Step::Returned("done"));
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
// ANCHOR: yield_from
pub fn yield_from<D: Delegate>(co: &Yielder<D::Yield, D::Send>, mut sub: D) -> PyResult<D::Return> {
    let mut step = sub.start();
    loop {
        match step? {
            Step::Yielded(value) => {
                let resumed = co.suspend(value);
                step = sub.resume(resumed);
            }
            Step::Returned(value) => return Ok(value),
        }
    }
}
// ANCHOR_END: yield_from
