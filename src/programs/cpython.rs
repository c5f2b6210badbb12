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

/// Runs the program's Python version with `python3`, or `Ok(None)` if there is no
/// `python3` on this machine.
///
/// The source is fed on stdin (`python3 -`), so the tour works from any directory;
/// output is UTF-8 whatever the locale, as the documents print Chinese.
pub fn run_python(program: &Program) -> io::Result<Option<PythonOutput>> {
    let child = Command::new("python3")
        .arg("-")
        .env("PYTHONIOENCODING", "utf-8")
        .env("PYTHONDONTWRITEBYTECODE", "1")
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
    stdin.write_all(program.python.as_bytes())?;
    drop(stdin); // EOF: python3 starts running the program
    let output = child.wait_with_output()?;
    Ok(Some(PythonOutput {
        stdout: output.stdout,
        stderr: output.stderr,
        success: output.status.success(),
    }))
}

/// Runs the Rust version in-process on `clock` and returns its trace.
pub fn run_rust(
    program: &Program,
    clock: &crate::clock::Clock,
) -> crate::exceptions::PyResult<Vec<u8>> {
    let (out, trace) = crate::trace::Out::capture();
    (program.run)(&out, clock)?;
    out.finish()?;
    Ok(trace.bytes())
}

/// Whether a Rust trace matches CPython's output as closely as the program allows
/// (PROGRAMS.md's `compare` column): the same bytes, or for a program whose threads
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
/// where a pending coroutine is (`coro=<add() running at FILE:LINE>` becomes
/// `coro=<add()>`, what pycoro prints).
pub fn mask(text: &str) -> String {
    text.lines()
        .map(|line| mask_time(&mask_running_at(&mask_addresses(line))))
        .map(|line| line + "\n")
        .collect()
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

fn mask_time(line: &str) -> String {
    for label in ["Time:", "time:", "TIME:"] {
        if let Some(value) = line.strip_prefix(label) {
            let spaces = value.len() - value.trim_start().len();
            return format!("{label}{}T", &value[..spaces]);
        }
    }
    line.to_owned()
}

fn mask_running_at(line: &str) -> String {
    let mut out = line.to_owned();
    while let Some(at) = out.find(" running at ") {
        match out[at..].find('>') {
            Some(end) => out.replace_range(at..at + end, ""),
            None => break,
        }
    }
    out
}

fn sorted_lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_hides_what_varies_and_keeps_the_rest() {
        let python = "Hello Bob! (<function current_thread at 0x7faf217fa340>)\n\
                      <Task pending name='Task-1' coro=<add() running at /x/y.py:4>>\n\
                      time:  0.0012\nTime: 4.003\n";
        assert_eq!(
            mask(python),
            "Hello Bob! (<function current_thread at 0x…>)\n\
             <Task pending name='Task-1' coro=<add()>>\ntime:  T\nTime: T\n"
        );
    }
}
