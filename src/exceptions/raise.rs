//! What Python asks of a raised exception, asked of an [`Exception`] (`anyhow::Error`):
//! `isinstance`, `raise X from e`, the implicit `__context__`, `e.args`, `a is b`.

use std::error::Error;
use std::io;

use super::Exception;
use super::builtins::{self, os_error, pycoro_exception};
use super::class::{Class, ClassInfo, Object, PyClass, PyException, copy, object, object_mut};
use crate::trace::PyRepr;

/// `type(e)`: the class of a raised exception.
///
/// A pycoro exception knows its class; an `io::Error` is the `OSError` subclass its
/// error names; any other Rust error is a plain `Exception`.
pub fn class_of(e: &Exception) -> &'static Class {
    if let Some(object) = object(e) {
        return object.class();
    }
    if let Some(io) = e.downcast_ref::<io::Error>() {
        let twin = match io.raw_os_error() {
            Some(errno) => io::Error::from_raw_os_error(errno),
            None => io::Error::from(io.kind()),
        };
        if let Some(object) = object(&os_error(twin)) {
            return object.class();
        }
    }
    <builtins::Exception as PyClass>::CLASS
}

/// Python's `isinstance` for a raised exception: `except LookupError:` is
/// `Err(e) if e.isinstance::<LookupError>()`, and catches a `KeyError`.
///
/// ```
/// use pycoro::exceptions::{
///     CancelledError, Exception, ExceptionExt, GeneratorExit, IndexError, KeyError, LookupError,
/// };
///
/// let e: Exception = KeyError::new("k").into();
/// assert!(e.isinstance::<LookupError>());              // except LookupError:
/// assert!(e.isinstance::<(IndexError, KeyError)>());   // except (IndexError, KeyError) as e:
/// assert!(e.isinstance::<Exception>());                // except Exception:
/// // GeneratorExit and CancelledError are BaseExceptions: `except Exception:` lets them by.
/// let exit: Exception = GeneratorExit::default().into();
/// let cancelled: Exception = CancelledError::default().into();
/// assert!(!exit.isinstance::<Exception>() && !cancelled.isinstance::<Exception>());
/// ```
pub trait ExceptionExt {
    /// `isinstance(e, C)`, `C` a class or a tuple of classes.
    fn isinstance<C: ClassInfo>(&self) -> bool;

    /// `type(e)`.
    fn class(&self) -> &'static Class;
}

impl ExceptionExt for Exception {
    fn isinstance<C: ClassInfo>(&self) -> bool {
        C::contains(class_of(self))
    }

    fn class(&self) -> &'static Class {
        class_of(self)
    }
}

/// `except (A, B) as e:` over a list of classes known at run time:
/// `matches(&e, &[KeyError::CLASS, IndexError::CLASS])`.
pub fn matches(e: &Exception, classes: &[&Class]) -> bool {
    let class = class_of(e);
    classes.iter().any(|c| class.is_subclass(c))
}

/// Raising with a link to another exception: `raise X from e`, `raise X from None`, and
/// the implicit `__context__` of an exception raised while another is handled.
///
/// Python sets `__context__` itself: it knows which exception an `except` block is
/// handling. A Rust `match` arm does not, so the arm says it with
/// [`during`](Raise::during). The links are kept by the exception object, so they go
/// wherever it goes: out of a generator, through `yield from`, `throw` and `close`.
///
/// ```
/// use pycoro::exceptions::{
///     Exception, KeyError, Raise, RuntimeError, ValueError, cause, context, format_exception,
///     suppress_context,
/// };
///
/// // try: {}['k']
/// // except KeyError as e: raise RuntimeError('no key') from e
/// let e: Exception = KeyError::new("k").into();
/// let raised = RuntimeError::new("no key").raise_from(e);
/// assert!(cause(&raised).unwrap().is::<KeyError>());
///
/// // except KeyError as e: raise ValueError('bad')     (implicit chaining)
/// let handled: Exception = KeyError::new("k").into();
/// let raised = ValueError::new("bad").during(&handled);
/// assert!(context(&raised).unwrap().is::<KeyError>() && cause(&raised).is_none());
///
/// // except KeyError: raise ValueError('bad') from None     (the report hides the KeyError)
/// let quiet = ValueError::new("bad").during(&handled).raise_from(None);
/// assert!(suppress_context(&quiet));
/// assert_eq!(format_exception(&quiet), "Traceback (most recent call last):\nValueError: bad\n");
/// assert_eq!(
///     format_exception(&raised),
///     "Traceback (most recent call last):\nKeyError: 'k'\n\n\
///      During handling of the above exception, another exception occurred:\n\n\
///      Traceback (most recent call last):\nValueError: bad\n"
/// );
/// ```
pub trait Raise: Into<Exception> + Sized {
    /// `raise self from cause`: `__cause__` is `cause`, and `__suppress_context__` is
    /// set. `raise_from(None)` is `raise self from None`, which hides the context.
    ///
    /// In Python `raise X from e` inside `except ... as e` also makes `e` the context;
    /// so does this, if `self` has no context yet.
    fn raise_from(self, cause: impl IntoCause) -> Exception {
        let mut e = pycoro_exception(self.into());
        let cause = cause.into_cause().map(pycoro_exception);
        if let Some(data) = object_mut(&mut e).and_then(|o| o.data_mut()) {
            if let Some(cause) = &cause
                && data.context().is_none()
            {
                data.set_context(Some(copy(cause)));
            }
            data.set_cause(cause);
            data.set_suppress_context(true);
        }
        e
    }

