//! The report of an exception, as CPython prints it: a traceback's last line
//! ([`format_exception_only`]), the whole report with its chained exceptions
//! ([`format_exception`]), and `sys.unraisablehook`'s report ([`write_unraisable`]).

use std::cell::RefCell;
use std::fmt;

use super::Exception;
use super::class::{object, qualify};
use super::raise::{cause, class_of, context, suppress_context};

/// The last line of a Python traceback: `ValueError: spam`, or just `GeneratorExit`
/// when `str(e)` is empty (as `traceback.format_exception_only` does). A class outside
/// `builtins` is named with its module: `asyncio.exceptions.CancelledError`. The notes
/// [`add_note`](super::add_note) added follow, a line each.
pub fn format_exception_only(e: &Exception) -> String {
    let name = match object(e) {
        Some(object) => object.qualified_name(),
        None => {
            let class = class_of(e);
            qualify(class.module(), class.name())
        }
    };
    let message = e.to_string();
    let mut line = if message.is_empty() {
        name
    } else {
        format!("{name}: {message}")
    };
    // Python 3.11's notes, each on the lines under the exception's.
    for note in super::notes(e) {
        line.push('\n');
        line.push_str(note);
    }
    line
}

const CAUSE_MESSAGE: &str =
    "\nThe above exception was the direct cause of the following exception:\n\n";
const CONTEXT_MESSAGE: &str =
    "\nDuring handling of the above exception, another exception occurred:\n\n";
const TRACEBACK: &str = "Traceback (most recent call last):\n";
const MAX_GROUP_WIDTH: usize = 15;
const MAX_GROUP_DEPTH: usize = 10;

/// The report Python prints for an uncaught exception (`traceback.format_exception`),
/// without its frame lines, which pycoro has no counterpart of: `Traceback (most recent
/// call last):` and the exception's last line, after its cause or its context, each
/// with the sentence that links it to the next:
///
/// ```
/// #![feature(coroutines)]
/// use pycoro::exceptions::{Exception, StopIteration, format_exception};
/// use pycoro::generators::Generator;
///
/// // def g(): raise StopIteration(3); yield
/// let g: Generator<()> = Generator::new(#[coroutine] |_| Err(StopIteration::new(3).into()));
/// let e: Exception = g.next().unwrap_err(); // PEP 479
/// assert_eq!(format_exception(&e), "\
/// Traceback (most recent call last):
/// StopIteration: 3
///
/// The above exception was the direct cause of the following exception:
///
/// Traceback (most recent call last):
/// RuntimeError: generator raised StopIteration
/// ");
/// ```
///
/// An exception group prints its exceptions in CPython's boxes. Every exception is
/// printed as one that was raised (with its `Traceback` line): pycoro cannot tell one
/// made and never raised, for which CPython leaves that line out.
pub fn format_exception(e: &Exception) -> String {
    let mut report = Report {
        out: String::new(),
        depth: 0,
        need_close: false,
    };
    report.exception(e);
    report.out
}

/// `traceback.TracebackException.format`, and its `_ExceptionPrintContext`.
struct Report {
    out: String,
    /// How deep in exception groups the text is (its indent).
    depth: usize,
    /// Whether the box of the group being printed still needs its bottom line.
    need_close: bool,
}

impl Report {
    /// Writes `text`, each line indented for the groups it is in, and marked by the
    /// group's margin (`|`, or `+` on the line that opens a group).
    fn emit(&mut self, text: &str, margin: char) {
        let mut prefix = " ".repeat(2 * self.depth);
        if self.depth > 0 {
            prefix.push(margin);
            prefix.push(' ');
        }
        for line in text.split_inclusive('\n') {
            self.out.push_str(&prefix);
            self.out.push_str(line);
        }
    }

    fn exception(&mut self, e: &Exception) {
        // The chain, newest first: each exception with the sentence that links it to
        // the older one, which is printed between the two.
        let mut sections: Vec<(Option<&str>, &Exception)> = Vec::new();
        let mut at = Some(e);
        while let Some(exc) = at {
            let (message, older) = match (cause(exc), context(exc)) {
                (Some(cause), _) => (Some(CAUSE_MESSAGE), Some(cause)),
                (None, Some(context)) if !suppress_context(exc) => {
                    (Some(CONTEXT_MESSAGE), Some(context))
                }
                _ => (None, None),
            };
            sections.push((message, exc));
            at = older;
        }
        for (message, exc) in sections.into_iter().rev() {
            if let Some(message) = message {
                self.emit(message, '|');
            }
            match object(exc).and_then(|o| o.exceptions()) {
                None => {
                    self.emit(TRACEBACK, '|');
                    self.emit(&format!("{}\n", format_exception_only(exc)), '|');
                }
                Some(_) if self.depth > MAX_GROUP_DEPTH => {
                    self.emit(
                        &format!("... (max_group_depth is {MAX_GROUP_DEPTH})\n"),
                        '|',
                    );
                }
                Some(members) => self.group(exc, members),
            }
        }
    }

    fn group(&mut self, exc: &Exception, members: &[Exception]) {
        let toplevel = self.depth == 0;
        if toplevel {
            self.depth += 1;
        }
        self.emit(
            "Exception Group Traceback (most recent call last):\n",
            if toplevel { '+' } else { '|' },
        );
        self.emit(&format!("{}\n", format_exception_only(exc)), '|');
        let shown = members.len().min(MAX_GROUP_WIDTH + 1);
        self.need_close = false;
        for (i, member) in members.iter().take(shown).enumerate() {
            let last = i == shown - 1;
            if last {
                self.need_close = true; // the bottom line may be written deeper down
            }
            let truncated = i >= MAX_GROUP_WIDTH;
            let title = if truncated {
                "...".to_owned()
            } else {
                (i + 1).to_string()
            };
            let corner = if i == 0 { "+-" } else { "  " };
            self.out.push_str(&format!(
                "{}{corner}+---------------- {title} ----------------\n",
                " ".repeat(2 * self.depth)
            ));
            self.depth += 1;
            if truncated {
                let remaining = members.len() - MAX_GROUP_WIDTH;
                let plural = if remaining > 1 { "s" } else { "" };
                self.emit(&format!("and {remaining} more exception{plural}\n"), '|');
            } else {
                self.exception(member);
            }
            if last && self.need_close {
                self.out.push_str(&format!(
                    "{}+------------------------------------\n",
                    " ".repeat(2 * self.depth)
                ));
                self.need_close = false;
            }
            self.depth -= 1;
        }
        if toplevel {
            self.depth -= 1;
        }
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
    /// CPython's report, less the frame lines pycoro cannot know: the message and the
    /// object, `Traceback (most recent call last):` and the exception's last line.
    /// CPython's default hook prints the exception alone, never its cause or context
    /// (unlike [`format_exception`]), and so does this.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.exception {
            Some(exception) => {
                writeln!(f, "{}: {}", self.err_msg, self.object)?;
                write!(f, "{TRACEBACK}{}", format_exception_only(exception))
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
/// assert_eq!(
///     seen.borrow()[0],
///     "Exception ignored in: <thing>\nTraceback (most recent call last):\nRuntimeError: oops"
/// );
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
