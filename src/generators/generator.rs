//! [`Generator`]: PEP 342's generator object around a nightly `std::ops::Coroutine`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::ops::{Coroutine, CoroutineState};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;

use crate::exceptions::{
    Exception, ExceptionExt, GeneratorExit, PyResult, Raise, RuntimeError, StopIteration,
    TypeError, ValueError, write_unraisable,
};
use crate::trace::PyRepr;

// ANCHOR: resume_type
/// What a suspended generator body receives when it is resumed: `Ok(None)` for
/// `next()`, `Ok(Some(v))` for `send(v)`, `Err(e)` for `throw(e)` and `close()`.
///
/// [`yield_!`](crate::yield_) evaluates to this, so `yield_!(r)?` re-raises a thrown
/// exception exactly where Python's `yield r` would raise it.
pub type Resume<S> = Result<Option<S>, Exception>;
// ANCHOR_END: resume_type

/// How a resumed generator stopped: it yielded a value, or it returned one.
///
/// Python reports a return by raising `StopIteration(value)`; in Rust finishing is
/// not an error, so it is a variant of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step<Y, R> {
    /// `yield y`: the generator is suspended and can be resumed.
    Yielded(Y),
    /// `return r`: the generator is finished; this is the only time `r` is seen.
    Returned(R),
}

impl<Y, R: PyRepr + Send + Sync + 'static> Step<Y, R> {
    /// The yielded value, or the `StopIteration` Python's `r = c.send(n)` would raise if
    /// the generator returned: its `value` is the return value (a bare `StopIteration()`
    /// for `None`), which a caller further up can read.
    ///
    /// ```
    /// #![feature(coroutines)]
    /// use pycoro::exceptions::StopIteration;
    /// use pycoro::generators::Generator;
    ///
    /// // def g(): yield 1; return 'done'
    /// let g: Generator<i32, (), &str> = Generator::new(#[coroutine] |_| {
    ///     pycoro::yield_!(1)?;
    ///     Ok("done")
    /// });
    /// assert_eq!(g.next()?.yielded()?, 1);
    /// // except StopIteration as e: e.value
    /// let e = g.next()?.yielded().unwrap_err();
    /// assert_eq!(e.downcast_ref::<StopIteration>().unwrap().value_as::<&str>(), Some(&"done"));
    /// # Ok::<(), pycoro::exceptions::Exception>(())
    /// ```
    pub fn yielded(self) -> PyResult<Y> {
        match self {
            Step::Yielded(y) => Ok(y),
            Step::Returned(r) => Err(StopIteration::returning(r).into()),
        }
    }
}

// ANCHOR: states
/// `inspect.getgeneratorstate`: where a generator is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeneratorState {
    /// `GEN_CREATED`: not started; the body has not run at all.
    Created,
    /// `GEN_RUNNING`: its body is executing right now (only visible from inside it).
    Running,
    /// `GEN_SUSPENDED`: stopped at a `yield`, waiting to be resumed.
    Suspended,
    /// `GEN_CLOSED`: returned, raised, was closed, or panicked. It never runs again.
    Closed,
}
// ANCHOR_END: states

impl fmt::Display for GeneratorState {
    /// What `inspect.getgeneratorstate` returns: `GEN_CREATED`, `GEN_RUNNING`,
    /// `GEN_SUSPENDED`, `GEN_CLOSED`.
    ///
    /// ```
    /// use pycoro::generators::GeneratorState;
    /// assert_eq!(GeneratorState::Suspended.to_string(), "GEN_SUSPENDED");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GeneratorState::Created => "GEN_CREATED",
            GeneratorState::Running => "GEN_RUNNING",
            GeneratorState::Suspended => "GEN_SUSPENDED",
            GeneratorState::Closed => "GEN_CLOSED",
        })
    }
}

// ANCHOR: body_type
type Body<'a, Y, S, R> = Pin<Box<dyn Coroutine<Resume<S>, Yield = Y, Return = PyResult<R>> + 'a>>;
// ANCHOR_END: body_type

