//! [`Out`]: where a program's `print` goes.
//!
//! Python's `print` writes to one shared `sys.stdout`, from the driver and from every
//! generator body alike. [`Out`] is that shared stream for a Rust program: a cheap
//! handle that each generator body (or executor thread) captures, writing to stdout in
//! an example and to memory in a test, so the trace a test snapshots is the one the example prints.
//!
//! ```
//! use pycoro::{pyprint, trace::Out};
//!
//! let (out, captured) = Out::capture();
//! let n = 1;
//! pyprint!(out, "[PRODUCER] Producing {n}...");
//! out.finish()?;
//! assert_eq!(captured.text(), "[PRODUCER] Producing 1...\n");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::cell::Cell;
use std::fmt;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

/// A shared, cloneable output stream (Python's `sys.stdout`).
///
/// It is `Send`: generator bodies print through it, and so do the threads of an
/// executor. Writing never fails at the call site, as `print` should read; the first
/// I/O error is kept and [`Out::finish`] returns it.
#[derive(Clone)]
pub struct Out {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    writer: Box<dyn Write + Send>,
    error: Option<io::Error>,
    /// Where a captured stream keeps each line's [`Stamp`].
    stamps: Option<Arc<Mutex<Vec<Option<Stamp>>>>>,
}

/// When a line was printed: the pass of the event loop running on the printing thread
/// (counted from 1 as the loop runs), and the loop's time then. The book's timelines
/// mark the passes with it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stamp {
    /// The loop's pass (one `_run_once`).
    pub pass: u64,
    /// `loop.time()` when the line was printed.
    pub time: f64,
}

/// What tells when a line is printed: the running loop's pass and time, if any.
pub(crate) type Stamper = fn() -> Option<Stamp>;

std::thread_local! {
    // Set by an event loop while it runs on this thread: what stamps a captured line.
    static STAMPER: Cell<Option<Stamper>> = const { Cell::new(None) };
}

/// Makes `stamper` tell when lines printed on this thread were printed (an event loop sets
/// it while it runs); gives the one it replaces.
pub(crate) fn set_stamper(stamper: Option<Stamper>) -> Option<Stamper> {
    STAMPER.replace(stamper)
}

/// The bytes an [`Out::capture`] stream has received, and when each line came.
#[derive(Clone, Default)]
pub struct Captured {
    bytes: Arc<Mutex<Vec<u8>>>,
    stamps: Arc<Mutex<Vec<Option<Stamp>>>>,
}

impl Captured {
    /// Everything printed so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// For each line printed so far, the loop pass and time it was printed at, if a loop
    /// was running on the printing thread.
    pub fn stamps(&self) -> Vec<Option<Stamp>> {
        self.stamps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Everything printed so far, as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Out {
    /// Prints to `writer`.
    pub fn new(writer: impl Write + Send + 'static) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                writer: Box::new(writer),
                error: None,
                stamps: None,
            })),
        }
    }

    /// Prints to the process's stdout (what an example uses).
    pub fn stdout() -> Self {
        Self::new(io::stdout())
    }

    /// Prints into memory (what a test uses): the stream, and a handle to read it.
    pub fn capture() -> (Self, Captured) {
        let captured = Captured::default();
        let out = Self::new(captured.clone());
        out.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stamps = Some(captured.stamps.clone());
        (out, captured)
    }

    /// `print(...)`: writes one formatted line. Use [`pyprint!`](crate::pyprint).
    pub fn println(&self, args: fmt::Arguments<'_>) {
        // A panic elsewhere while printing leaves the stream usable: it holds bytes,
        // not an invariant.
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(stamps) = &inner.stamps {
            let lines = 1 + fmt::format(args).matches('\n').count();
            let stamp = STAMPER.get().and_then(|stamper| stamper());
            let mut stamps = stamps.lock().unwrap_or_else(PoisonError::into_inner);
            stamps.extend(std::iter::repeat_n(stamp, lines));
        }
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
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
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

/// Python's `repr` of a string: `'it'`, or `"it's"` when it holds a single quote and no
/// double quote; `\\`, `\n`, `\r`, `\t` escaped, and any other character Python does not
/// print as `\xNN`, `\uNNNN` or `\UNNNNNNNN` (CPython's `unicode_repr`).
///
/// ```
/// use pycoro::trace::repr_str;
/// assert_eq!(repr_str("Done after 1s"), "'Done after 1s'");
/// assert_eq!(repr_str("it's"), "\"it's\"");
/// assert_eq!(repr_str("a\nb"), "'a\\nb'");
/// assert_eq!(repr_str("\u{7}\u{a0}é"), "'\\x07\\xa0é'");
/// ```
pub fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c => escape_char(&mut out, c),
        }
    }
    out.push(quote);
    out
}

