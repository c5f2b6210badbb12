//! Python's exceptions as Rust error values.
//!
//! Python raises; Rust returns `Err`. pycoro's exceptions are [`anyhow::Error`] values
//! ([`Exception`]) that hold small hand-written types named after Python's built-in
//! exceptions, so a generator body throws any error type and a caller catches by type:
//!
//! ```
//! use pycoro::exceptions::{Exception, ValueError, format_exception_only};
//!
//! let e: Exception = ValueError::new("spam").into();
//! assert!(e.is::<ValueError>());          // except ValueError:
//! assert_eq!(e.to_string(), "spam");     // print(e)
//! assert_eq!(format_exception_only(&e), "ValueError: spam"); // a traceback's last line
//! ```
//!
//! Book: "Generation 1: generators", section "Exceptions".

use std::cell::RefCell;
use std::fmt;

/// A raised Python exception: any error type, boxed.
///
/// `anyhow::Error` is to Rust what `BaseException` is to Python: anything can be
/// raised, and `is::<T>()` / `downcast_ref::<T>()` play the part of `except T`.
pub type Exception = anyhow::Error;

/// What a Python call returns: its value, or the exception it raised.
pub type PyResult<T> = Result<T, Exception>;

macro_rules! builtin_exceptions {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Default, PartialEq, Eq)]
            pub struct $name {
                message: String,
            }

            impl $name {
                #[doc = concat!("`", stringify!($name), "(message)`; `Display` prints the message, as Python's `str(e)` does.")]
                pub fn new(message: impl Into<String>) -> Self {
                    Self { message: message.into() }
                }

                /// What `str(e)` prints.
                pub fn message(&self) -> &str {
                    &self.message
                }
            }

            impl fmt::Display for $name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str(&self.message)
                }
            }

            impl std::error::Error for $name {}
        )*

        /// The Python name of a pycoro built-in exception, if `e` is one.
        fn builtin_name(e: &Exception) -> Option<&'static str> {
            $(
                if e.is::<$name>() {
                    return Some(stringify!($name));
                }
            )*
            None
        }

        /// A copy of `e` if it is a pycoro built-in exception.
        fn clone_builtin(e: &Exception) -> Option<Exception> {
            $(
                if let Some(e) = e.downcast_ref::<$name>() {
                    return Some(e.clone().into());
                }
            )*
            None
        }
    };
}

builtin_exceptions! {
    /// Raised by `next`/`send` on a finished generator. In Python it also carries a
    /// generator's return value; pycoro hands that out as `Step::Returned` instead,
    /// so a `StopIteration` seen as an error never has one, unless user code made it.
    StopIteration,
    /// Raised at the suspension point by `close()`. Like Python's, it is not an
    /// error of the generator: letting it escape the body closes the generator quietly.
    GeneratorExit,
    /// `generator ignored GeneratorExit`, `generator raised StopIteration`, a loop already running, ...
    RuntimeError,
    /// `generator already executing`, and the user's own bad values.
    ValueError,
    /// `can't send non-None value to a just-started generator`, and wrong types.
    TypeError,
    /// Raised when an object lacks a method, e.g. `send` on a plain iterator behind `yield from`.
    AttributeError,
    /// Raised by the event loops for a future's result asked too early, or set twice.
    InvalidStateError,
    /// A task or future was cancelled.
    CancelledError,
    /// A timeout expired (`wait_for`).
    TimeoutError,
    /// Ctrl+C (SIGINT).
    KeyboardInterrupt,
    /// Memory could not be had: a stackful coroutine's stack could not be mapped.
    MemoryError,
    /// An operating-system error without a more precise class (`errno`).
    OSError,
    /// `connect()` to a port nobody listens on (`ECONNREFUSED`).
    ConnectionRefusedError,
    /// The peer reset the connection (`ECONNRESET`).
    ConnectionResetError,
    /// Writing to a connection whose peer has gone (`EPIPE`).
    BrokenPipeError,
    /// `readuntil` found no separator within the stream's limit.
    LimitOverrunError,
}

/// `asyncio.IncompleteReadError`: the stream ended before `readexactly(n)` had `n`
/// bytes, or before `readuntil` found its separator. `partial` is what was read.
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

impl std::error::Error for IncompleteReadError {}

/// An exception with a name chosen at run time: `PyException::new("MyError", "bad")`
/// is Python's `class MyError(Exception): ...; raise MyError("bad")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyException {
    name: String,
    message: String,
}

impl PyException {
    /// An exception of class `name` with `str(e) == message`.
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            message: message.into(),
        }
    }

    /// The class name, as `type(e).__name__`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for PyException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PyException {}

/// `type(e).__name__`: the Python class name of an exception.
///
/// pycoro's own exception types answer with their names; an `std::io::Error` is
/// Python's `OSError`; any other Rust error is a plain `Exception`.
///
/// ```
/// use pycoro::exceptions::{exception_name, PyException, TypeError};
/// assert_eq!(exception_name(&TypeError::new("x").into()), "TypeError");
/// assert_eq!(exception_name(&PyException::new("MyError", "x").into()), "MyError");
/// ```
pub fn exception_name(e: &Exception) -> &str {
    if let Some(name) = builtin_name(e) {
        name
    } else if e.is::<IncompleteReadError>() {
        "IncompleteReadError"
    } else if let Some(custom) = e.downcast_ref::<PyException>() {
        custom.name()
    } else if e.is::<std::io::Error>() {
        "OSError"
    } else {
        "Exception"
    }
}

