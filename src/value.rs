//! [`Value`]: a Python value of any of the types a coroutine program passes around, for
//! generators that yield values of several types (`yield 1`, then `yield 'a'`).
//!
//! Its `Display` is Python's `str()` and [`Value::repr`] Python's `repr()`, each as
//! CPython writes them: `'it'` and `"it's"`, `0.1`, `1e+16`, `(1,)`, `{'a': 1}`,
//! `b'\x00'`, `True`, `None`, `ValueError('x')`.
//!
//! ```
//! #![feature(coroutines)]
//! use pycoro::generators::Generator;
//! use pycoro::value::Value;
//! use pycoro::yield_;
//!
//! // def g():
//! //     yield 1
//! //     yield 'a'
//! //     yield (None, 2.5)
//! let g: Generator<Value> = Generator::new(#[coroutine] |_| {
//!     yield_!(1.into())?;
//!     yield_!("a".into())?;
//!     yield_!(((), 2.5).into())?;
//!     Ok(())
//! });
//! let reprs: Vec<String> = g.map(|v| v.map(|v| v.repr())).collect::<Result<_, _>>()?;
//! assert_eq!(reprs, ["1", "'a'", "(None, 2.5)"]);
//! # Ok::<(), pycoro::exceptions::Exception>(())
//! ```

use std::fmt;

use crate::exceptions::{Exception, clone_exception, exception_repr, same_exception};
use crate::trace::{PyRepr, repr_float, repr_str};

/// A Python value: `None`, `bool`, `int`, `float`, `str`, `bytes`, `tuple`, `list`,
/// `dict` (in insertion order, as Python's), or an exception object.
///
/// `==` is Python's: `1 == 1.0 == True`, a dict equals one with the same items in
/// another order, an exception is equal only to itself.
#[derive(Debug)]
pub enum Value {
    /// `None`.
    None,
    /// `True`, `False`.
    Bool(bool),
    /// An `int` (pycoro's fit in 64 bits).
    Int(i64),
    /// A `float`.
    Float(f64),
    /// A `str`.
    Str(String),
    /// A `bytes`.
    Bytes(Vec<u8>),
    /// A `tuple`.
    Tuple(Vec<Value>),
    /// A `list`.
    List(Vec<Value>),
    /// A `dict`: its items in insertion order, each key once (see [`Value::dict`]).
    Dict(Vec<(Value, Value)>),
    /// An exception object, as a value (not raised): `StopIteration(3)` sent to a generator.
    Exception(Exception),
}

impl Value {
    /// `bytes(data)`: `Value::bytes(b"\x00ab")` is `b'\x00ab'`.
    pub fn bytes(data: impl Into<Vec<u8>>) -> Self {
        Value::Bytes(data.into())
    }

    /// A `tuple` of any values.
    pub fn tuple(items: impl IntoIterator<Item = impl Into<Value>>) -> Self {
        Value::Tuple(items.into_iter().map(Into::into).collect())
    }

    /// A `list` of any values.
    pub fn list(items: impl IntoIterator<Item = impl Into<Value>>) -> Self {
        Value::List(items.into_iter().map(Into::into).collect())
    }

    /// A `dict`, as Python's `{k: v, ...}` makes it: a key given twice keeps its first
    /// place and its last value.
    ///
    /// ```
    /// use pycoro::value::Value;
    /// let d = Value::dict([("a", 1), ("b", 2), ("a", 3)]);
    /// assert_eq!(d.repr(), "{'a': 3, 'b': 2}");
    /// ```
    pub fn dict(items: impl IntoIterator<Item = (impl Into<Value>, impl Into<Value>)>) -> Self {
        let mut dict: Vec<(Value, Value)> = Vec::new();
        for (key, value) in items {
            let (key, value) = (key.into(), value.into());
            match dict.iter_mut().find(|(k, _)| *k == key) {
                Some((_, slot)) => *slot = value,
                None => dict.push((key, value)),
            }
        }
        Value::Dict(dict)
    }

    /// `repr(v)`, as CPython writes it.
    pub fn repr(&self) -> String {
        match self {
            Value::None => "None".to_owned(),
            Value::Bool(b) => b.py_repr(),
            Value::Int(i) => i.to_string(),
            Value::Float(x) => repr_float(*x),
            Value::Str(s) => repr_str(s),
            Value::Bytes(b) => repr_bytes(b),
            Value::Tuple(items) if items.len() == 1 => format!("({},)", items[0].repr()),
            Value::Tuple(items) => format!("({})", reprs(items)),
            Value::List(items) => format!("[{}]", reprs(items)),
            Value::Dict(items) => {
                let items: Vec<String> = items
                    .iter()
                    .map(|(k, v)| format!("{}: {}", k.repr(), v.repr()))
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
            Value::Exception(e) => exception_repr(e),
        }
    }

    /// `bool(v)`: false for `None`, `False`, zero, and empty strings and containers.
    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(x) => *x != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::Tuple(items) | Value::List(items) => !items.is_empty(),
            Value::Dict(items) => !items.is_empty(),
            Value::Exception(_) => true,
        }
    }

    /// The number, for `==` across `bool`, `int` and `float`.
    fn number(&self) -> Option<f64> {
        match self {
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Int(i) => Some(*i as f64),
            Value::Float(x) => Some(*x),
            _ => None,
        }
    }
}

