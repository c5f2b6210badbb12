//! Running the Python originals under CPython, the oracle.

use std::io::{self, Write};
use std::process::{Command, Stdio};

use super::Program;

/// What CPython printed for a program.
pub struct PythonOutput {
    /// Its stdout, as bytes.
    pub stdout: Vec<u8>,
    /// Its stderr (warnings, tracebacks).
    pub stderr: Vec<u8>,
    /// Whether it exited with status 0.
    pub success: bool,
}

/// Runs the program's Python version with `python3`, or `Ok(None)` if `python3` is not
/// installed.
///
/// The source is fed on stdin (`python3 -`), so the tour works from any directory;
/// output is UTF-8 whatever the locale, as the documents print Chinese.
pub fn run_python(program: &Program) -> io::Result<Option<PythonOutput>> {
    run_python_source(program.python)
}

/// Runs `source` with `python3` as [`run_python`] runs a program's Python version (the
/// exercises' `solution.py` too), or `Ok(None)` if `python3` is not installed.
pub fn run_python_source(source: &str) -> io::Result<Option<PythonOutput>> {
    let child = Command::new("python3")
        .arg("-")
        .env("PYTHONIOENCODING", "utf-8")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // Buffered, as a pipe is by default: unbuffered, every `print` is two system
        // calls that let go of the GIL between text and newline, and s003-03's two
        // executor threads then print `a startb start` on a loaded machine.
        .env_remove("PYTHONUNBUFFERED")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut stdin = child.stdin.take().expect("stdin was piped");
    stdin.write_all(source.as_bytes())?;
    drop(stdin); // EOF: python3 starts running the program
    let output = child.wait_with_output()?;
    Ok(Some(PythonOutput {
        stdout: output.stdout,
        stderr: output.stderr,
        success: output.status.success(),
    }))
}

/// What the Rust version of a program did: what it printed, and the exception it
/// raised, if it raised one (s002-05 must: CPython 3.11 does).
pub struct RustRun {
    /// Its stdout.
    pub trace: Vec<u8>,
    /// When each line of `trace` was printed: the loop's pass and time, if a loop ran.
    pub stamps: Vec<Option<crate::trace::Stamp>>,
    /// The exception that ended it.
    pub error: Option<crate::exceptions::Exception>,
}

impl RustRun {
    /// The trace, and the exception as the last line of a traceback, if there is one:
    /// what a snapshot records.
    pub fn transcript(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.trace).into_owned();
        if let Some(e) = &self.error {
            text.push_str(&format!(
                "[raised] {}\n",
                crate::exceptions::format_exception_only(e)
            ));
        }
        text
    }
}

/// Runs the Rust version in-process on `clock`.
pub fn run_rust(program: &Program, clock: &crate::clock::Clock) -> RustRun {
    let (out, trace) = crate::trace::Out::capture();
    let result = (program.run)(&out, clock).and_then(|()| Ok(out.finish()?));
    RustRun {
        trace: trace.bytes(),
        stamps: trace.stamps(),
        error: result.err(),
    }
}

/// Whether a Rust trace matches CPython's output as closely as the program allows
/// (the program's [`Compare`](super::Compare)): the same bytes, or for a program whose threads
/// may finish in either order, the same lines in some order.
pub fn same_output(compare: super::Compare, python: &str, rust: &str) -> bool {
    match compare {
        super::Compare::Exact => python == rust,
        super::Compare::Lines => mask(python) == mask(rust),
        super::Compare::Shape => {
            let (python, rust) = (mask(python), mask(rust));
            sorted_lines(&python) == sorted_lines(&rust)
        }
    }
}

/// What varies from run to run in a program's output, replaced by a placeholder:
/// addresses (`0x7f…` becomes `0x…`), the number after `Time:`/`time:`/`TIME:`, and
/// where a task's coroutine is (`coro=<add() running at FILE:LINE>` and
/// `coro=<add() done, defined at FILE:LINE>` become `coro=<add()>`, what pycoro prints).
pub fn mask(text: &str) -> String {
    text.lines()
        .map(|line| {
            mask_task_set(line)
                .unwrap_or_else(|| mask_time(&mask_running_at(&mask_addresses(line))))
        })
        .map(|line| line + "\n")
        .collect()
}

/// What changes from run to run even on the virtual clock: addresses (`0x…`) and
/// `id()`s (integers of 9 digits or more, `N`). What a snapshot masks.
pub fn mask_unstable(text: &str) -> String {
    mask_addresses(text)
        .split_inclusive('\n')
        .map(mask_long_integers)
        .collect()
}