/// `\xNN`, `\uNNNN` or `\UNNNNNNNN`, as Python's `repr` writes a character it does not print.
fn escape_char(out: &mut String, c: char) {
    use std::fmt::Write as _;
    let code = u32::from(c);
    // Writing to a String cannot fail.
    let _ = match code {
        0..=0xff => write!(out, "\\x{code:02x}"),
        0x100..=0xffff => write!(out, "\\u{code:04x}"),
        _ => write!(out, "\\U{code:08x}"),
    };
}

/// Python's `str.isprintable()` for one character: not a control, format, private-use,
/// separator (other than the space) or unassigned character.
///
/// ASCII is exact. Beyond it, Rust's standard library has no Unicode category table, so
/// this lists the ranges of those categories that text meets (C1 controls, the
/// no-break and other spaces, the format characters, line and paragraph separators,
/// private use, noncharacters and the unassigned planes 4 to 13); a code point left
/// unassigned elsewhere is printed as it is, where CPython would escape it.
pub fn is_printable(c: char) -> bool {
    let code = u32::from(c);
    if code < 0x7f {
        return code >= 0x20;
    }
    !matches!(
        code,
        0x7f..=0xa0
            | 0xad
            | 0x600..=0x605
            | 0x61c
            | 0x6dd
            | 0x70f
            | 0x890..=0x891
            | 0x8e2
            | 0x1680
            | 0x180e
            | 0x2000..=0x200f
            | 0x2028..=0x202f
            | 0x205f..=0x2064
            | 0x2066..=0x206f
            | 0x3000
            | 0xd800..=0xf8ff
            | 0xfdd0..=0xfdef
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0x110bd
            | 0x110cd
            | 0x13430..=0x1343f
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0x40000..=0xdffff
            | 0xe0000..=0xe00ff
            | 0xe01f0..=0x10ffff
    ) && code & 0xfffe != 0xfffe
}