fn reprs(items: &[Value]) -> String {
    let reprs: Vec<String> = items.iter().map(Value::repr).collect();
    reprs.join(", ")
}

/// `repr(b)`: `b'...'` (or `b"..."` around a single quote and no double one), with
/// `\\`, `\t`, `\n`, `\r` escaped and any byte outside printable ASCII as `\xNN`.
fn repr_bytes(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = format!("b{quote}");
    for &byte in bytes {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b if char::from(b) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..0x7f => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out.push(quote);
    out
}

/// `str(v)`: a string is itself, an exception its message, anything else its repr.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::Exception(e) => write!(f, "{e}"),
            other => f.write_str(&other.repr()),
        }
    }
}

impl PyRepr for Value {
    fn py_repr(&self) -> String {
        self.repr()
    }

    fn py_str(&self) -> String {
        self.to_string()
    }
}

impl Clone for Value {
    /// A copy; an exception in it stays the same Python object (see
    /// [`clone_exception`]).
    fn clone(&self) -> Self {
        match self {
            Value::None => Value::None,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Float(x) => Value::Float(*x),
            Value::Str(s) => Value::Str(s.clone()),
            Value::Bytes(b) => Value::Bytes(b.clone()),
            Value::Tuple(items) => Value::Tuple(items.clone()),
            Value::List(items) => Value::List(items.clone()),
            Value::Dict(items) => Value::Dict(items.clone()),
            Value::Exception(e) => Value::Exception(clone_exception(e)),
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::None, Value::None) => true,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::Tuple(a), Value::Tuple(b)) | (Value::List(a), Value::List(b)) => a == b,
            (Value::Dict(a), Value::Dict(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.iter().any(|(k2, v2)| k == k2 && v == v2))
            }
            (Value::Exception(a), Value::Exception(b)) => same_exception(a, b),
            (a, b) => matches!((a.number(), b.number()), (Some(x), Some(y)) if x == y),
        }
    }
}

/// `None`, as `yield from` gives for a sub-generator that had finished.
impl Default for Value {
    fn default() -> Self {
        Value::None
    }
}

impl From<()> for Value {
    fn from((): ()) -> Self {
        Value::None
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

macro_rules! from_int {
    ($($ty:ty),*) => {$(
        impl From<$ty> for Value {
            fn from(i: $ty) -> Self {
                Value::Int(i64::from(i))
            }
        }
    )*};
}

from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<Exception> for Value {
    fn from(e: Exception) -> Self {
        Value::Exception(e)
    }
}

/// `None` or the value.
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::None, Into::into)
    }
}

/// A `list`.
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::list(items)
    }
}

macro_rules! from_tuple {
    ($($t:ident),+) => {
        /// A `tuple`.
        impl<$($t: Into<Value>),+> From<($($t,)+)> for Value {
            #[allow(non_snake_case)]
            fn from(($($t,)+): ($($t,)+)) -> Self {
                Value::Tuple(vec![$($t.into()),+])
            }
        }
    };
}

from_tuple!(A);
from_tuple!(A, B);
from_tuple!(A, B, C);
from_tuple!(A, B, C, D);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exceptions::ValueError;

    #[test]
    fn equality_is_pythons() {
        assert_eq!(Value::from(1), Value::from(1.0));
        assert_eq!(Value::from(true), Value::from(1));
        assert_ne!(Value::from(1), Value::from("1"));
        assert_ne!(Value::tuple([1]), Value::list([1]));
        assert_eq!(
            Value::dict([("a", 1), ("b", 2)]),
            Value::dict([("b", 2), ("a", 1)])
        );
        let e = Value::from(Exception::from(ValueError::new("x")));
        assert_eq!(e, e.clone(), "a copy is the same exception object");
        assert_ne!(e, Value::from(Exception::from(ValueError::new("x"))));
    }

    #[test]
    fn truth_is_pythons() {
        let falsy = [
            Value::None,
            0.into(),
            0.0.into(),
            "".into(),
            Value::list(Vec::<i32>::new()),
        ];
        assert!(falsy.iter().all(|v| !v.truthy()));
        assert!(Value::tuple([()]).truthy());
    }
}
