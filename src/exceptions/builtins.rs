//! Python's built-in exception classes, and asyncio's, each a Rust type made by
//! [`py_exception!`](crate::py_exception) with Python's name, bases, `str` and `repr`.
//!
//! ```text
//! BaseException
//!  ├── BaseExceptionGroup
//!  ├── GeneratorExit, KeyboardInterrupt, SystemExit
//!  ├── asyncio.CancelledError                  (a BaseException since Python 3.8)
//!  └── Exception
//!       ├── ArithmeticError: FloatingPointError, OverflowError, ZeroDivisionError
//!       ├── AssertionError, AttributeError, BufferError, MemoryError, ReferenceError,
//!       │   StopAsyncIteration, StopIteration, SystemError, TypeError, ValueError
//!       ├── EOFError: asyncio.IncompleteReadError
//!       ├── ExceptionGroup                     (also a BaseExceptionGroup)
//!       ├── ImportError: ModuleNotFoundError
//!       ├── LookupError: IndexError, KeyError
//!       ├── NameError: UnboundLocalError
//!       ├── OSError: BlockingIOError, ChildProcessError, FileExistsError,
//!       │   FileNotFoundError, InterruptedError, IsADirectoryError, NotADirectoryError,
//!       │   PermissionError, ProcessLookupError, TimeoutError (= asyncio.TimeoutError),
//!       │   ConnectionError: BrokenPipeError, ConnectionAbortedError,
//!       │                    ConnectionRefusedError, ConnectionResetError
//!       ├── RuntimeError: NotImplementedError, RecursionError
//!       └── asyncio.InvalidStateError, asyncio.LimitOverrunError
//! ```

use std::any::Any;
use std::fmt;
use std::io;

pub use super::class::{BaseException, Exception};
use super::class::{
    Class, Downcaster, ExceptionData, ExceptionObject, Object, PyClass, PyException, copy,
    downcaster, object, object_mut, repr, tuple_repr,
};
use super::{Exception as Raised, PyResult};