/// Python's `repr` of a float: the shortest digits that read back as the same number,
/// in positional notation from `0.0001` to `1e16` (exclusive), in exponent notation
/// (`1e+16`, `1.5e-05`) outside it, and `inf`, `-inf`, `nan`.
///
/// ```
/// use pycoro::trace::repr_float;
/// assert_eq!(repr_float(0.1), "0.1");
/// assert_eq!(repr_float(1.0), "1.0");
/// assert_eq!(repr_float(1e16), "1e+16");
/// assert_eq!(repr_float(1e-5), "1e-05");
/// assert_eq!(repr_float(-0.0), "-0.0");
/// assert_eq!(repr_float(f64::NAN), "nan");
/// ```
pub fn repr_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest round-trip digits too: `-1.5e-5`, `1e16`, `0e0`.
    let scientific = format!("{x:e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` writes an exponent");
    let exponent: i32 = exponent.parse().expect("the exponent is an integer");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::from(sign);
    if (-4..16).contains(&exponent) {
        if exponent >= 0 {
            let point = exponent as usize + 1;
            if digits.len() > point {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            } else {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', point - digits.len()));
                out.push_str(".0");
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exponent - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        out.push_str(&format!("e{exponent_sign}{:02}", exponent.abs()));
    }
    out
}

/// Python's `repr()` of a value, for task and future reprs (`result=3`,
/// `result='Done after 1s'`, `result=None`), and its `str()`.
///
/// Integers, `f64`, `bool`, `()` (`None`), strings, `Option`, `Vec` (a list), tuples of
/// 1 to 6 items, and a [`PyResult`](crate::exceptions::PyResult) (the value, or the
/// exception object) have one:
///
/// ```
/// use pycoro::exceptions::{PyResult, ValueError};
/// use pycoro::trace::PyRepr;
///
/// assert_eq!((1,).py_repr(), "(1,)");
/// assert_eq!((1, "a").py_repr(), "(1, 'a')");
/// assert_eq!(("a", "b").py_str(), "('a', 'b')"); // str(('a', 'b')): the items' reprs
/// assert_eq!(vec![(3, 20.0)].py_repr(), "[(3, 20.0)]");
/// // print([10, ValueError('x'), None])
/// let results: Vec<PyResult<Option<i32>>> =
///     vec![Ok(Some(10)), Err(ValueError::new("x").into()), Ok(None)];
/// assert_eq!(results.py_repr(), "[10, ValueError('x'), None]");
/// ```
pub trait PyRepr {
    /// What `repr(value)` prints.
    fn py_repr(&self) -> String;

    /// What `str(value)` prints: the repr, unless the type says otherwise (a string is
    /// itself, without quotes).
    fn py_str(&self) -> String {
        self.py_repr()
    }
}

macro_rules! repr_as_display {
    ($($ty:ty),*) => {$(
        impl PyRepr for $ty {
            fn py_repr(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

repr_as_display!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

impl PyRepr for f64 {
    fn py_repr(&self) -> String {
        repr_float(*self) // 1.0, not 1; 1e+16, not 1e16
    }
}

impl PyRepr for bool {
    fn py_repr(&self) -> String {
        if *self { "True" } else { "False" }.to_owned()
    }
}

impl PyRepr for () {
    fn py_repr(&self) -> String {
        "None".to_owned()
    }
}

impl PyRepr for str {
    fn py_repr(&self) -> String {
        repr_str(self)
    }

    fn py_str(&self) -> String {
        self.to_owned()
    }
}

impl PyRepr for String {
    fn py_repr(&self) -> String {
        repr_str(self)
    }

    fn py_str(&self) -> String {
        self.clone()
    }
}

impl<T: PyRepr + ?Sized> PyRepr for &T {
    fn py_repr(&self) -> String {
        (**self).py_repr()
    }

    fn py_str(&self) -> String {
        (**self).py_str()
    }
}

impl<T: PyRepr> PyRepr for Option<T> {
    fn py_repr(&self) -> String {
        self.as_ref()
            .map_or_else(|| "None".to_owned(), PyRepr::py_repr)
    }

    fn py_str(&self) -> String {
        self.as_ref()
            .map_or_else(|| "None".to_owned(), PyRepr::py_str)
    }
}

impl<T: PyRepr> PyRepr for Vec<T> {
    fn py_repr(&self) -> String {
        let items: Vec<String> = self.iter().map(PyRepr::py_repr).collect();
        format!("[{}]", items.join(", "))
    }
}

// A tuple of 1 to 6 items: `(1,)`, `(1, 'a')`. Its `str` is its repr, as in Python
// (`str(('a',))` is `('a',)`: the items are shown by their repr).
macro_rules! repr_tuple {
    ($($t:ident $i:tt),+) => {
        /// A tuple: `(1,)`, `(1, 'a')`; its `str` is its repr.
        impl<$($t: PyRepr),+> PyRepr for ($($t,)+) {
            fn py_repr(&self) -> String {
                let items = [$(self.$i.py_repr()),+];
                if items.len() == 1 {
                    format!("({},)", items[0])
                } else {
                    format!("({})", items.join(", "))
                }
            }
        }
    };
}

repr_tuple!(A 0);
repr_tuple!(A 0, B 1);
repr_tuple!(A 0, B 1, C 2);
repr_tuple!(A 0, B 1, C 2, D 3);
repr_tuple!(A 0, B 1, C 2, D 3, E 4);
repr_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);

/// `text` without its terminal escape sequences (the documents print colours): what a
/// reader sees, to measure or to draw.
///
/// ```
/// assert_eq!(pycoro::trace::strip_ansi("\x1b[31mred\x1b[0m!"), "red!");
/// ```
pub fn strip_ansi(text: &str) -> String {
    let mut visible = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Skip to the end of the CSI sequence: a letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            visible.push(c);
        }
    }
    visible
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Broken;

    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "reader went away",
            ))
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn printing_never_fails_at_the_call_site_and_finish_reports_the_first_error() {
        let out = Out::new(Broken);
        crate::pyprint!(out, "lost");
        crate::pyprint!(out, "lost too");
        let e = out.finish().unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
        assert!(out.finish().is_ok(), "the error is reported once");
    }

    #[test]
    fn python_reprs_of_common_values() {
        assert_eq!(vec!["Bob", "Alice"].py_repr(), "['Bob', 'Alice']");
        assert_eq!((1.0_f64).py_repr(), "1.0");
        assert_eq!(().py_repr(), "None");
        assert_eq!(Some(true).py_repr(), "True");
    }

    #[test]
    fn tuples_are_written_as_python_writes_them() {
        // python3 -c "print((1,), (1, 'a'), str(('a', 'b')), [(3, 20.0)], ((1,), None))"
        assert_eq!((1,).py_repr(), "(1,)");
        assert_eq!((1, "a").py_repr(), "(1, 'a')");
        assert_eq!(("a", "b").py_str(), "('a', 'b')");
        assert_eq!(("a",).py_str(), "('a',)");
        assert_eq!(vec![(3, 20.0)].py_repr(), "[(3, 20.0)]");
        assert_eq!(((1,), ()).py_repr(), "((1,), None)");
        assert_eq!((1, 2, 3, 4, 5, "six").py_repr(), "(1, 2, 3, 4, 5, 'six')");
    }

    #[test]
    fn floats_and_strings_are_written_as_cpythons_repr_writes_them() {
        let floats = [
            (1e16, "1e+16"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1000000000000000.0"),
        ];
        for (x, repr) in floats {
            assert_eq!(x.py_repr(), repr);
        }
        assert_eq!(
            repr_str("\u{0}\u{1b}\u{7f}\u{2028}\u{e000}\u{f0000}"),
            "'\\x00\\x1b\\x7f\\u2028\\ue000\\U000f0000'"
        );
        assert_eq!(repr_str("both ' and \""), "'both \\' and \"'");
        assert_eq!("é中".py_repr(), "'é中'");
        assert_eq!("spam".py_str(), "spam");
    }
}