    /// `self` raised while `handled` is being handled (in its `except` or `finally`
    /// block): `handled` becomes its `__context__`, as Python does implicitly.
    ///
    /// As in CPython, raising the very exception being handled links nothing, and an
    /// exception already in `handled`'s chain is cut out of it, so that no chain loops.
    fn during(self, handled: &Exception) -> Exception {
        let mut e = pycoro_exception(self.into());
        if same_exception(&e, handled) {
            return e;
        }
        let mut context = pycoro_exception(copy(handled));
        if let Some(id) = identity(&e) {
            cut_at(&mut context, id);
        }
        if let Some(data) = object_mut(&mut e).and_then(|o| o.data_mut()) {
            data.set_context(Some(context));
        }
        e
    }
}

impl<T: Into<Exception>> Raise for T {}

/// What follows `from` in `raise X from cause`, for [`Raise::raise_from`]: a raised
/// [`Exception`], an exception object not raised yet (`ValueError::new("x")`, any
/// class's instance, a [`PyException`], an `io::Error`), or `None`.
///
/// ```
/// use pycoro::exceptions::{Exception, KeyError, Raise, RuntimeError, ValueError, cause};
///
/// // raise RuntimeError('r') from ValueError('x')
/// let e = RuntimeError::new("r").raise_from(ValueError::new("x"));
/// assert!(cause(&e).unwrap().is::<ValueError>());
///
/// // except KeyError as err: raise ValueError('x') from err
/// let err: Exception = KeyError::new("k").into();
/// let e = ValueError::new("x").raise_from(err);
/// assert!(cause(&e).unwrap().is::<KeyError>());
///
/// // raise ValueError('x') from None
/// let e = ValueError::new("x").raise_from(None);
/// assert!(cause(&e).is_none());
/// ```
pub trait IntoCause {
    /// The cause, `None` for `from None`.
    fn into_cause(self) -> Option<Exception>;
}

/// `from None` (and `Some(e)`).
impl IntoCause for Option<Exception> {
    fn into_cause(self) -> Option<Exception> {
        self
    }
}

/// `from e`: a raised exception ([`Exception`] is a class too), or an instance of any
/// class (`ValueError::new("x")`, a `py_exception!` class, a [`PyException`]).
impl<C: PyClass + Into<Exception>> IntoCause for C {
    fn into_cause(self) -> Option<Exception> {
        Some(self.into())
    }
}

/// `from e`, an `io::Error` (an `OSError`).
impl IntoCause for io::Error {
    fn into_cause(self) -> Option<Exception> {
        Some(self.into())
    }
}

/// Removes the exception `id` from the chain of contexts that starts at `at`.
fn cut_at(mut at: &mut Exception, id: u64) {
    loop {
        let Some(data) = object_mut(at).and_then(|o| o.data_mut()) else {
            return;
        };
        if data.context().and_then(identity) == Some(id) {
            data.set_context(None);
            return;
        }
        match data.context_mut() {
            Some(next) => at = next,
            None => return,
        }
    }
}

fn identity(e: &Exception) -> Option<u64> {
    object(e).map(|o| o.data().id()).filter(|id| *id != 0)
}

/// `raise e`, as a statement: `raise(ValueError::new("bad"))?;`. Its `Ok` can never be, so
/// the `?` always raises, and it raises an [`Exception`] (inside a [`try_!`](crate::try_)
/// block, where `?` converts no error type, `Err(ValueError::new(..))?` would not do).
///
/// ```
/// use pycoro::exceptions::{PyResult, ValueError, raise};
///
/// fn check(n: i32) -> PyResult<i32> {
///     if n < 0 {
///         raise(ValueError::new("negative"))?;
///     }
///     Ok(n)
/// }
/// assert!(check(-1).unwrap_err().is::<ValueError>());
/// ```
pub fn raise(e: impl Into<Exception>) -> Result<std::convert::Infallible, Exception> {
    Err(e.into())
}

