//! Three ways to suspend a function: the same Python generator on three substrates.
//!
//! Book: chapter "Three ways to suspend a function".
//!
//! Python has one generator object; Rust has three ways to build one, and pycoro
//! depends on all three:
//!
//! | substrate | module | how a body suspends | what it costs |
//! |-----------|--------|---------------------|---------------|
//! | rustc's stackless coroutines (nightly `std::ops::Coroutine`) | [`nightly`] | `yield_!(v)` in a `#[coroutine]` closure | a state-machine enum, sized by the compiler |
//! | stackless generators on stable Rust, made of `async`/`await` | [`genawaiter`](mod@genawaiter) | `co.yield_(v).await` in an `async` block | the same, plus a heap-allocated future and a shared slot |
//! | stackful coroutines with a stack of their own | [`corosensei`](mod@corosensei) | `co.suspend(v)`, from any function it calls | a stack per coroutine (1 MiB reserved by default) |
//!
//! All three speak one protocol, [`GeneratorProtocol`] (Python's
//! `collections.abc.Generator`: `send`, `throw`, `close`, plus `next` and the state),
//! and keep every rule of Generations 1 and 2, because the rules are written once.
//! A substrate only has to say how to resume a suspended body with a value and
//! report whether it yielded or returned, which is exactly the `std::ops::Coroutine`
//! trait: each substrate adapts its coroutine to that trait, and
//! [`generators::Generator`](crate::generators::Generator) adds Python's rules
//! (first send `None`, `GeneratorExit`, PEP 479, `generator already executing`,
//! closing on drop) on top. The conformance suite in `tests/substrates.rs` runs every
//! rule test on all three.
//!
//! Delegation (`yield from`) uses each substrate's natural form: the
//! [`yield_from!`](macro@crate::yield_from) macro on nightly, an `async fn` on
//! genawaiter ([`genawaiter::yield_from`]),
//! and a plain function on corosensei
//! ([`corosensei::yield_from`]), since a
//! stackful coroutine can suspend from inside any call.
//!
//! ```
//! use pycoro::generators::Step;
//! use pycoro::substrates::{GeneratorProtocol, corosensei, genawaiter};
//!
//! // def double(): x = yield; while True: x = yield 2 * x
//! let on_stable = genawaiter::Generator::<i32, i32>::new(|co| async move {
//!     let mut x = co.yield_(0).await?.unwrap_or(0);
//!     loop {
//!         x = co.yield_(2 * x).await?.unwrap_or(0);
//!     }
//! });
//! let on_a_stack = corosensei::Generator::<i32, i32>::new(|co, _| {
//!     let mut x = co.suspend(0)?.unwrap_or(0);
//!     loop {
//!         x = co.suspend(2 * x)?.unwrap_or(0);
//!     }
//! });
//! assert_eq!(on_stable.next()?, Step::Yielded(0));
//! assert_eq!(on_stable.send(21)?, Step::Yielded(42));
//! assert_eq!(on_a_stack.next()?, Step::Yielded(0));
//! assert_eq!(on_a_stack.send(21)?, Step::Yielded(42));
//! # Ok::<(), pycoro::exceptions::Exception>(())
//! ```

pub mod corosensei;
pub mod genawaiter;
pub mod tree;

use std::fmt;

use crate::exceptions::{Exception, PyResult};
use crate::generators::{GeneratorState, Step};

/// Python's generator protocol (`collections.abc.Generator`), whatever suspends the body.
///
/// Implemented by the nightly [`generators::Generator`](crate::generators::Generator)
/// and by the [`genawaiter`](mod@genawaiter) and [`corosensei`](mod@corosensei)
/// generators, which all follow the same rules: see each method on
/// [`generators::Generator`](crate::generators::Generator).
///
/// ```
/// #![feature(coroutines)]
/// use pycoro::generators::{GeneratorState, Step};
/// use pycoro::substrates::{GeneratorProtocol, nightly};
/// use pycoro::yield_;
///
/// // Works with any substrate: drive a generator to its end, collecting what it yields.
/// fn drain<G: GeneratorProtocol<Send = ()>>(g: &G) -> Vec<G::Yield> {
///     let mut seen = Vec::new();
///     while let Ok(Step::Yielded(y)) = g.next() {
///         seen.push(y);
///     }
///     seen
/// }
/// let g: nightly::Generator<i32> = nightly::Generator::new(#[coroutine] |_| {
///     yield_!(1)?;
///     yield_!(2)?;
///     Ok(())
/// });
/// assert_eq!(drain(&g), [1, 2]);
/// assert_eq!(GeneratorProtocol::state(&g), GeneratorState::Closed);
/// ```
pub trait GeneratorProtocol {
    /// What the body yields.
    type Yield;
    /// What it can be sent.
    type Send;
    /// What it returns.
    type Return;

    /// `next(gen)`.
    fn next(&self) -> PyResult<Step<Self::Yield, Self::Return>> {
        self.send(None)
    }
    /// `gen.send(value)`.
    fn send(
        &self,
        value: impl Into<Option<Self::Send>>,
    ) -> PyResult<Step<Self::Yield, Self::Return>>;
    /// `gen.throw(exc)`.
    fn throw(&self, exc: impl Into<Exception>) -> PyResult<Step<Self::Yield, Self::Return>>;
    /// `gen.close()`.
    fn close(&self) -> PyResult<()>;
    /// `inspect.getgeneratorstate(gen)`.
    fn state(&self) -> GeneratorState;
    /// `gen.__name__`.
    fn name(&self) -> &'static str;
}