/// A Python generator: a function body that can stop at `yield` and be resumed
/// with `next`, `send`, `throw` and `close`.
///
/// `Y` is what it yields, `S` what it can be sent, `R` what it returns.
/// The methods take `&self`, as Python's do: a generator may be shared (`Rc`) and
/// may even be reached from inside its own body, which is where Python raises
/// `ValueError: generator already executing`, and so does pycoro.
///
/// ```
/// #![feature(coroutines)]
/// use pycoro::generators::{Generator, Step};
/// use pycoro::yield_;
///
/// // def counter():
/// //     s = 0
/// //     while True:
/// //         s += 1
/// //         n = yield s
/// //         if n == 'stop': return s
/// let counter = Generator::new(#[coroutine] |_| {
///     let mut s = 0;
///     loop {
///         s += 1;
///         let n = yield_!(s)?;
///         if n == Some("stop") {
///             return Ok(s);
///         }
///     }
/// });
/// assert_eq!(counter.next()?, Step::Yielded(1));
/// assert_eq!(counter.send("go")?, Step::Yielded(2));
/// assert_eq!(counter.send("stop")?, Step::Returned(2));
/// assert!(counter.next().is_err()); // StopIteration
/// # Ok::<(), pycoro::exceptions::Exception>(())
/// ```
// ANCHOR: struct
pub struct Generator<'a, Y, S = (), R = ()> {
    body: RefCell<Body<'a, Y, S, R>>,
    // Created, Suspended or Closed. Running is not stored: it is "the body is
    // borrowed", which the RefCell already knows, so a re-entrant call can't miss it.
    state: Cell<GeneratorState>,
    /// The type name of the closure it was built from, which gives `__name__` and
    /// `__qualname__`, or the name `named` gave it.
    origin: &'static str,
    frame_size: usize,
}
// ANCHOR_END: struct

impl<'a, Y, S, R> Generator<'a, Y, S, R> {
    // ANCHOR: new
    /// Wraps a `#[coroutine]` closure. Its argument is the first resume value,
    /// always `Ok(None)` (the first send must be `None`), so it is usually `|_|`.
    ///
    /// The generator's `__name__` is the name of the function that built it.
    pub fn new<C>(body: C) -> Self
    where
        C: Coroutine<Resume<S>, Yield = Y, Return = PyResult<R>> + 'a,
    {
        let frame_size = std::mem::size_of_val(&body);
        Self {
            body: RefCell::new(Box::pin(body)),
            state: Cell::new(GeneratorState::Created),
            origin: std::any::type_name::<C>(),
            frame_size,
        }
    }
    // ANCHOR_END: new

    /// The size in bytes of the state machine rustc made of the body: every local
    /// that lives across a `yield`, and which `yield` it is stopped at. It is what a
    /// suspended generator keeps, allocated once, in one box.
    ///
    /// ```
    /// #![feature(coroutines)]
    /// use pycoro::generators::Generator;
    /// use pycoro::yield_;
    /// let g: Generator<u64> = Generator::new(#[coroutine] |_| {
    ///     let a = [7u64; 4]; // lives across the first yield: part of the state
    ///     yield_!(a[0])?;
    ///     yield_!(a[3])?;
    ///     Ok(())
    /// });
    /// assert!(g.frame_size() >= 32);
    /// ```
    pub fn frame_size(&self) -> usize {
        self.frame_size
    }

    /// Sets `__name__`, shown in reports such as `<generator object NAME at 0x…>`.
    pub fn named(mut self, name: &'static str) -> Self {
        self.origin = name;
        self
    }