macro_rules! builtins {
    ($module:literal: $($(#[$doc:meta])* $name:ident($($base:ty),*) $(str = $str:expr)?;)*) => {$(
        crate::py_exception! {
            @define $(#[$doc])* pub $name($($base),*)
            module($module) str(builtins!(@str $($str)?))
        }
    )*};
    (@str) => { None };
    (@str $str:expr) => { Some($str) };
}

builtins! { "builtins":
    /// Raised at the suspension point by `close()`. Like Python's, it is not an
    /// error of the generator: letting it escape the body closes the generator quietly.
    /// A `BaseException`, so that `except Exception:` in a body lets it through.
    GeneratorExit(BaseException);
    /// Ctrl+C (SIGINT). A `BaseException`.
    KeyboardInterrupt(BaseException);
    /// `sys.exit()`. A `BaseException`.
    SystemExit(BaseException);
    /// The base of the errors of arithmetic.
    ArithmeticError(Exception);
    /// `1 / 0`.
    ZeroDivisionError(ArithmeticError);
    /// A result too large to be represented.
    OverflowError(ArithmeticError);
    /// A floating-point operation failed.
    FloatingPointError(ArithmeticError);
    /// An `assert` failed.
    AssertionError(Exception);
    /// Raised when an object lacks an attribute, e.g. `send` on a plain iterator behind `yield from`.
    AttributeError(Exception);
    /// A buffer operation could not be performed.
    BufferError(Exception);
    /// `input()` or a read hit the end of the file.
    EOFError(Exception);
    /// An `import` failed.
    ImportError(Exception);
    /// An `import` found no module.
    ModuleNotFoundError(ImportError);
    /// The base of `KeyError` and `IndexError`: `except LookupError:` catches both.
    LookupError(Exception);
    /// A sequence index out of range.
    IndexError(LookupError);
    /// A mapping has no such key. `str(e)` is the key's repr: `KeyError::new("k")`
    /// prints `'k'`.
    KeyError(LookupError) str = key_error_str;
    /// Memory could not be had: a stackful coroutine's stack could not be mapped.
    MemoryError(Exception);
    /// A name is not defined.
    NameError(Exception);
    /// A local name read before it is assigned.
    UnboundLocalError(NameError);
    /// A weak reference's object is gone.
    ReferenceError(Exception);
    /// `generator ignored GeneratorExit`, `generator raised StopIteration`, a loop already running, ...
    RuntimeError(Exception);
    /// An abstract method was not overridden.
    NotImplementedError(RuntimeError);
    /// The recursion limit was reached.
    RecursionError(RuntimeError);
    /// Ends an `async for`: what an async iterator's `__anext__` raises when it is done.
    StopAsyncIteration(Exception);
    /// The interpreter found an internal error.
    SystemError(Exception);
    /// `can't send non-None value to a just-started generator`, and wrong types.
    TypeError(Exception);
    /// `generator already executing`, and the user's own bad values.
    ValueError(Exception);
    /// An operating-system error: `OSError::with_errno(2, "No such file or directory")`
    /// prints `[Errno 2] No such file or directory`; [`OSError::from_errno`] picks the
    /// subclass the errno names, as Python's `OSError(errno, strerror)` does.
    OSError(Exception) str = os_error_str;
    /// An operation would block on a non-blocking object (`EAGAIN`, `EINPROGRESS`).
    BlockingIOError(OSError);
    /// An operation on a child process failed (`ECHILD`).
    ChildProcessError(OSError);
    /// The base of the connection errors.
    ConnectionError(OSError);
    /// Writing to a connection whose peer has gone (`EPIPE`).
    BrokenPipeError(ConnectionError);
    /// The peer aborted the connection (`ECONNABORTED`).
    ConnectionAbortedError(ConnectionError);
    /// `connect()` to a port nobody listens on (`ECONNREFUSED`).
    ConnectionRefusedError(ConnectionError);
    /// The peer reset the connection (`ECONNRESET`).
    ConnectionResetError(ConnectionError);
    /// The file already exists (`EEXIST`).
    FileExistsError(OSError);
    /// No such file or directory (`ENOENT`).
    FileNotFoundError(OSError);
    /// A system call was interrupted by a signal (`EINTR`).
    InterruptedError(OSError);
    /// A file operation on a directory (`EISDIR`).
    IsADirectoryError(OSError);
    /// A directory operation on something else (`ENOTDIR`).
    NotADirectoryError(OSError);
    /// Not allowed (`EACCES`, `EPERM`).
    PermissionError(OSError);
    /// No such process (`ESRCH`).
    ProcessLookupError(OSError);
    /// A timeout expired (`ETIMEDOUT`, and `asyncio.wait_for`: since Python 3.11
    /// `asyncio.TimeoutError` is this class, so `except OSError:` catches it).
    TimeoutError(OSError);
}

builtins! { "asyncio.exceptions":
    /// A task or future was cancelled. A `BaseException` since Python 3.8, so that
    /// `except Exception:` in a coroutine does not swallow its cancellation.
    CancelledError(BaseException);
    /// Raised by the event loops for a future's result asked too early, or set twice.
    InvalidStateError(Exception);
    /// `asyncio.BrokenBarrierError`: a barrier was aborted or reset while a task waited.
    BrokenBarrierError(RuntimeError);
}

builtins! { "asyncio.queues":
    /// `asyncio.QueueEmpty`: `get_nowait()` on an empty queue.
    QueueEmpty(Exception);
    /// `asyncio.QueueFull`: `put_nowait()` on a full queue.
    QueueFull(Exception);
}

/// Every class of this module, from `BaseException` down.
pub static CLASSES: &[&Class] = &[
    BaseException::CLASS,
    Exception::CLASS,
    BaseExceptionGroup::CLASS,
    ExceptionGroup::CLASS,
    GeneratorExit::CLASS,
    KeyboardInterrupt::CLASS,
    SystemExit::CLASS,
    CancelledError::CLASS,
    ArithmeticError::CLASS,
    ZeroDivisionError::CLASS,
    OverflowError::CLASS,
    FloatingPointError::CLASS,
    AssertionError::CLASS,
    AttributeError::CLASS,
    BufferError::CLASS,
    EOFError::CLASS,
    IncompleteReadError::CLASS,
    ImportError::CLASS,
    ModuleNotFoundError::CLASS,
    LookupError::CLASS,
    IndexError::CLASS,
    KeyError::CLASS,
    MemoryError::CLASS,
    NameError::CLASS,
    UnboundLocalError::CLASS,
    ReferenceError::CLASS,
    RuntimeError::CLASS,
    NotImplementedError::CLASS,
    RecursionError::CLASS,
    StopAsyncIteration::CLASS,
    StopIteration::CLASS,
    SystemError::CLASS,
    TypeError::CLASS,
    ValueError::CLASS,
    OSError::CLASS,
    BlockingIOError::CLASS,
    ChildProcessError::CLASS,
    ConnectionError::CLASS,
    BrokenPipeError::CLASS,
    ConnectionAbortedError::CLASS,
    ConnectionRefusedError::CLASS,
    ConnectionResetError::CLASS,
    FileExistsError::CLASS,
    FileNotFoundError::CLASS,
    InterruptedError::CLASS,
    IsADirectoryError::CLASS,
    NotADirectoryError::CLASS,
    PermissionError::CLASS,
    ProcessLookupError::CLASS,
    TimeoutError::CLASS,
    InvalidStateError::CLASS,
    LimitOverrunError::CLASS,
    BrokenBarrierError::CLASS,
    QueueEmpty::CLASS,
    QueueFull::CLASS,
];

/// `KeyError.__str__`: the repr of a lone key (`'k'`, so an empty string shows).
fn key_error_str(data: &ExceptionData) -> String {
    match data.args() {
        [key] => key.repr(),
        [] => String::new(),
        many => tuple_repr(many),
    }
}

/// `OSError.__str__`: `[Errno 2] No such file or directory` when made with an errno and
/// a message (2 to 5 arguments, the first an integer).
fn os_error_str(data: &ExceptionData) -> String {
    match data.args() {
        args @ [errno, strerror, ..] if args.len() <= 5 && as_errno(errno).is_some() => {
            format!("[Errno {}] {}", errno.str(), strerror.str())
        }
        [] => String::new(),
        [one] => one.str(),
        many => tuple_repr(many),
    }
}

fn as_errno(object: &Object) -> Option<i32> {
    (object.downcast_ref::<i32>().copied()).or_else(|| {
        object
            .downcast_ref::<i64>()
            .and_then(|e| i32::try_from(*e).ok())
    })
}

macro_rules! os_errors {
    ($($name:ident),*) => {$(
        impl $name {
            #[doc = concat!("`", stringify!($name), "(errno, strerror)`: `str(e)` is `[Errno N] strerror`.")]
            pub fn with_errno(errno: i32, strerror: impl Into<String>) -> Self {
                Self::with_args([Object::new(errno), Object::new(strerror.into())])
            }

            /// `e.errno`: the error number, if it was made with one.
            pub fn errno(&self) -> Option<i32> {
                errno_of(&self.data)
            }

            /// `e.strerror`: the error's message, if it was made with an errno.
            pub fn strerror(&self) -> Option<String> {
                strerror_of(&self.data)
            }
        }
    )*};
}

os_errors!(
    OSError,
    BlockingIOError,
    ChildProcessError,
    ConnectionError,
    BrokenPipeError,
    ConnectionAbortedError,
    ConnectionRefusedError,
    ConnectionResetError,
    FileExistsError,
    FileNotFoundError,
    InterruptedError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
    ProcessLookupError,
    TimeoutError
);

fn errno_of(data: &ExceptionData) -> Option<i32> {
    match data.args() {
        args @ [errno, _, ..] if args.len() <= 5 => as_errno(errno),
        _ => None,
    }
}

fn strerror_of(data: &ExceptionData) -> Option<String> {
    errno_of(data).map(|_| data.args()[1].str())
}

impl OSError {
    /// Python's `OSError(errno, strerror)`, which makes the subclass the error number
    /// names (Linux's numbers): `OSError::from_errno(2, "No such file or directory")`
    /// is a `FileNotFoundError`.
    ///
    /// ```
    /// use pycoro::exceptions::{ExceptionExt, FileNotFoundError, OSError, exception_repr};
    /// let e = OSError::from_errno(2, "No such file or directory");
    /// assert!(e.is::<FileNotFoundError>() && e.isinstance::<OSError>());
    /// assert_eq!(e.to_string(), "[Errno 2] No such file or directory");
    /// assert_eq!(exception_repr(&e), "FileNotFoundError(2, 'No such file or directory')");
    /// assert_eq!(e.downcast_ref::<FileNotFoundError>().unwrap().errno(), Some(2)); // e.errno
    /// ```
    pub fn from_errno(errno: i32, strerror: impl Into<String>) -> Raised {
        let args = vec![Object::new(errno), Object::new(strerror.into())];
        of_errno(errno, args)
    }
}

/// The `OSError` subclass of an errno, made with `args` (CPython's `errnomap`).
fn of_errno(errno: i32, args: Vec<Object>) -> Raised {
    // Linux's numbers for what `io::ErrorKind` does not tell apart.
    match errno {
        3 => ProcessLookupError::with_args(args).into(),
        10 => ChildProcessError::with_args(args).into(),
        108 => BrokenPipeError::with_args(args).into(), // ESHUTDOWN
        114 | 115 => BlockingIOError::with_args(args).into(), // EALREADY, EINPROGRESS
        _ => of_kind(io::Error::from_raw_os_error(errno).kind(), args),
    }
}

/// The `OSError` subclass of an `io::ErrorKind`, made with `args`.
fn of_kind(kind: io::ErrorKind, args: Vec<Object>) -> Raised {
    use io::ErrorKind::*;
    match kind {
        NotFound => FileNotFoundError::with_args(args).into(),
        PermissionDenied => PermissionError::with_args(args).into(),
        ConnectionRefused => ConnectionRefusedError::with_args(args).into(),
        ConnectionReset => ConnectionResetError::with_args(args).into(),
        ConnectionAborted => ConnectionAbortedError::with_args(args).into(),
        BrokenPipe => BrokenPipeError::with_args(args).into(),
        AlreadyExists => FileExistsError::with_args(args).into(),
        WouldBlock => BlockingIOError::with_args(args).into(),
        Interrupted => InterruptedError::with_args(args).into(),
        TimedOut => TimeoutError::with_args(args).into(),
        IsADirectory => IsADirectoryError::with_args(args).into(),
        NotADirectory => NotADirectoryError::with_args(args).into(),
        _ => OSError::with_args(args).into(),
    }
}

/// An `io::Error` as Python raises it: `ConnectionResetError(104, 'Connection reset by
/// peer')`, whose `str` is `[Errno 104] Connection reset by peer`.
pub(crate) fn os_error(e: io::Error) -> Raised {
    match e.raw_os_error() {
        Some(errno) => of_errno(errno, vec![Object::new(errno), Object::new(strerror(&e))]),
        None => of_kind(e.kind(), vec![Object::new(e.to_string())]),
    }
}

/// `Connection reset by peer (os error 104)` -> `Connection reset by peer`.
fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// `e`, as a pycoro exception: itself if it is one; an `io::Error` as its `OSError`;
/// any other Rust error as a [`PyException`] named `Exception`, with its message.
pub(super) fn pycoro_exception(e: Raised) -> Raised {
    if object(&e).is_some() {
        return e;
    }
    match e.downcast::<io::Error>() {
        Ok(io) => os_error(io),
        Err(e) => PyException::new("Exception", e.to_string()).into(),
    }
}

/// Raised by `next`/`send` on a finished generator, and by a `for` loop's iterator when
/// it is done. Its `value` is the generator's return value: pycoro hands that out as
/// `Step::Returned` instead, and makes a `StopIteration` of it only where Python's
/// caller would see one ([`Step::yielded`](crate::generators::Step::yielded)).
///
/// ```
/// use pycoro::exceptions::StopIteration;
/// let e = StopIteration::new(3);
/// assert_eq!((e.to_string(), e.value_as::<i32>()), ("3".to_owned(), Some(&3)));
/// assert!(StopIteration::default().value().is_none()); // e.value is None
/// ```
#[derive(Debug, Clone, Default)]
pub struct StopIteration {
    data: ExceptionData,
    value: Option<Object>,
}

impl StopIteration {
    /// `StopIteration(value)`: `e.value` is `value`, and so is `e.args[0]`.
    pub fn new(value: impl Into<Object>) -> Self {
        Self::with_args([value.into()])
    }

    /// `StopIteration(*args)`: `e.value` is the first argument, if there is one.
    pub fn with_args(args: impl IntoIterator<Item = Object>) -> Self {
        let args: Vec<Object> = args.into_iter().collect();
        Self {
            value: args.first().cloned(),
            data: ExceptionData::new(args),
        }
    }

    /// What a generator that returned `value` raises: `StopIteration(value)`, or a bare
    /// `StopIteration()` if the value is `None`.
    pub fn returning(value: impl Into<Object>) -> Self {
        let value = value.into();
        if value.is_none() {
            Self::default()
        } else {
            Self::new(value)
        }
    }

    /// `e.value`: `None` (Python's `None`) when it was made without arguments.
    pub fn value(&self) -> Option<&Object> {
        self.value.as_ref().filter(|value| !value.is_none())
    }

    /// `e.value`, if it is a `T`.
    pub fn value_as<T: Any>(&self) -> Option<&T> {
        self.value.as_ref()?.downcast_ref()
    }

    /// `e.value = value`; `e.args` (and so `str(e)`) do not change.
    pub fn set_value(&mut self, value: impl Into<Object>) {
        self.value = Some(value.into());
    }
}

crate::py_exception!(@impl StopIteration(Exception) module("builtins") str(None) {});

/// `asyncio.LimitOverrunError(message, consumed)`: `readuntil` found no separator within
/// the stream's limit, or one past it. `consumed` is how many bytes are to be consumed
/// (the separator's offset, or how far the search went).
///
/// ```
/// use pycoro::exceptions::{ExceptionExt, LimitOverrunError, exception_repr};
/// let e = LimitOverrunError::new("Separator is found, but chunk is longer than limit", 70000);
/// assert_eq!(e.consumed(), 70000); // e.consumed
/// assert_eq!(
///     exception_repr(&e.into()),
///     "LimitOverrunError('Separator is found, but chunk is longer than limit')"
/// );
/// ```
#[derive(Debug, Clone)]
pub struct LimitOverrunError {
    data: ExceptionData,
    consumed: usize,
}

impl LimitOverrunError {
    /// `LimitOverrunError(message, consumed)`: `e.args` is `(message,)`.
    pub fn new(message: impl Into<String>, consumed: usize) -> Self {
        Self {
            data: ExceptionData::new(vec![Object::new(message.into())]),
            consumed,
        }
    }

    /// `e.consumed`.
    pub fn consumed(&self) -> usize {
        self.consumed
    }
}

crate::py_exception!(@impl LimitOverrunError(Exception) module("asyncio.exceptions") str(None) {});

/// `BaseExceptionGroup(message, exceptions)`: several exceptions raised together
/// (`asyncio.TaskGroup`, `except*`). Made by [`BaseExceptionGroup::new`], which gives an
/// [`ExceptionGroup`] when every exception is an `Exception`, as Python does.
#[derive(Debug)]
pub struct BaseExceptionGroup {
    data: ExceptionData,
    exceptions: Vec<Raised>,
}

/// `ExceptionGroup(message, exceptions)`: an exception group of `Exception`s only, and
/// an `Exception` itself (`except Exception:` catches it).
///
/// ```
/// use pycoro::exceptions::{Exception, ExceptionGroup, KeyError, ValueError, exception_repr};
/// let group: Exception =
///     ExceptionGroup::new("two", vec![ValueError::new("a").into(), KeyError::new("b").into()])?.into();
/// assert_eq!(group.to_string(), "two (2 sub-exceptions)");
/// assert_eq!(exception_repr(&group), "ExceptionGroup('two', [ValueError('a'), KeyError('b')])");
/// # Ok::<(), Exception>(())
/// ```
#[derive(Debug)]
pub struct ExceptionGroup {
    data: ExceptionData,
    exceptions: Vec<Raised>,
}

impl BaseExceptionGroup {
    /// `BaseExceptionGroup(message, exceptions)`: a `ValueError` if there are none; an
    /// [`ExceptionGroup`] if all are `Exception`s.
    #[allow(clippy::new_ret_no_self)] // Python's constructor returns the subclass
    pub fn new(message: impl Into<String>, exceptions: Vec<Raised>) -> PyResult<Raised> {
        let exceptions = group_members(exceptions)?;
        let data = ExceptionData::new(vec![Object::new(message.into())]);
        Ok(if exceptions.iter().all(is_exception) {
            ExceptionGroup { data, exceptions }.into()
        } else {
            BaseExceptionGroup { data, exceptions }.into()
        })
    }
}

impl ExceptionGroup {
    /// `ExceptionGroup(message, exceptions)`: a `ValueError` if there are none, a
    /// `TypeError` if one is not an `Exception`.
    pub fn new(message: impl Into<String>, exceptions: Vec<Raised>) -> PyResult<Self> {
        let exceptions = group_members(exceptions)?;
        if !exceptions.iter().all(is_exception) {
            return Err(TypeError::new("Cannot nest BaseExceptions in an ExceptionGroup").into());
        }
        Ok(Self {
            data: ExceptionData::new(vec![Object::new(message.into())]),
            exceptions,
        })
    }
}

macro_rules! groups {
    ($($name:ident($($base:ty),*);)*) => {$(
        impl $name {
            /// `eg.message`.
            pub fn message(&self) -> String {
                self.data.args()[0].str()
            }

            /// `eg.exceptions`.
            pub fn exceptions(&self) -> &[Raised] {
                &self.exceptions
            }
        }

        impl Clone for $name {
            /// The same group, with copies of its exceptions.
            fn clone(&self) -> Self {
                Self {
                    data: self.data.clone(),
                    exceptions: self.exceptions.iter().map(super::class::copy).collect(),
                }
            }
        }

        crate::py_exception!(@impl $name($($base),*) module("builtins") str(None) {
            /// `message (2 sub-exceptions)`, `message (1 sub-exception)`.
            fn str(&self) -> String {
                let n = self.exceptions.len();
                let plural = if n == 1 { "" } else { "s" };
                format!("{} ({n} sub-exception{plural})", self.message())
            }

            fn repr(&self) -> String {
                let members: Vec<String> = self.exceptions.iter().map(repr).collect();
                format!("{}({}, [{}])", stringify!($name), self.data.args()[0].repr(), members.join(", "))
            }

            fn exceptions(&self) -> Option<&[Raised]> {
                Some(&self.exceptions)
            }
        });
    )*};
}

groups! {
    BaseExceptionGroup(BaseException);
    ExceptionGroup(BaseExceptionGroup, Exception);
}

/// `eg.split(condition)`: the exceptions of the group `e` that match `condition`, and
/// those that do not, each as a group of `e`'s shape (nested groups kept, with their
/// messages, causes and contexts), or `None` where there are none. A group that matches
/// as a whole goes whole to the first; an exception that is not a group is split as
/// itself.
///
/// ```
/// use pycoro::exceptions::{Exception, ExceptionExt, ExceptionGroup, KeyError, ValueError};
/// use pycoro::exceptions::{exception_repr, split};
///
/// let group: Exception =
///     ExceptionGroup::new("two", vec![ValueError::new("a").into(), KeyError::new("b").into()])?.into();
/// let (values, rest) = split(&group, |e| e.isinstance::<ValueError>());
/// assert_eq!(exception_repr(&values.unwrap()), "ExceptionGroup('two', [ValueError('a')])");
/// assert_eq!(exception_repr(&rest.unwrap()), "ExceptionGroup('two', [KeyError('b')])");
/// # Ok::<(), Exception>(())
/// ```
pub fn split(e: &Raised, condition: impl Fn(&Raised) -> bool) -> (Option<Raised>, Option<Raised>) {
    split_by(e, &condition)
}

fn split_by(e: &Raised, condition: &dyn Fn(&Raised) -> bool) -> (Option<Raised>, Option<Raised>) {
    if condition(e) {
        return (Some(copy(e)), None);
    }
    let Some(members) = object(e).and_then(|o| o.exceptions()) else {
        return (None, Some(copy(e)));
    };
    let (mut matched, mut rest) = (Vec::new(), Vec::new());
    for member in members {
        let (m, r) = split_by(member, condition);
        matched.extend(m);
        rest.extend(r);
    }
    (derive(e, matched), derive(e, rest))
}

/// `eg.derive(exceptions)`, with what `split` copies: the same message, cause and context.
fn derive(group: &Raised, exceptions: Vec<Raised>) -> Option<Raised> {
    if exceptions.is_empty() {
        return None;
    }
    let object = object(group)?;
    let message = object
        .data()
        .args()
        .first()
        .map(Object::str)
        .unwrap_or_default();
    let mut derived = BaseExceptionGroup::new(message, exceptions).ok()?;
    let data = object.data();
    if let Some(target) = object_mut(&mut derived).and_then(|o| o.data_mut()) {
        target.set_cause(data.cause().map(copy));
        if data.context().is_some() || data.context_cleared() {
            target.set_context(data.context().map(copy));
        }
        target.set_suppress_context(data.suppress_context());
        for note in data.notes() {
            target.add_note(note.clone());
        }
    }
    Some(derived)
}

/// `except* condition`: what its handler is given (the matching part of the group, or
/// an exception that is not a group and matches, wrapped in `ExceptionGroup('', [e])`),
/// and what goes on past it.
///
/// ```
/// use pycoro::exceptions::{Exception, ExceptionExt, ValueError, except_star, exception_repr};
///
/// let raised: Exception = ValueError::new("a").into();
/// let (handled, rest) = except_star(&raised, |e| e.isinstance::<ValueError>());
/// assert_eq!(exception_repr(&handled.unwrap()), "ExceptionGroup('', [ValueError('a')])");
/// assert!(rest.is_none());
/// ```
pub fn except_star(
    e: &Raised,
    condition: impl Fn(&Raised) -> bool,
) -> (Option<Raised>, Option<Raised>) {
    if object(e).and_then(|o| o.exceptions()).is_some() {
        return split_by(e, &condition);
    }
    if condition(e) {
        (BaseExceptionGroup::new("", vec![copy(e)]).ok(), None)
    } else {
        (None, Some(copy(e)))
    }
}

fn group_members(exceptions: Vec<Raised>) -> PyResult<Vec<Raised>> {
    if exceptions.is_empty() {
        return Err(
            ValueError::new("second argument (exceptions) must be a non-empty sequence").into(),
        );
    }
    Ok(exceptions.into_iter().map(pycoro_exception).collect())
}

fn is_exception(e: &Raised) -> bool {
    object(e).is_none_or(|o| o.class().is_subclass(Exception::CLASS))
}

/// `asyncio.IncompleteReadError`: the stream ended before `readexactly(n)` had `n`
/// bytes, or before `readuntil` found its separator. `partial` is what was read.
///
/// asyncio's streams build it field by field, so it stores nothing else: no `args` (its
/// `repr` is computed), no `__cause__` or `__context__` of its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncompleteReadError {
    /// The bytes read before the end of the stream.
    pub partial: Vec<u8>,
    /// How many were expected (`None`: "undefined", for `readuntil`).
    pub expected: Option<usize>,
}

impl fmt::Display for IncompleteReadError {
    /// Python's message: `3 bytes read on a total of 10 expected bytes`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Some(n) => write!(
                f,
                "{} bytes read on a total of {n} expected bytes",
                self.partial.len()
            ),
            None => write!(
                f,
                "{} bytes read on a total of undefined expected bytes",
                self.partial.len()
            ),
        }
    }
}

static NO_DATA: ExceptionData = ExceptionData::empty();

impl PyClass for IncompleteReadError {
    const CLASS: &'static Class = {
        static CLASS: Class = Class::new(
            "IncompleteReadError",
            "asyncio.exceptions",
            &[EOFError::CLASS],
            None,
        );
        &CLASS
    };
}

impl ExceptionObject for IncompleteReadError {
    fn class(&self) -> &'static Class {
        Self::CLASS
    }

    fn data(&self) -> &ExceptionData {
        &NO_DATA
    }

    fn data_mut(&mut self) -> Option<&mut ExceptionData> {
        None
    }

    fn str(&self) -> String {
        self.to_string()
    }

    fn repr(&self) -> String {
        format!(
            "IncompleteReadError({})",
            crate::trace::repr_str(&self.to_string())
        )
    }

    fn clone_exception(&self) -> Raised {
        self.clone().into()
    }

    fn downcaster(&self) -> Downcaster {
        downcaster::<Self>
    }
}

impl std::error::Error for IncompleteReadError {
    fn provide<'a>(&'a self, request: &mut std::error::Request<'a>) {
        request.provide_ref::<dyn ExceptionObject>(self);
    }
}