/// The three substrates, by name: what the producer/consumer programs and the
/// benchmarks are run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Substrate {
    /// rustc's stackless coroutines ([`nightly`]).
    Nightly,
    /// `async`/`await` turned into generators ([`genawaiter`](mod@genawaiter)).
    Genawaiter,
    /// Stackful coroutines ([`corosensei`](mod@corosensei)).
    Corosensei,
}

impl Substrate {
    /// All three, nightly first.
    pub const ALL: [Substrate; 3] = [
        Substrate::Nightly,
        Substrate::Genawaiter,
        Substrate::Corosensei,
    ];

    /// `nightly`, `genawaiter` or `corosensei`: the module's name.
    pub fn name(self) -> &'static str {
        match self {
            Substrate::Nightly => "nightly",
            Substrate::Genawaiter => "genawaiter",
            Substrate::Corosensei => "corosensei",
        }
    }
}

impl fmt::Display for Substrate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The nightly substrate: rustc's own coroutines, the crate's main generator.
pub mod nightly {
    pub use crate::generators::Generator;
}

impl<Y, S, R> GeneratorProtocol for crate::generators::Generator<'_, Y, S, R> {
    type Yield = Y;
    type Send = S;
    type Return = R;

    #[inline]
    fn send(&self, value: impl Into<Option<S>>) -> PyResult<Step<Y, R>> {
        crate::generators::Generator::send(self, value)
    }
    fn throw(&self, exc: impl Into<Exception>) -> PyResult<Step<Y, R>> {
        crate::generators::Generator::throw(self, exc)
    }
    fn close(&self) -> PyResult<()> {
        crate::generators::Generator::close(self)
    }
    fn state(&self) -> GeneratorState {
        crate::generators::Generator::state(self)
    }
    fn name(&self) -> &'static str {
        crate::generators::Generator::name(self)
    }
}

/// A substrate's generator: the nightly [`Generator`](crate::generators::Generator)'s
/// rules around a body that another substrate suspends. Everything but construction
/// is shared, so this macro writes the rest.
macro_rules! substrate_generator {
    ($name:ident $(<$lt:lifetime>)?) => {
        impl<$($lt,)? Y, S, R> $crate::substrates::GeneratorProtocol for $name<$($lt,)? Y, S, R> {
            type Yield = Y;
            type Send = S;
            type Return = R;

            #[inline]
            fn send(&self, value: impl Into<Option<S>>) -> PyResult<Step<Y, R>> {
                self.0.send(value)
            }
            fn throw(&self, exc: impl Into<Exception>) -> PyResult<Step<Y, R>> {
                self.0.throw(exc)
            }
            fn close(&self) -> PyResult<()> {
                self.0.close()
            }
            fn state(&self) -> GeneratorState {
                self.0.state()
            }
            fn name(&self) -> &'static str {
                self.0.name()
            }
        }

        impl<$($lt,)? Y, S, R> $name<$($lt,)? Y, S, R> {
            /// Sets `__name__`, shown in reports such as `<generator object NAME at 0x…>`.
            pub fn named(self, name: &'static str) -> Self {
                Self(self.0.named(name), self.1)
            }
        }

        impl<$($lt,)? Y, S, R> Iterator for $name<$($lt,)? Y, S, R> {
            type Item = PyResult<Y>;

            /// `for x in gen`, as for the nightly generator.
            fn next(&mut self) -> Option<PyResult<Y>> {
                Iterator::next(&mut self.0)
            }
        }

        impl<$($lt,)? Y, S, R> std::fmt::Debug for $name<$($lt,)? Y, S, R> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        // `yield from` one of these, from any substrate: the nightly generator's
        // delegation, which knows what to do with a finished sub-generator.
        $crate::substrates::delegate_through_nightly!(
            [$($lt,)? Y, S, R] $name<$($lt,)? Y, S, R>, |g| &g.0;
            [$($lt,)? Y, S, R] &$name<$($lt,)? Y, S, R>, |g| &g.0;
            [$($lt,)? Y, S, R] std::rc::Rc<$name<$($lt,)? Y, S, R>>, |g| &g.0
        );
    };
}

macro_rules! delegate_through_nightly {
    ($([$($param:tt)*] $ty:ty, |$g:ident| $inner:expr);*) => {$(
        impl<$($param)*> $crate::yield_from::Delegate for $ty
        where
            R: Default,
        {
            type Yield = Y;
            type Send = S;
            type Return = R;

            fn next(&mut self) -> PyResult<Step<Y, R>> {
                let $g = &*self;
                $crate::yield_from::Delegate::next(&mut $inner)
            }
            fn send(&mut self, value: S) -> PyResult<Step<Y, R>> {
                let $g = &*self;
                $crate::yield_from::Delegate::send(&mut $inner, value)
            }
            fn throw(&mut self, exc: Exception) -> PyResult<Step<Y, R>> {
                let $g = &*self;
                $crate::yield_from::Delegate::throw(&mut $inner, exc)
            }
            fn close(&mut self) -> PyResult<()> {
                let $g = &*self;
                $crate::yield_from::Delegate::close(&mut $inner)
            }
            fn start(&mut self) -> PyResult<Step<Y, R>> {
                let $g = &*self;
                $crate::yield_from::Delegate::start(&mut $inner)
            }
        }
    )*};
}

pub(crate) use {delegate_through_nightly, substrate_generator};