    /// `gen.__name__`.
    pub fn name(&self) -> &'static str {
        function_name(self.origin)
    }

    /// `gen.__qualname__`: `Tree.walk` for a generator a method of `Tree` built, shown
    /// in its repr, as Python shows it.
    pub fn qualname(&self) -> std::borrow::Cow<'static, str> {
        qualified_name(self.origin)
    }

    // ANCHOR: send
    /// `inspect.getgeneratorstate(gen)`.
    #[inline]
    pub fn state(&self) -> GeneratorState {
        if self.body.try_borrow_mut().is_err() {
            GeneratorState::Running
        } else {
            self.state.get()
        }
    }

    /// `next(gen)`: resume with `None`.
    #[inline]
    pub fn next(&self) -> PyResult<Step<Y, R>> {
        self.send(None)
    }

    /// `gen.send(value)`: resume the body with `value` (`None` is `next()`).
    ///
    /// - a just-started generator accepts only `None`: anything else is
    ///   `TypeError: can't send non-None value to a just-started generator`, and the
    ///   generator stays usable;
    /// - a finished one raises `StopIteration`;
    /// - an exception escaping the body is raised here and closes the generator,
    ///   a `StopIteration` among them becoming `RuntimeError` (PEP 479).
    #[inline(always)]
    pub fn send(&self, value: impl Into<Option<S>>) -> PyResult<Step<Y, R>> {
        let value = value.into();
        match self.state() {
            GeneratorState::Running => Err(already_executing()),
            GeneratorState::Closed => Err(StopIteration::default().into()),
            GeneratorState::Created if value.is_some() => {
                Err(TypeError::new("can't send non-None value to a just-started generator").into())
            }
            GeneratorState::Created | GeneratorState::Suspended => self.resume(Ok(value)),
        }
    }
    // ANCHOR_END: send

    // ANCHOR: throw
    /// `gen.throw(exc)`: raise `exc` at the `yield` where the body is suspended.
    ///
    /// If the body catches it and yields, that value is returned; if it returns,
    /// `Step::Returned`; otherwise the exception comes back out and the generator is
    /// closed. A generator that has not started, or has finished, raises `exc` at once
    /// without running any of its body (a new generator's `StopIteration` becomes
    /// `RuntimeError`, as if raised on its first line).
    pub fn throw(&self, exc: impl Into<Exception>) -> PyResult<Step<Y, R>> {
        let exc = exc.into();
        match self.state() {
            GeneratorState::Running => Err(already_executing()),
            // CPython starts the frame with the exception raised at its first line, so
            // it escapes the body, and PEP 479 applies to it (found by the differential
            // tests: `throw(StopIteration)` into a new generator is a RuntimeError).
            GeneratorState::Created => {
                self.state.set(GeneratorState::Closed);
                Err(pep_479(exc))
            }
            // A finished generator has no frame: the exception comes back untouched.
            GeneratorState::Closed => Err(exc),
            GeneratorState::Suspended => self.resume(Err(exc)),
        }
    }
    // ANCHOR_END: throw

    // ANCHOR: close
    /// `gen.close()`: raise `GeneratorExit` at the suspension point.
    ///
    /// Returns `Ok` if the body returns or lets `GeneratorExit` escape. A body that
    /// yields instead gets `RuntimeError: generator ignored GeneratorExit` (and stays
    /// suspended, as in CPython); any other exception propagates. Closing a generator
    /// that never started or has finished does nothing.
    pub fn close(&self) -> PyResult<()> {
        match self.state() {
            GeneratorState::Running => Err(already_executing()),
            GeneratorState::Created | GeneratorState::Closed => {
                self.state.set(GeneratorState::Closed);
                Ok(())
            }
            GeneratorState::Suspended => match self.resume(Err(GeneratorExit::default().into())) {
                Ok(Step::Yielded(_)) => {
                    Err(RuntimeError::new("generator ignored GeneratorExit").into())
                }
                Ok(Step::Returned(_)) => Ok(()),
                Err(e) if e.is::<GeneratorExit>() => Ok(()),
                Err(e) => Err(e),
            },
        }
    }
    // ANCHOR_END: close

    // ANCHOR: resume
    /// Runs the body up to its next `yield` or its end. The caller has checked that
    /// the generator is created or suspended, and not running.
    // Inlined into `send`/`throw` so the argument is built where the coroutine reads
    // it: passed through a copy, it cost a store-forwarding stall (~5 ns a send).
    #[inline(always)]
    fn resume(&self, arg: Resume<S>) -> PyResult<Step<Y, R>> {
        let mut body = self.body.borrow_mut();
        // If the body panics, the panic goes on to our caller, and the generator must
        // never be resumed again: a coroutine that panicked is poisoned.
        let poisoned = ClosesOnUnwind(&self.state);
        let outcome = body.as_mut().resume(arg);
        std::mem::forget(poisoned);
        match outcome {
            CoroutineState::Yielded(y) => {
                self.state.set(GeneratorState::Suspended);
                Ok(Step::Yielded(y))
            }
            CoroutineState::Complete(result) => {
                self.state.set(GeneratorState::Closed);
                result.map(Step::Returned).map_err(pep_479)
            }
        }
    }
    // ANCHOR_END: resume

    /// What Python prints for the generator: `<generator object QUALNAME at 0x…>`.
    fn repr(&self) -> String {
        format!("<generator object {} at {:p}>", self.qualname(), self)
    }
}

