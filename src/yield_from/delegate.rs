//! [`Delegate`]: what `yield from` needs of the thing it delegates to (PEP 380's `_i`).

use std::marker::PhantomData;
use std::rc::Rc;

use crate::event_loop::{Future, FutureRef};
use crate::exceptions::{
    AttributeError, Exception, GeneratorExit, PyResult, RecursionError, RuntimeError, StopIteration,
};
use crate::generators::{Generator, Resume, Step};

/// The sub-iterator of a `yield from`: a generator, a future, or a plain iterator.
///
/// [`yield_from!`](macro@crate::yield_from) calls [`start`](Delegate::start) once (PEP 380's
/// automatic priming `next(_i)`), then [`resume`](Delegate::resume) with whatever the
/// delegating generator was resumed with, until the sub-iterator returns or raises.
pub trait Delegate {
    /// What it yields, straight through to the outermost caller.
    type Yield;
    /// What it can be sent.
    type Send;
    /// What it returns: the value of the `yield from` expression.
    type Return;

    /// `next(_i)`.
    fn next(&mut self) -> PyResult<Step<Self::Yield, Self::Return>>;
    /// `_i.send(value)`.
    fn send(&mut self, value: Self::Send) -> PyResult<Step<Self::Yield, Self::Return>>;
    /// `_i.throw(exc)`.
    fn throw(&mut self, exc: Exception) -> PyResult<Step<Self::Yield, Self::Return>>;
    /// `_i.close()`.
    fn close(&mut self) -> PyResult<()>;

    /// The priming `next(_i)`. A sub-generator that has already finished raises a bare
    /// `StopIteration`, which ends the delegation at once with the value `None`
    /// (`R::default()` here, see the book), as any later `next` or `send` does.
    fn start(&mut self) -> PyResult<Step<Self::Yield, Self::Return>> {
        self.next()
    }

    /// PEP 380's loop body: forward what the delegating generator received.
    ///
    /// - `next` and `send` are forwarded as such;
    /// - `GeneratorExit` (from `close()` or a `throw`) closes the sub-iterator first and
    ///   is then raised in the delegator, unless that close raised something else;
    /// - any other exception is thrown into the sub-iterator.
    // ANCHOR: resume
    fn resume(&mut self, resumed: Resume<Self::Send>) -> PyResult<Step<Self::Yield, Self::Return>> {
        match resumed {
            Ok(None) => self.next(),
            Ok(Some(value)) => self.send(value),
            Err(exit) if exit.is::<GeneratorExit>() => {
                self.close()?;
                Err(exit)
            }
            Err(exc) => self.throw(exc),
        }
    }
    // ANCHOR_END: resume
}

/// `yield from sub` inside a generator body: delegates to `sub` as PEP 380 says, and
/// evaluates to `PyResult<R>`, the sub-iterator's return value or its exception.
///
/// ```
/// #![feature(coroutines)]
/// use pycoro::generators::{Generator, Step};
/// use pycoro::{yield_, yield_from};
///
/// // def inner(): x = yield 1; return x * 10
/// fn inner() -> Generator<'static, i32, i32, i32> {
///     Generator::new(#[coroutine] |_| {
///         let x: Option<i32> = yield_!(1)?;
///         Ok(x.unwrap_or(0) * 10)
///     })
/// }
/// // def outer(): r = yield from inner(); yield r
/// let outer: Generator<i32, i32> = Generator::new(#[coroutine] |_| {
///     let r = yield_from!(inner())?;
///     yield_!(r)?;
///     Ok(())
/// });
/// assert_eq!(outer.next()?, Step::Yielded(1)); // inner's yield, straight through
/// assert_eq!(outer.send(4)?, Step::Yielded(40)); // inner returned 40 to outer
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
// ANCHOR: macro
#[macro_export]
macro_rules! yield_from {
    ($sub:expr) => {{
        let mut sub = $sub;
        let mut step = $crate::yield_from::Delegate::start(&mut sub);
        loop {
            match step {
                Ok($crate::generators::Step::Yielded(value)) => {
                    let resumed: $crate::generators::Resume<_> = yield value;
                    step = $crate::yield_from::Delegate::resume(&mut sub, resumed);
                }
                Ok($crate::generators::Step::Returned(value)) => break Ok(value),
                Err(exc) => break Err(exc),
            }
        }
    }};
}
// ANCHOR_END: macro
/// Delegation to a generator that is owned, borrowed or shared: the same four calls.
macro_rules! delegate_to_generator {
    ($($ty:ty),*) => {$(
        impl<'a, Y, S, R: Default> Delegate for $ty {
            type Yield = Y;
            type Send = S;
            type Return = R;

            fn next(&mut self) -> PyResult<Step<Y, R>> {
                nested(|| Generator::next(self)).or_else(stopped)
            }

            fn send(&mut self, value: S) -> PyResult<Step<Y, R>> {
                nested(|| Generator::send(self, value)).or_else(stopped)
            }

            fn throw(&mut self, exc: Exception) -> PyResult<Step<Y, R>> {
                nested(|| Generator::throw(self, exc)).or_else(stopped)
            }

            fn close(&mut self) -> PyResult<()> {
                nested(|| Generator::close(self))
            }
        }
    )*};
}

