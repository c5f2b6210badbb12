//! What the carried tests share: a trace, Python's `finally` and `for`, and Python values.
#![allow(dead_code)] // each test module uses part of it

use std::fmt;

pub use crate::common::{Finally, Log, unraisable_reports};
pub use pycoro::exceptions::{
    AttributeError, Exception, ExceptionExt, ExceptionObject, GeneratorExit, KeyError, PyException,
    PyResult, Raise, RuntimeError, StopIteration, TypeError, ValueError, ZeroDivisionError, args,
    clone_exception, context, exception_name, same_exception,
};
pub use pycoro::generators::{Generator, GeneratorState, Step};
pub use pycoro::trace::OrNone;
pub use pycoro::yield_from::iter;
pub use pycoro::{yield_, yield_from};

/// A generator as the tests write them: yields `Y`, is sent `S`, returns `R`.
pub type Gen<Y, S = (), R = ()> = Generator<'static, Y, S, R>;

/// `try: ... finally: trace.append(line)`: appends `line` when the guard is dropped,
/// which is when the generator body that holds it ends, however it ends.
pub fn finally(trace: &Log, line: &'static str) -> Finally<impl FnMut() + use<>> {
    let trace = trace.clone();
    Finally(move || trace.push(line))
}

/// Python's `for x in gen: body(x)` on a generator that may be shared: `next` until it
/// returns; an exception ends the loop and is raised to the caller.
pub fn for_each<Y, S, R>(generator: &Gen<Y, S, R>, mut body: impl FnMut(Y)) -> PyResult<()> {
    loop {
        match generator.next()? {
            Step::Yielded(x) => body(x),
            Step::Returned(_) => return Ok(()),
        }
    }
}

/// Python's `a / b`: raises `ZeroDivisionError` when `b` is 0 (where Rust's integer
/// division would panic).
pub fn true_div(a: i64, b: i64) -> PyResult<f64> {
    if b == 0 {
        return Err(ZeroDivisionError::new("division by zero").into());
    }
    Ok(a as f64 / b as f64)
}

/// `except Exception:`, which `GeneratorExit` (a `BaseException`) escapes.
pub fn is_exception(e: &Exception) -> bool {
    e.isinstance::<Exception>()
}

/// A Python value, where a test passes values of several types through one generator
/// (`return v` for `v` in `None, 1, (2,), StopIteration(3)`) and prints them.
///
/// `StopIteration` here is an exception *object* used as a plain value (sent,
/// returned, printed with `%r`), never raised: what those tests check is that a
/// generator passes such a value through untouched.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    None,
    Int(i64),
    Str(String),
    Tuple(Vec<Value>),
    /// `StopIteration()` or `StopIteration(v)`.
    StopIteration(Option<Box<Value>>),
}

impl Value {
    /// `StopIteration(v)`.
    pub fn stop_iteration(v: Value) -> Value {
        Value::StopIteration(Some(Box::new(v)))
    }

    /// The `StopIteration` a Python caller catches when a generator returns `self`:
    /// `StopIteration()` for `None`, `StopIteration(value)` otherwise. pycoro hands the
    /// value out as `Ok(Step::Returned(value))` instead of raising it.
    pub fn returned(self) -> Value {
        match self {
            Value::None => Value::StopIteration(None),
            v => Value::stop_iteration(v),
        }
    }

    /// `bool(v)`.
    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Int(i) => *i != 0,
            Value::Str(s) => !s.is_empty(),
            Value::Tuple(items) => !items.is_empty(),
            Value::StopIteration(_) => true,
        }
    }

    /// `repr(v)`.
    pub fn repr(&self) -> String {
        match self {
            Value::Str(s) => pycoro::trace::repr_str(s),
            Value::Tuple(items) if items.len() == 1 => format!("({},)", items[0].repr()),
            Value::Tuple(items) => {
                let items: Vec<String> = items.iter().map(Value::repr).collect();
                format!("({})", items.join(", "))
            }
            Value::StopIteration(None) => "StopIteration()".to_owned(),
            Value::StopIteration(Some(v)) => format!("StopIteration({})", v.repr()),
            v => v.to_string(),
        }
    }
}

/// `str(v)`, what `"%s" % (v,)` prints.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => f.write_str("None"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => f.write_str(s),
            Value::StopIteration(None) => Ok(()),
            Value::StopIteration(Some(v)) => write!(f, "{v}"),
            v => f.write_str(&v.repr()),
        }
    }
}

/// What `yield from` gives for a sub-generator that has already finished: `None`.
impl Default for Value {
    fn default() -> Self {
        Value::None
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