// ANCHOR: unwind
/// Sets the generator's state to closed if a resume unwinds.
struct ClosesOnUnwind<'s>(&'s Cell<GeneratorState>);

impl Drop for ClosesOnUnwind<'_> {
    fn drop(&mut self) {
        self.0.set(GeneratorState::Closed);
    }
}
// ANCHOR_END: unwind

// ANCHOR: pep_479
/// PEP 479: a `StopIteration` escaping a generator's body becomes `RuntimeError`, with
/// the `StopIteration` as its `__cause__` (and `__context__`), as CPython chains them.
fn pep_479(exc: Exception) -> Exception {
    if exc.isinstance::<StopIteration>() {
        RuntimeError::new("generator raised StopIteration").raise_from(exc)
    } else {
        exc
    }
}
// ANCHOR_END: pep_479

fn already_executing() -> Exception {
    ValueError::new("generator already executing").into()
}

/// `my_crate::module::consumer<'_>::{{closure}}` -> `consumer`: the function that wrote
/// the coroutine closure, which is what Python calls the generator.
pub(crate) fn function_name(type_name: &'static str) -> &'static str {
    let (_, name) = owner_and_name(type_name);
    name
}

/// `__qualname__` of the function that built a generator or a coroutine, from the type
/// name of its closure: `Tree.walk` for a method of `Tree`, `walk` for a free function
/// (Rust's type names cannot tell a function nested in another from one in a module, so
/// Python's `outer.<locals>.inner` is `inner` here).
pub(crate) fn qualified_name(type_name: &'static str) -> std::borrow::Cow<'static, str> {
    match owner_and_name(type_name) {
        (Some(owner), name) => format!("{owner}.{name}").into(),
        (None, name) => name.into(),
    }
}

/// The function a closure's type name says it was written in, and the type whose method
/// that is (a path segment named in CamelCase, or the `Self` of `<Type as Trait>::f`).
fn owner_and_name(type_name: &'static str) -> (Option<&'static str>, &'static str) {
    let segments = segments(type_name);
    let mut named = segments.iter().rev().skip_while(|s| s.starts_with('{'));
    match named.next() {
        Some(&name) if !name.is_empty() => {
            let owner = named
                .next()
                .copied()
                .filter(|s| s.starts_with(|c: char| c.is_ascii_uppercase()));
            (owner, name)
        }
        _ => (None, "generator"),
    }
}

/// The segments of a type's path, generic arguments left out, and `<T as Trait>` as the
/// last segment of `T`: `<a::Tree<u8> as b::Walk>::walk::{{closure}}` is `Tree`, `walk`,
/// `{{closure}}`.
fn segments(path: &'static str) -> Vec<&'static str> {
    let mut segments = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('<') {
            // `<Self as Trait>`: the segment is Self's last.
            let end = matching_angle(inner);
            let qualified = &inner[..end];
            let own = qualified.split(" as ").next().unwrap_or(qualified);
            if let Some(&last) = segments_of_plain(own).last() {
                segments.push(last);
            }
            rest = &inner[(end + 1).min(inner.len())..];
        } else {
            let end = rest.find("::").unwrap_or(rest.len());
            let segment = &rest[..end];
            segments.push(segment.split('<').next().unwrap_or(segment));
            // Skip generic arguments, which may themselves hold `::`.
            if let Some(open) = segment.find('<') {
                let after = &rest[open + 1..];
                let close = open + 1 + matching_angle(after) + 1;
                rest = &rest[close.min(rest.len())..];
                rest = rest.strip_prefix("::").unwrap_or(rest);
                continue;
            }
            rest = &rest[end..];
        }
        rest = rest.strip_prefix("::").unwrap_or(rest);
    }
    segments
}

/// A path without a qualified `Self`: its segments, generics left out.
fn segments_of_plain(path: &'static str) -> Vec<&'static str> {
    segments(path.trim_start_matches('<'))
}

/// Where the `>` closing an already opened `<` is in `text`.
fn matching_angle(text: &str) -> usize {
    let mut depth = 1;
    for (i, c) in text.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    text.len()
}

// ANCHOR: drop
impl<Y, S, R> Drop for Generator<'_, Y, S, R> {
    /// CPython closes a suspended generator when it collects it, so its `finally`
    /// blocks run; an error there cannot be raised to anyone and is reported instead.
    fn drop(&mut self) {
        // While the thread unwinds, running more user code risks a double panic,
        // which aborts: the cleanup is skipped, as a crashing process would skip it.
        if self.state() != GeneratorState::Suspended || std::thread::panicking() {
            return;
        }
        let error = match panic::catch_unwind(AssertUnwindSafe(|| self.close())) {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e,
            Err(payload) => {
                RuntimeError::new(format!("panic: {}", panic_message(&*payload))).into()
            }
        };
        write_unraisable("Exception ignored in", &self.repr(), &error);
    }
}
// ANCHOR_END: drop

/// The message of a panic payload (`panic!("...")` gives a `&str` or a `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>")
}

impl<Y, S, R> fmt::Debug for Generator<'_, Y, S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repr())
    }
}

