//! [`Out`]: where a program's `print` goes.
//!
//! Python's `print` writes to one shared `sys.stdout`, from the driver and from every
//! generator body alike. [`Out`] is that shared stream for a Rust program: a cheap
//! handle that each generator body captures, writing to stdout in an example and to a
//! buffer in a test, so the trace a test snapshots is the one the example prints.
//!
//! ```
//! use pycoro::{pyprint, trace::Out};
//!
//! let mut buffer = Vec::new();
//! let out = Out::new(&mut buffer);
//! let n = 1;
//! pyprint!(out, "[PRODUCER] Producing {n}...");
//! out.finish()?;
//! drop(out); // it borrows the buffer
//! assert_eq!(buffer, b"[PRODUCER] Producing 1...\n");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::cell::RefCell;
use std::fmt;
use std::io::{self, Write};
use std::rc::Rc;

/// A shared, cloneable output stream (Python's `sys.stdout`).
///
/// Writing never fails at the call site, as `print` in a generator body should read;
/// the first I/O error is kept and [`Out::finish`] returns it.
#[derive(Clone)]
pub struct Out<'w> {
    inner: Rc<RefCell<Inner<'w>>>,
}

struct Inner<'w> {
    writer: Box<dyn Write + 'w>,
    error: Option<io::Error>,
}

impl<'w> Out<'w> {
    /// Prints to `writer`.
    pub fn new(writer: impl Write + 'w) -> Self {
        Self {
            inner: Rc::new(RefCell::new(Inner {
                writer: Box::new(writer),
                error: None,
            })),
        }
    }

    /// `print(...)`: writes one formatted line. Use [`pyprint!`](crate::pyprint).
    pub fn println(&self, args: fmt::Arguments<'_>) {
        let mut inner = self.inner.borrow_mut();
        if inner.error.is_none() {
            // A line at a time, flushed, so that a trace interleaves correctly with
            // anything else writing to the same terminal (threads, stderr).
            let result = writeln!(inner.writer, "{args}").and_then(|()| inner.writer.flush());
            if let Err(e) = result {
                inner.error = Some(e);
            }
        }
    }

    /// The first write error, if any, and flushes.
    pub fn finish(&self) -> io::Result<()> {
        let mut inner = self.inner.borrow_mut();
        match inner.error.take() {
            Some(e) => Err(e),
            None => inner.writer.flush(),
        }
    }
}

/// `print(...)` to an [`Out`]: `pyprint!(out, "format", args...)`.
#[macro_export]
macro_rules! pyprint {
    ($out:expr) => {
        $out.println(format_args!(""))
    };
    ($out:expr, $($arg:tt)*) => {
        $out.println(format_args!($($arg)*))
    };
}

/// Displays an `Option` as Python prints an optional value: the value, or `None`.
///
/// ```
/// use pycoro::trace::OrNone;
/// assert_eq!(OrNone(&Some("hi")).to_string(), "hi");
/// assert_eq!(OrNone(&None::<&str>).to_string(), "None");
/// ```
pub struct OrNone<'v, T>(pub &'v Option<T>);

impl<T: fmt::Display> fmt::Display for OrNone<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(value) => value.fmt(f),
            None => f.write_str("None"),
        }
    }
}
