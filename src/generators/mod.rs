//! Generation 1: `yield` generators with `send`, `throw` and `close` (PEP 342).
//!
//! Book: chapter "Generation 1: generators".
//!
//! | Python                                  | pycoro                                                   |
//! |-----------------------------------------|----------------------------------------------------------|
//! | `def consumer(): ... n = yield r ...`    | `Generator::new(#[coroutine] move \|_\| { ... let n = yield_!(r)?; ... })` |
//! | `c = consumer()`                        | `let c = consumer();` (a fn returning a [`Generator`])   |
//! | `next(c)` / `c.send(None)`              | `c.next()` / `c.send(None)`                              |
//! | `c.send(n)`                             | `c.send(n)`, arriving in the body as `Some(n)`           |
//! | `r = c.send(n)`                         | `let r = c.send(n)?.yielded()?;`                         |
//! | `return value` in the body              | `return Ok(value)`                                       |
//! | `except StopIteration as e: e.value`    | `Ok(Step::Returned(value))`                              |
//! | `c.throw(ValueError('x'))`              | `c.throw(ValueError::new("x"))`                          |
//! | `except ValueError:` around a `yield`   | `match yield_!(r) { Err(e) if e.is::<ValueError>() => .. }` |
//! | `c.close()`                             | `c.close()`                                              |
//! | `inspect.getgeneratorstate(c)`          | `c.state()`                                              |
//! | `for x in c:`                           | `for x in c { let x = x?; .. }`                          |
//! | the generator is garbage-collected      | the [`Generator`] is dropped (and closed)               |
//!
//! The body is a nightly `#[coroutine]` closure: rustc turns it into a state machine
//! whose `resume` runs to the next `yield`. Its resume argument is a [`Resume<S>`]:
//! `Ok(None)` for `next`, `Ok(Some(v))` for `send(v)`, `Err(e)` for `throw(e)` and
//! `close()`. So `yield_!(r)?` re-raises a thrown exception at the `yield`, as Python
//! does, and a `match` catches it. The body returns a [`PyResult<R>`](crate::exceptions::PyResult):
//! `Ok(r)` for Python's `return r`, `Err(e)` for an exception that escapes.
//!
//! [`Generator`] adds what the compiler does not know about: the rules of PEP 342
//! (the first send must be `None`, `GeneratorExit`, `generator ignored GeneratorExit`),
//! PEP 479 (`StopIteration` escaping a body becomes `RuntimeError`), re-entrancy
//! (`generator already executing`), and closing on drop.
//!
//! ```
//! #![feature(coroutines)]
//! use pycoro::generators::{Generator, Step};
//! use pycoro::exceptions::{ValueError, PyResult};
//! use pycoro::yield_;
//!
//! // def echo():
//! //     while True:
//! //         try:
//! //             x = yield
//! //         except ValueError:
//! //             x = 'caught'
//! //         print(x)
//! fn echo<'a>(log: &'a std::cell::RefCell<Vec<String>>) -> Generator<'a, (), &'static str> {
//!     Generator::new(#[coroutine] move |_| {
//!         loop {
//!             let x = match yield_!(()) {
//!                 Err(e) if e.is::<ValueError>() => Some("caught"),
//!                 other => other?,
//!             };
//!             log.borrow_mut().push(format!("{x:?}"));
//!         }
//!     })
//! }
//! let log = Default::default();
//! let e = echo(&log);
//! e.next()?;
//! e.send("hi")?;
//! e.throw(ValueError::new("x"))?;
//! e.close()?;
//! assert_eq!(*log.borrow(), ["Some(\"hi\")", "Some(\"caught\")"]);
//! # Ok::<(), pycoro::exceptions::Exception>(())
//! ```

mod generator;

pub use generator::{Generator, GeneratorState, Resume, Step};
pub(crate) use generator::{function_name, qualified_name};