/// `for x in gen`: each yielded value, then the end. Python's `for` raises what the
/// body raises; a Rust iterator cannot, so an exception is the last item, as `Err`.
/// The return value is dropped, as Python's `for` drops it.
impl<Y, S, R> Iterator for Generator<'_, Y, S, R> {
    type Item = PyResult<Y>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_item()
    }
}

/// `for x in gen:` over a borrowed generator, which stays the caller's: the items of
/// `impl Iterator for Generator`, from the same generator. So
/// `with closing(gen) as t: for i in t:` reads as Python's, and a loop left with `break`
/// leaves the generator suspended where it was, for the next loop to go on.
///
/// ```
/// #![feature(coroutines)]
/// use pycoro::contextlib::{closing, with};
/// use pycoro::prelude::*;
///
/// // def count(): yield 1; yield 2; yield 3
/// let g: Generator<i32> = Generator::new(#[coroutine] |_| {
///     for i in 1..=3 {
///         yield_!(i)?;
///     }
///     Ok(())
/// });
/// let mut seen = Vec::new();
/// // with closing(gen) as t:
/// //     for i in t:
/// //         if i == 2: break
/// with(closing(&g), |t| {
///     for i in t {
///         let i = i?;
///         seen.push(i);
///         if i == 2 {
///             break;
///         }
///     }
///     Ok(())
/// })?;
/// assert_eq!(seen, [1, 2]);
/// assert_eq!(g.state(), GeneratorState::Closed); // closing closed it
/// # Ok::<(), Exception>(())
/// ```
impl<Y, S, R> Iterator for &Generator<'_, Y, S, R> {
    type Item = PyResult<Y>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_item()
    }
}