/// What Python does by itself to an exception raised inside an `except` or `finally`
/// block: the exception being handled becomes its `__context__`, unless it has one
/// already (it was raised deeper, while something else was handled) or it is the very
/// exception handled (a bare `raise`). What [`try_!`](crate::try_) does for its blocks.
///
/// ```
/// use pycoro::exceptions::{Exception, KeyError, ValueError, context, raised_while_handling};
///
/// let handled: Exception = KeyError::new("k").into();
/// let raised = raised_while_handling(ValueError::new("bad").into(), &handled);
/// assert!(context(&raised).unwrap().is::<KeyError>());
/// ```
pub fn raised_while_handling(raised: Exception, handled: &Exception) -> Exception {
    if context(&raised).is_some() || same_exception(&raised, handled) {
        raised
    } else {
        raised.during(handled)
    }
}

/// `e.__cause__`: what `raise e from cause` named (PEP 479's `RuntimeError` has the
/// `StopIteration` as its cause).
pub fn cause(e: &Exception) -> Option<&Exception> {
    object(e)?.data().cause()
}

/// `e.__context__`: the exception that was being handled when `e` was raised.
pub fn context(e: &Exception) -> Option<&Exception> {
    object(e)?.data().context()
}

/// `e.__context__ = context`, by hand: how contextlib's exit stacks re-link the
/// exceptions of their callbacks to chain as those of nested `with` statements do. A Rust
/// error that is not a pycoro exception becomes the Python exception it stands for, which
/// can hold the link.
///
/// `e.__context__ = None` is kept as said: [`with`](crate::contextlib::with) and the exit
/// stacks, which link an exception raised in an exit to the one being handled, leave it
/// unlinked.
///
/// ```
/// use pycoro::exceptions::{Exception, KeyError, ValueError, context, set_context};
///
/// let mut e: Exception = ValueError::new("bad").into();
/// set_context(&mut e, Some(KeyError::new("k").into()));
/// assert!(context(&e).unwrap().is::<KeyError>());
/// set_context(&mut e, None); // e.__context__ = None
/// assert!(context(&e).is_none());
/// ```
pub fn set_context(e: &mut Exception, context: Option<Exception>) {
    if let Some(data) = python_data_mut(e) {
        data.set_context(context.map(pycoro_exception));
    }
}

/// What Python does by itself to an exception raised in an `__exit__` while `handled`,
/// the body's exception, is handled: the end of its chain of contexts, which Python would
/// have linked at its `raise` to the exception handled then, is linked to `handled`. A
/// chain that reaches `handled` already, or ends in a context set to `None` by hand
/// ([`set_context`]), is left as it is.
pub(crate) fn link_to_handled(raised: &mut Exception, handled: &Exception) {
    enum Link {
        Next,
        Here,
        Kept,
    }
    let mut at = raised;
    loop {
        let link = match context(at) {
            _ if same_exception(at, handled) => Link::Kept,
            Some(next) if same_exception(next, handled) => Link::Kept,
            Some(_) => Link::Next,
            None if context_cleared(at) => Link::Kept,
            None => Link::Here,
        };
        match link {
            Link::Next => at = context_mut(at).expect("a context to follow"),
            Link::Here => {
                let end = std::mem::replace(at, Exception::msg(""));
                *at = end.during(handled);
                return;
            }
            Link::Kept => return,
        }
    }
}

/// `e.__context__` is `None` because it was set so by hand.
pub(crate) fn context_cleared(e: &Exception) -> bool {
    object(e).is_some_and(|o| o.data().context_cleared())
}

/// `e.add_note(note)` (Python 3.11): a line printed under the exception's own in its
/// report, to say what was being done when it was raised.
///
/// ```
/// use pycoro::exceptions::{Exception, OSError, add_note, format_exception_only, notes};
///
/// // except OSError as e:
/// //     e.add_note('while saving report.txt')
/// //     raise
/// let mut e: Exception = OSError::new("disk full").into();
/// add_note(&mut e, "while saving report.txt");
/// assert_eq!(notes(&e), ["while saving report.txt"]);
/// assert_eq!(format_exception_only(&e), "OSError: disk full\nwhile saving report.txt");
/// ```
pub fn add_note(e: &mut Exception, note: impl Into<String>) {
    if let Some(data) = python_data_mut(e) {
        data.add_note(note.into());
    }
}

/// `e.__notes__`: the notes [`add_note`] added, none if it added none.
pub fn notes(e: &Exception) -> &[String] {
    object(e).map_or(&[], |o| o.data().notes())
}

/// What `e` holds as a Python exception (its links, its notes), to change: a Rust error
/// that is not a pycoro exception becomes the Python exception it stands for first.
fn python_data_mut(e: &mut Exception) -> Option<&mut super::ExceptionData> {
    if object(e).is_none() {
        let foreign = std::mem::replace(e, Exception::msg(""));
        *e = pycoro_exception(foreign);
    }
    object_mut(e).and_then(|o| o.data_mut())
}

