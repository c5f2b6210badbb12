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
        super::Compare::Exact | super::Compare::Lines => python == rust,
        super::Compare::Shape => sorted_lines(python) == sorted_lines(rust),
    }
}

fn sorted_lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    lines
}