impl<Y, S, R> Generator<'_, Y, S, R> {
    /// What `for` gets: the next yielded value, `None` once the generator has finished
    /// (its return value is dropped, as a `for` loop drops it), or what it raised.
    #[inline]
    fn next_item(&self) -> Option<PyResult<Y>> {
        if self.state() == GeneratorState::Closed {
            return None;
        }
        match Generator::next(self) {
            Ok(Step::Yielded(y)) => Some(Ok(y)),
            Ok(Step::Returned(_)) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Generator, GeneratorState, Step, function_name};
    use crate::contextlib::{closing, with};
    use crate::exceptions::{PyResult, StopIteration};

    fn count(n: i32) -> Generator<'static, i32, (), (i32, f64)> {
        Generator::new(
            #[coroutine]
            move |_| {
                for i in 1..=n {
                    crate::yield_!(i)?;
                }
                Ok((n, f64::from(n + 1) / 2.0))
            },
        )
    }

    #[test]
    fn a_for_loop_over_a_borrowed_generator_reads_as_pythons() -> PyResult<()> {
        // with closing(count(3)) as t:
        //     for i in t:
        //         if i == 2: break
        let g = count(3);
        let mut seen = Vec::new();
        with(closing(&g), |t| {
            for i in t {
                let i = i?;
                seen.push(i);
                if i == 2 {
                    break;
                }
            }
            Ok(())
        })?;
        assert_eq!(seen, [1, 2]);
        assert_eq!(g.state(), GeneratorState::Closed);

        // Two loops over one generator: the second goes on where the first stopped,
        // and the return value ends the loop as it ends `impl Iterator for Generator`.
        let g = count(3);
        let first: Vec<i32> = (&g).take(1).collect::<PyResult<_>>()?;
        let rest: Vec<i32> = (&g).collect::<PyResult<_>>()?;
        assert_eq!((first, rest), (vec![1], vec![2, 3]));
        assert_eq!(g.state(), GeneratorState::Closed);
        assert!(Iterator::next(&mut &g).is_none());
        Ok(())
    }

    #[test]
    fn a_generator_returning_a_tuple_reports_it_through_yielded() -> PyResult<()> {
        // def averager(): ...; return (count, average)
        let g = count(3);
        for expected in 1..=3 {
            assert_eq!(g.next()?.yielded()?, expected);
        }
        let e = g.next()?.yielded().unwrap_err();
        let stop = e.downcast_ref::<StopIteration>().unwrap();
        assert_eq!(stop.value_as::<(i32, f64)>(), Some(&(3, 2.0)));
        assert_eq!(e.to_string(), "(3, 2.0)"); // str(StopIteration((3, 2.0)))
        assert!(matches!(count(0).next()?, Step::Returned((0, _))));
        Ok(())
    }

    #[test]
    fn names_come_from_the_enclosing_function() {
        assert_eq!(
            function_name("pycoro::programs::consumer<'_>::{{closure}}"),
            "consumer"
        );
        assert_eq!(function_name("main::{{closure}}"), "main");
        assert_eq!(function_name("{{closure}}"), "generator");
        assert_eq!(
            function_name("app::Tree<alloc::vec::Vec<u8>>::walk::{{closure}}::{{closure}}"),
            "walk"
        );
    }

    // python/rules/generators.py has its twin (ANCHOR qualname).
    #[test]
    fn a_generator_made_by_a_method_is_named_by_its_qualified_name() {
        use super::qualified_name;
        assert_eq!(
            qualified_name("app::trees::Tree::walk::{{closure}}"),
            "Tree.walk"
        );
        assert_eq!(
            qualified_name("app::Tree<alloc::vec::Vec<u8>>::walk::{{closure}}"),
            "Tree.walk"
        );
        assert_eq!(
            qualified_name("<app::Tree<u8> as app::Walk>::walk::{{closure}}"),
            "Tree.walk"
        );
        assert_eq!(qualified_name("app::trees::count::{{closure}}"), "count");
        struct Tree;
        impl Tree {
            fn walk(&self) -> Generator<'static, i32> {
                Generator::new(
                    #[coroutine]
                    |_| {
                        crate::yield_!(1)?;
                        Ok(())
                    },
                )
            }
        }
        let g = Tree.walk();
        assert_eq!((g.name(), &*g.qualname()), ("walk", "Tree.walk"));
        assert!(g.repr().starts_with("<generator object Tree.walk at 0x"));
    }
}