/// `e.__context__`, to re-link further down the chain with [`set_context`].
pub(crate) fn context_mut(e: &mut Exception) -> Option<&mut Exception> {
    object_mut(e)?.data_mut()?.context_mut()
}

/// `e.__suppress_context__`: true after `raise e from ...`.
pub fn suppress_context(e: &Exception) -> bool {
    object(e).is_some_and(|o| o.data().suppress_context())
}

/// `e.args`: the arguments it was made with (none for a Rust error that is not a
/// pycoro exception).
pub fn args(e: &Exception) -> &[Object] {
    object(e).map_or(&[], |o| o.data().args())
}

/// `repr(e.args)`, the tuple Python prints for `print(e.args)`: `(100,)`, `('a', 1)`, `()`.
///
/// ```
/// use pycoro::exceptions::{KeyError, ValueError, args_repr};
/// assert_eq!(args_repr(&KeyError::new("k").into()), "('k',)");
/// assert_eq!(args_repr(&ValueError::new(100).into()), "(100,)");
/// ```
pub fn args_repr(e: &Exception) -> String {
    super::class::tuple_repr(args(e))
}

/// `a is b`: the same Python exception object, though it may be two Rust copies (a
/// future raises its exception to each awaiter as a copy).
///
/// ```
/// use pycoro::exceptions::{Exception, ValueError, clone_exception, same_exception};
/// let e: Exception = ValueError::new("x").into();
/// assert!(same_exception(&e, &clone_exception(&e)));
/// assert!(!same_exception(&e, &ValueError::new("x").into()));
/// ```
pub fn same_exception(a: &Exception, b: &Exception) -> bool {
    let address = |e: &Exception| (&**e as *const (dyn Error + Send + Sync)).cast::<()>();
    std::ptr::eq(address(a), address(b))
        || matches!((identity(a), identity(b)), (Some(x), Some(y)) if x == y)
}

/// `type(e).__name__`: the Python class name of an exception.
///
/// pycoro's own exception types answer with their names; an `std::io::Error` is the
/// `OSError` subclass it names; any other Rust error is a plain `Exception`.
///
/// ```
/// use pycoro::exceptions::{exception_name, PyException, TypeError};
/// assert_eq!(exception_name(&TypeError::new("x").into()), "TypeError");
/// assert_eq!(exception_name(&PyException::new("MyError", "x").into()), "MyError");
/// ```
pub fn exception_name(e: &Exception) -> &str {
    match object(e) {
        Some(object) => object.name(),
        None => class_of(e).name(),
    }
}

/// The same exception again, for raising it a second time: a future's `result()`
/// raises its exception to every caller, and `anyhow::Error` cannot be cloned.
///
/// A pycoro exception is copied whole, links and identity included (it is the same
/// Python object); an `io::Error` becomes its `OSError`; any other error a
/// [`PyException`] with the same name and message.
pub fn clone_exception(e: &Exception) -> Exception {
    if object(e).is_some() {
        return copy(e);
    }
    match e.downcast_ref::<io::Error>() {
        Some(io) => os_error(match io.raw_os_error() {
            Some(errno) => io::Error::from_raw_os_error(errno),
            None => io::Error::new(io.kind(), io.to_string()),
        }),
        None => PyException::new(exception_name(e), e.to_string()).into(),
    }
}

/// `repr(e)`: `ValueError('x')`, `CancelledError()`, `KeyError('k')`,
/// `FileNotFoundError(2, 'No such file or directory')`.
pub fn exception_repr(e: &Exception) -> String {
    match object(e) {
        Some(object) => object.repr(),
        None => match object(&clone_exception(e)) {
            Some(object) => object.repr(),
            None => format!("{}()", exception_name(e)),
        },
    }
}

/// A [`PyResult`](super::PyResult), as what Python holds in its place: the
/// value, or the exception object. So the list
/// [`gather_return_exceptions`](crate::native::gather_return_exceptions) gives prints as
/// Python prints `[10, ValueError('x')]`; its `str` is the value's `str` or the
/// exception's message (`str(ValueError('x'))` is `x`).
///
/// ```
/// use pycoro::exceptions::{PyResult, ValueError};
/// use pycoro::trace::PyRepr;
///
/// let results: Vec<PyResult<i32>> = vec![Ok(10), Err(ValueError::new("x").into())];
/// assert_eq!(results.py_repr(), "[10, ValueError('x')]");
/// assert_eq!(results[1].py_str(), "x");
/// ```
impl<T: PyRepr> PyRepr for Result<T, Exception> {
    fn py_repr(&self) -> String {
        match self {
            Ok(value) => value.py_repr(),
            Err(e) => exception_repr(e),
        }
    }

    fn py_str(&self) -> String {
        match self {
            Ok(value) => value.py_str(),
            Err(e) => e.to_string(),
        }
    }
}
