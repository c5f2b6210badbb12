//! The guided tour: `cargo run` lists the documents' programs, `cargo run -- ID`
//! runs one, `cargo run -- compare ID` sets it beside CPython.

use std::io::{self, Write};
use std::process::ExitCode;

use pycoro::exceptions::format_exception_only;
use pycoro::programs::{self, PROGRAMS, Program, REPEATS, cpython};
use similar::{ChangeTag, TextDiff};
use unicode_width::UnicodeWidthStr;

const USAGE: &str = "\
usage: cargo run                   list the documents' programs (the tour)
       cargo run -- ID             run one program (an ID or a unique prefix: s000-02)
       cargo run -- compare ID     show the Python and the Rust side by side, run both,
                                   and say whether their outputs are identical
       cargo run -- timelines      redraw the book's timeline diagrams from the programs' traces
       cargo run -- --help         this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // Not locked: a program run by the tour may print from other threads too.
    let out = &mut io::stdout();
    let status = match args.as_slice() {
        [] => list(out).map(|()| ExitCode::SUCCESS),
        ["-h" | "--help" | "help"] => writeln!(out, "{USAGE}").map(|()| ExitCode::SUCCESS),
        ["compare", name] => with_program(name, |p| compare(p, out)),
        ["timelines"] => timelines(out),
        [name] if !name.starts_with('-') && !["compare", "timelines"].contains(name) => {
            with_program(name, |p| Ok(run(p)))
        }
        _ => Ok(usage_error(&format!(
            "unexpected arguments: {}",
            args.join(" ")
        ))),
    };
    match status {
        Ok(status) => status,
        // `cargo run | head` closes the pipe early: that is the reader's choice, not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pycoro: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Redraws `book/src/generated/timelines/*.svg` from the programs' traces.
fn timelines(out: &mut impl Write) -> io::Result<ExitCode> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for path in pycoro::timeline::write_all(root)? {
        writeln!(
            out,
            "wrote {}",
            path.strip_prefix(root).unwrap_or(&path).display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("pycoro: {message}\n\n{USAGE}");
    ExitCode::from(2)
}

fn with_program(
    name: &str,
    action: impl FnOnce(&Program) -> io::Result<ExitCode>,
) -> io::Result<ExitCode> {
    if let Some(program) = programs::find(name) {
        return action(program);
    }
    let candidates: Vec<&str> = PROGRAMS
        .iter()
        .map(|p| p.id)
        .filter(|id| id.starts_with(name))
        .collect();
    Ok(usage_error(&if candidates.len() > 1 {
        format!(
            "'{name}' could be {}: give more of the ID",
            candidates.join(" or ")
        )
    } else {
        format!("no program named '{name}' (cargo run lists them all)")
    }))
}

fn list(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "pycoro: Python's coroutines, retold in running Rust\n")?;
    writeln!(
        out,
        "The programs of the five documents. Run one with `cargo run -- ID`,"
    )?;
    writeln!(
        out,
        "set it beside CPython with `cargo run -- compare ID`.\n"
    )?;
    writeln!(out, "  {:<34} {:>3}  what it shows", "ID", "gen")?;
    for p in PROGRAMS.iter().filter(|p| p.from_the_documents()) {
        writeln!(out, "  {:<34} {:>3}  {}", p.id, p.generation, p.summary)?;
    }
    for (repeat, original) in REPEATS {
        let generation = programs::find(original).map_or(0, |p| p.generation);
        writeln!(
            out,
            "  {repeat:<34} {generation:>3}  = {original} (document 004 repeats it)"
        )?;
    }
    writeln!(
        out,
        "\nBeyond the documents, asyncio's toolkit at work (the same way to run them):\n"
    )?;
    for p in PROGRAMS.iter().filter(|p| !p.from_the_documents()) {
        writeln!(out, "  {:<34} {:>3}  {}", p.id, p.generation, p.summary)?;
    }
    writeln!(
        out,
        "\nEach is also an example (`cargo run --example ID`), and the book explains it:"
    )?;
    writeln!(out, "`mdbook serve book`, then open http://localhost:3000.")?;
    Ok(())
}

fn run(program: &Program) -> ExitCode {
    programs::main(program.id)
}

fn compare(program: &Program, out: &mut impl Write) -> io::Result<ExitCode> {
    let python_file = format!("python/{}.py", program.id);
    let rust_file = format!("src/programs/{}.rs", program.id.replace('-', "_"));
    side_by_side(
        out,
        &python_file,
        program.python,
        &rust_file,
        &anchored(program.rust),
    )?;

    // The real clock, as the example: the reader sees the program take its time.
    let run = cpython::run_rust(program, &pycoro::clock::Clock::real());
    let rust = match run.error {
        None => Ok(run.trace),
        Some(e) => Err(e),
    };
    let python = match cpython::run_python(program) {
        Ok(Some(output)) => output,
        Ok(None) => {
            writeln!(out, "\npython3 is not installed: the Rust trace alone.\n")?;
            return show_rust_only(rust, out);
        }
        Err(e) => {
            eprintln!("pycoro: could not run python3: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let python_out = String::from_utf8_lossy(&python.stdout).into_owned();
    let (rust_out, rust_error) = match &rust {
        Ok(trace) => (String::from_utf8_lossy(trace).into_owned(), None),
        Err(e) => (String::new(), Some(format_exception_only(e))),
    };
    writeln!(out)?;
    side_by_side(
        out,
        "CPython 3 output",
        &python_out,
        "Rust trace",
        &rust_out,
    )?;
    if !python.success {
        writeln!(
            out,
            "\n(python3 exited with an error:)\n{}",
            String::from_utf8_lossy(&python.stderr)
        )?;
    }
    let python_error = (!python.success)
        .then(|| cpython::last_exception_line(&String::from_utf8_lossy(&python.stderr)));
    if rust_error != python_error {
        let ends = |e: &Option<String>| e.clone().unwrap_or_else(|| "normally".to_owned());
        writeln!(
            out,
            "\nverdict: differs: CPython ends {}, the Rust program {}",
            ends(&python_error),
            ends(&rust_error)
        )?;
        return Ok(ExitCode::FAILURE);
    }
    if let Some(error) = &rust_error {
        writeln!(out, "\nBoth raise {error}, as CPython 3.11 does.")?;
    }
    writeln!(out)?;
    if python_out == rust_out {
        writeln!(
            out,
            "verdict: identical ({} lines, byte for byte)",
            rust_out.lines().count()
        )?;
        Ok(ExitCode::SUCCESS)
    } else if cpython::same_output(program.compare, &python_out, &rust_out) {
        let how = match program.compare {
            programs::Compare::Lines => {
                "identical once times, addresses and ids are masked (they change from run to run)"
            }
            _ => "the same lines in another order (from threads or a set; compared by shape)",
        };
        writeln!(out, "verdict: {how}")?;
        Ok(ExitCode::SUCCESS)
    } else {
        writeln!(out, "verdict: differs (- CPython, + Rust)")?;
        for change in TextDiff::from_lines(&python_out, &rust_out).iter_all_changes() {
            let sign = match change.tag() {
                ChangeTag::Delete => '-',
                ChangeTag::Insert => '+',
                ChangeTag::Equal => ' ',
            };
            write!(out, "{sign} {change}")?;
        }
        if program.compare != programs::Compare::Exact {
            writeln!(
                out,
                "(this program prints times, addresses or set orders: see the book for what may differ)"
            )?;
        }
        Ok(ExitCode::FAILURE)
    }
}

fn show_rust_only(
    rust: pycoro::exceptions::PyResult<Vec<u8>>,
    out: &mut impl Write,
) -> io::Result<ExitCode> {
    match rust {
        Ok(trace) => out.write_all(&trace).map(|()| ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("{}", format_exception_only(&e));
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The program itself: the lines between `// ANCHOR: program` and its end, which is
/// also what the book includes.
fn anchored(source: &str) -> String {
    let body: Vec<&str> = source
        .lines()
        .skip_while(|l| !l.contains("ANCHOR: program"))
        .skip(1)
        .take_while(|l| !l.contains("ANCHOR_END: program"))
        .collect();
    if body.is_empty() {
        source.to_owned()
    } else {
        body.join("\n")
    }
}

/// Two texts in two columns, the left padded to its widest line (CJK counts double).
fn side_by_side(
    out: &mut impl Write,
    left_title: &str,
    left: &str,
    right_title: &str,
    right: &str,
) -> io::Result<()> {
    let left_lines: Vec<&str> = left.lines().collect();
    let right_lines: Vec<&str> = right.lines().collect();
    let width = left_lines
        .iter()
        .map(|l| display_width(l))
        .chain([left_title.width()])
        .max()
        .unwrap_or(0);
    let rule = |w: usize| "─".repeat(w);
    writeln!(
        out,
        "{left_title}{} │ {right_title}",
        pad(left_title, width)
    )?;
    writeln!(
        out,
        "{}─┼─{}",
        rule(width),
        rule(right_title.width().max(20))
    )?;
    for i in 0..left_lines.len().max(right_lines.len()) {
        let l = left_lines.get(i).copied().unwrap_or("");
        let r = right_lines.get(i).copied().unwrap_or("");
        writeln!(out, "{l}{} │ {r}", pad(l, width))?;
    }
    Ok(())
}

/// Terminal columns of a line; escape sequences (the documents print colours) take none.
fn display_width(line: &str) -> usize {
    pycoro::trace::strip_ansi(line).width()
}

fn pad(line: &str, width: usize) -> String {
    " ".repeat(width.saturating_sub(display_width(line)))
}