/// How many delegations deep a `yield from` may go, as CPython's default recursion limit
/// bounds its frames: each level resumes the next inside its own resume, on the thread's
/// stack, and a stack that overflowed would abort the process.
const RECURSION_LIMIT: usize = 1000;

thread_local! {
    /// The delegations under way on this thread, one inside another.
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Resumes a sub-generator one level deeper, or raises CPython's `RecursionError` past
/// [`RECURSION_LIMIT`] levels.
fn nested<T>(resume: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    struct Level(usize);
    impl Drop for Level {
        fn drop(&mut self) {
            DEPTH.with(|depth| depth.set(self.0));
        }
    }
    let outer = DEPTH.with(|depth| depth.replace(depth.get() + 1));
    let _level = Level(outer);
    if outer >= RECURSION_LIMIT {
        return Err(RecursionError::new("maximum recursion depth exceeded").into());
    }
    resume()
}

/// PEP 380's `except StopIteration as _e: _r = _e.value`: a sub-generator that raises
/// `StopIteration` has ended the delegation. A generator's own is bare (it had finished
/// already, or was closed from outside while its delegator waited), so the value is
/// `None`, `R::default()`. A `StopIteration` with a value (thrown into a finished
/// sub-generator) goes on as an exception: its value is of no type `R` can be asked for.
// ANCHOR: stopped
fn stopped<Y, R: Default>(exc: Exception) -> PyResult<Step<Y, R>> {
    match exc.downcast_ref::<StopIteration>() {
        Some(stop) if stop.value().is_none() => Ok(Step::Returned(R::default())),
        _ => Err(exc),
    }
}
// ANCHOR_END: stopped

delegate_to_generator!(
    Generator<'a, Y, S, R>,
    &Generator<'a, Y, S, R>,
    Rc<Generator<'a, Y, S, R>>
);

/// A plain iterator behind `yield from`: Python's `yield from range(3)`.
///
/// Made by [`iter`]. `next` works; `send` of a value and `throw` behave as Python does
/// with an object that has no `send` or `throw` method.
pub struct Iter<I, S = ()> {
    iter: I,
    _sends: PhantomData<fn(S)>,
}

/// Wraps a Rust iterator for [`yield_from!`](macro@crate::yield_from): `yield_from!(iter(0..3))`.
///
/// ```
/// #![feature(coroutines)]
/// use pycoro::generators::Generator;
/// use pycoro::yield_from::iter;
/// use pycoro::yield_from;
///
/// // def g(): yield from range(3)
/// let g: Generator<i32> = Generator::new(#[coroutine] |_| yield_from!(iter(0..3)));
/// assert_eq!(g.map(Result::unwrap).collect::<Vec<_>>(), [0, 1, 2]);
/// ```
pub fn iter<I: IntoIterator, S>(iterable: I) -> Iter<I::IntoIter, S> {
    Iter {
        iter: iterable.into_iter(),
        _sends: PhantomData,
    }
}

impl<I: Iterator, S> Delegate for Iter<I, S> {
    type Yield = I::Item;
    type Send = S;
    type Return = ();

    fn next(&mut self) -> PyResult<Step<I::Item, ()>> {
        Ok(match self.iter.next() {
            Some(item) => Step::Yielded(item),
            None => Step::Returned(()),
        })
    }

    fn send(&mut self, _value: S) -> PyResult<Step<I::Item, ()>> {
        Err(AttributeError::new(format!(
            "'{}' object has no attribute 'send'",
            python_type_name::<I>()
        ))
        .into())
    }

    /// No `throw` method: PEP 380 re-raises the exception in the delegating generator.
    fn throw(&mut self, exc: Exception) -> PyResult<Step<I::Item, ()>> {
        Err(exc)
    }

    /// No `close` method: nothing to do.
    fn close(&mut self) -> PyResult<()> {
        Ok(())
    }
}

/// The Python type of the iterator behind `yield from`, for error messages: a range
/// is a `range_iterator`, a vector's or array's iterator a `list_iterator` (found by
/// the differential tests); any other is named by its Rust type, `Chars` for
/// `core::str::iter::Chars`.
fn python_type_name<T>() -> String {
    let full = std::any::type_name::<T>();
    let (path, generics) = full.split_at(full.find('<').unwrap_or(full.len()));
    let name = path.rsplit("::").next().unwrap_or(path);
    match path {
        "core::ops::range::Range" | "core::ops::range::RangeInclusive" => "range_iterator".into(),
        "alloc::vec::into_iter::IntoIter"
        | "core::array::iter::IntoIter"
        | "core::slice::iter::Iter" => "list_iterator".into(),
        _ => format!("{name}{generics}"),
    }
}

/// `yield from fut` (Python's `Future.__iter__`): suspends only while the future is not
/// done, then evaluates to its result (or raises its exception).
macro_rules! delegate_to_future {
    ($($ty:ty),*) => {$(
        impl<T: Clone + 'static> Delegate for $ty {
            type Yield = FutureRef;
            type Send = ();
            type Return = T;

            // ANCHOR: future_iter
            /// `if not self.done(): yield self`; a done future does not suspend at all.
            fn start(&mut self) -> PyResult<Step<FutureRef, T>> {
                if self.done() {
                    self.result().map(Step::Returned)
                } else {
                    Ok(Step::Yielded(self.as_ref()))
                }
            }

            /// Resumed by the task once the future is done: `return self.result()`.
            fn next(&mut self) -> PyResult<Step<FutureRef, T>> {
                if !self.done() {
                    return Err(RuntimeError::new("yield from wasn't used with future").into());
                }
                self.result().map(Step::Returned)
            }
            // ANCHOR_END: future_iter

            fn send(&mut self, _: ()) -> PyResult<Step<FutureRef, T>> {
                self.next()
            }

            fn throw(&mut self, exc: Exception) -> PyResult<Step<FutureRef, T>> {
                Err(exc)
            }

            fn close(&mut self) -> PyResult<()> {
                Ok(())
            }
        }
    )*};
}