fn mask_long_integers(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        out.push_str(&rest[..start]);
        let digits = rest[start..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(rest.len() - start, |n| n);
        let number = &rest[start..start + digits];
        out.push_str(if digits >= 9 { "N" } else { number });
        rest = &rest[start + digits..];
    }
    out.push_str(rest);
    out
}

/// A printed set of tasks (`{<Task pending ...>, ...}`, s002-10): Python's reprs
/// say more (`wait_for=`, `cb=`) and its set order varies, so only the count is kept.
fn mask_task_set(line: &str) -> Option<String> {
    line.starts_with("{<Task")
        .then(|| format!("{{{} tasks}}", line.matches("<Task ").count()))
}

/// `0x7faf217fa340` -> `0x…`.
pub fn mask_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("0x") {
        out.push_str(&rest[..at]);
        let digits = rest[at + 2..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .count();
        if digits == 0 {
            out.push_str("0x");
        } else {
            out.push_str("0x…");
        }
        rest = &rest[at + 2 + digits..];
    }
    out.push_str(rest);
    out
}

/// The number after each `Time:`, `time:`, `TIME:` or `time=` becomes `T`; then any
/// integer of 9 digits or more (an `id()`) becomes `N`.
fn mask_time(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    'scan: while !rest.is_empty() {
        for label in ["Time:", "time:", "TIME:", "time="] {
            if let Some(after) = rest.strip_prefix(label) {
                let spaces = after.len() - after.trim_start().len();
                let number = after[spaces..]
                    .find(|c: char| !(c.is_ascii_digit() || ".e+-".contains(c)))
                    .unwrap_or(after.len() - spaces);
                out.push_str(label);
                out.push_str(&after[..spaces]);
                if number > 0 {
                    out.push('T');
                }
                rest = &after[spaces + number..];
                continue 'scan;
            }
        }
        let next = rest.chars().next().map_or(1, char::len_utf8);
        out.push_str(&rest[..next]);
        rest = &rest[next..];
    }
    mask_long_integers(&out)
}

/// Where a task's coroutine is, which pycoro cannot know: ` running at FILE:LINE` (a
/// pending task's) and ` done, defined at FILE:LINE` (a finished one's) are cut up to the
/// `>` after `:LINE` (FILE may be `<stdin>`).
fn mask_running_at(line: &str) -> String {
    [" running at ", " done, defined at "]
        .iter()
        .fold(line.to_owned(), |line, needle| cut_location(line, needle))
}

/// `needle` and the `FILE:LINE` after it, wherever a `>` follows `:LINE`.
fn cut_location(line: String, needle: &str) -> String {
    let mut out = line;
    let mut from = 0;
    while let Some(found) = out[from..].find(needle) {
        let at = from + found;
        let end = out[at..].char_indices().find_map(|(i, c)| {
            if c != ':' {
                return None;
            }
            let tail = &out[at + i + 1..];
            let digits = tail
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(tail.len());
            (digits > 0 && tail[digits..].starts_with('>')).then_some(i + 1 + digits)
        });
        match end {
            Some(end) => out.replace_range(at..at + end, ""),
            None => from = at + 1,
        }
    }
    out
}

fn sorted_lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    lines
}

/// The `Name: message` line that ends a Python traceback on stderr (warnings may come
/// after it).
pub fn last_exception_line(stderr: &str) -> String {
    stderr
        .lines()
        .rev()
        .find(|line| {
            let name = line.split(':').next().unwrap_or_default();
            !name.is_empty()
                && !name.contains("Warning")
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                && name.chars().next().is_some_and(char::is_uppercase)
        })
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_hides_what_varies_and_keeps_the_rest() {
        let python = "Hello Bob! (<function current_thread at 0x7faf217fa340>)\n\
                      <Task pending name='Task-1' coro=<add() running at <stdin>:4>>\n\
                      <Task finished name='t' coro=<f() done, defined at /tmp/a.py:4> result=10>\n\
                      time:  0.0012\nTime: 4.003\nHello world:  time= 17955.12\n\
                      id diff:  140572515671824 140572515671824\n";
        assert_eq!(
            mask(python),
            "Hello Bob! (<function current_thread at 0x…>)\n\
             <Task pending name='Task-1' coro=<add()>>\n\
             <Task finished name='t' coro=<f()> result=10>\ntime:  T\nTime: T\n\
             Hello world:  time= T\nid diff:  N N\n"
        );
    }
}