/// The same exception again, for raising it a second time: a future's `result()`
/// raises its exception to every caller, and `anyhow::Error` cannot be cloned.
///
/// pycoro's own exception types are copied exactly; any other error becomes a
/// [`PyException`] with the same name and message.
pub fn clone_exception(e: &Exception) -> Exception {
    clone_builtin(e)
        .or_else(|| e.downcast_ref::<PyException>().map(|p| p.clone().into()))
        .or_else(|| {
            e.downcast_ref::<IncompleteReadError>()
                .map(|p| p.clone().into())
        })
        .unwrap_or_else(|| PyException::new(exception_name(e), e.to_string()).into())
}

/// An `io::Error` as Python names it: `ConnectionResetError: [Errno 104] Connection reset by peer`.
pub(crate) fn os_error(e: std::io::Error) -> Exception {
    let message = match e.raw_os_error() {
        Some(errno) => format!("[Errno {errno}] {}", strerror(&e)),
        None => e.to_string(),
    };
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => ConnectionRefusedError::new(message).into(),
        std::io::ErrorKind::ConnectionReset => ConnectionResetError::new(message).into(),
        std::io::ErrorKind::BrokenPipe => BrokenPipeError::new(message).into(),
        _ => OSError::new(message).into(),
    }
}

/// `Connection reset by peer (os error 104)` -> `Connection reset by peer`.
fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// `repr(e)`: `ValueError('x')`, or `CancelledError()` when the message is empty.
pub fn exception_repr(e: &Exception) -> String {
    let message = e.to_string();
    if message.is_empty() {
        format!("{}()", exception_name(e))
    } else {
        format!(
            "{}({})",
            exception_name(e),
            crate::trace::repr_str(&message)
        )
    }
}

/// The last line of a Python traceback: `ValueError: spam`, or just `GeneratorExit`
/// when `str(e)` is empty (as `traceback.format_exception_only` does).
pub fn format_exception_only(e: &Exception) -> String {
    let message = e.to_string();
    if message.is_empty() {
        exception_name(e).to_owned()
    } else {
        format!("{}: {message}", exception_name(e))
    }
}

/// An exception that could not be raised to anyone, as Python's `sys.unraisablehook`
/// receives it: an error during a generator's close at collection time, say.
pub struct Unraisable<'a> {
    /// `Exception ignored in`
    pub err_msg: &'a str,
    /// The repr of the object involved, e.g. `<generator object consumer at 0x…>`; in a
    /// report without an exception, the line asyncio prints about it (`task: <Task …>`).
    pub object: &'a str,
    /// What was raised, if anything was: asyncio's `Task was destroyed but it is
    /// pending!` reports a task, not an exception.
    pub exception: Option<&'a Exception>,
}

impl fmt::Display for Unraisable<'_> {
    /// CPython's report, less the traceback lines pycoro cannot know.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.exception {
            Some(exception) => {
                writeln!(f, "{}: {}", self.err_msg, self.object)?;
                write!(f, "{}", format_exception_only(exception))
            }
            None => write!(f, "{}\n{}", self.err_msg, self.object),
        }
    }
}

type Hook = Box<dyn Fn(&Unraisable<'_>)>;

thread_local! {
    // Generators are not `Send`, so their unraisable errors happen on the thread
    // that owns them: a per-thread hook is the one a test can replace safely.
    static UNRAISABLE_HOOK: RefCell<Option<Hook>> = const { RefCell::new(None) };
}

/// Replaces this thread's `sys.unraisablehook`; `None` restores the default, which
/// prints the report to stderr. Returns the previous hook.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use pycoro::exceptions::{set_unraisable_hook, write_unraisable, RuntimeError};
///
/// let seen = Rc::new(RefCell::new(Vec::new()));
/// let sink = seen.clone();
/// set_unraisable_hook(Some(Box::new(move |u| sink.borrow_mut().push(u.to_string()))));
/// write_unraisable("Exception ignored in", "<thing>", &RuntimeError::new("oops").into());
/// set_unraisable_hook(None);
/// assert_eq!(seen.borrow()[0], "Exception ignored in: <thing>\nRuntimeError: oops");
/// ```
pub fn set_unraisable_hook(hook: Option<Hook>) -> Option<Hook> {
    UNRAISABLE_HOOK.with(|h| h.replace(hook))
}

/// Reports an exception nobody can catch, through the hook (stderr by default).
pub fn write_unraisable(err_msg: &str, object: &str, exception: &Exception) {
    report(Unraisable {
        err_msg,
        object,
        exception: Some(exception),
    });
}

/// Reports, through the same hook, something lost that raised nothing: asyncio's
/// `Task was destroyed but it is pending!`.
pub(crate) fn write_unraisable_message(err_msg: &str, object: &str) {
    report(Unraisable {
        err_msg,
        object,
        exception: None,
    });
}

fn report(report: Unraisable<'_>) {
    // The hook is taken out while it runs, so a hook that itself reports does not
    // re-enter the RefCell (it gets the default instead).
    let hook = UNRAISABLE_HOOK.with(|h| h.borrow_mut().take());
    match &hook {
        Some(hook) => hook(&report),
        None => eprintln!("{report}"),
    }
    UNRAISABLE_HOOK.with(|h| {
        let mut slot = h.borrow_mut();
        if slot.is_none() {
            *slot = hook;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_message_prints_only_the_name() {
        assert_eq!(
            format_exception_only(&GeneratorExit::default().into()),
            "GeneratorExit"
        );
    }

    #[test]
    fn foreign_errors_have_python_names() {
        let io = std::io::Error::other("disk on fire");
        assert_eq!(format_exception_only(&io.into()), "OSError: disk on fire");
        let any = anyhow::anyhow!("plain");
        assert_eq!(format_exception_only(&any), "Exception: plain");
    }
}