delegate_to_future!(Future<T>, &Future<T>);

#[cfg(test)]
mod tests {
    use super::python_type_name;
    use crate::exceptions::{PyResult, RecursionError};
    use crate::generators::Generator;
    use crate::value::Value;

    /// `def flatten(items): for x in items: yield from flatten(x) if a list, else yield x`
    fn flatten(items: Vec<Value>) -> Generator<'static, Value> {
        Generator::new(
            #[coroutine]
            move |_| {
                for x in items {
                    match x {
                        Value::List(x) => crate::yield_from!(flatten(x))?,
                        x => drop(crate::yield_!(x)?),
                    }
                }
                Ok(())
            },
        )
    }

    /// `[[[0], 1], 2] ...`, `depth` lists deep.
    fn nested(depth: i64) -> Vec<Value> {
        (1..depth).fold(vec![Value::from(0)], |deep, i| {
            vec![Value::list(deep), Value::from(i)]
        })
    }

    // python/rules/yield_from.py has its twin (ANCHOR recursion_limit).
    #[test]
    fn yield_from_deeper_than_the_recursion_limit_is_recursion_error() {
        // On a stack of CPython's size: the test harness's threads have less.
        let test = std::thread::Builder::new().stack_size(64 << 20).spawn(|| {
            let sum = |items| -> PyResult<i64> {
                let mut sum = 0;
                for x in flatten(items) {
                    let Value::Int(x) = x? else { panic!("ints") };
                    sum += x;
                }
                Ok(sum)
            };
            let error = sum(nested(5000)).unwrap_err();
            assert!(error.is::<RecursionError>(), "{error}");
            assert_eq!(error.to_string(), "maximum recursion depth exceeded");
            assert_eq!(sum(nested(500)).unwrap(), (0..500).sum::<i64>());
        });
        test.expect("a thread").join().expect("the test passes");
    }

    #[test]
    fn iterators_are_named_as_python_names_them() {
        assert_eq!(python_type_name::<std::ops::Range<i32>>(), "range_iterator");
        assert_eq!(
            python_type_name::<std::vec::IntoIter<u8>>(),
            "list_iterator"
        );
        assert_eq!(
            python_type_name::<std::array::IntoIter<u8, 3>>(),
            "list_iterator"
        );
        assert_eq!(python_type_name::<std::str::Chars<'static>>(), "Chars<'_>");
    }
}
