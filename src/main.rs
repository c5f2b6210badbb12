//! The guided tour: `cargo run` lists the documents' programs, `cargo run -- ID`
//! runs one, `cargo run -- compare ID` sets it beside CPython, and
//! `cargo run -- exercises` lists the exercises, each run beside CPython too.
#![feature(coroutines)]

use std::io::{self, Write};
use std::process::ExitCode;

use pycoro::clock::Clock;
use pycoro::exceptions::{PyResult, format_exception_only};
use pycoro::programs::{self, Compare, PROGRAMS, Program, REPEATS, cpython};
use similar::{ChangeTag, TextDiff};
use unicode_width::UnicodeWidthStr;

#[path = "../exercises/mod.rs"]
mod exercises;

use exercises::{EXERCISES, Exercise};

const USAGE: &str = "\
usage: cargo run                   list the documents' programs (the tour)
       cargo run -- ID             run one program (an ID or a unique prefix: s000-02)
       cargo run -- compare ID     show the Python and the Rust side by side, run both,
                                   and say whether their outputs are identical
       cargo run -- timelines      redraw the book's timeline diagrams from the programs' traces
       cargo run -- exercises      list the exercises (exercises/NN-slug/README.md)
       cargo run -- exercises NN   run exercise NN's solution beside CPython, with a verdict
       cargo run -- exercises NN start
                                   run your start.rs for exercise NN beside CPython
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
        ["exercises"] => list_exercises(out).map(|()| ExitCode::SUCCESS),
        ["exercises", number] => with_exercise(number, |e| exercise(e, Side::Solution, out)),
        ["exercises", number, "start"] => with_exercise(number, |e| exercise(e, Side::Start, out)),
        [name]
            if !name.starts_with('-') && !["compare", "timelines", "exercises"].contains(name) =>
        {
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
        "\nBeyond the documents, pycoro's own: asyncio's toolkit, async generators and context\n\
         managers at work (the same way to run them):\n"
    )?;
    for p in PROGRAMS.iter().filter(|p| !p.from_the_documents()) {
        writeln!(out, "  {:<34} {:>3}  {}", p.id, p.generation, p.summary)?;
    }
    writeln!(
        out,
        "\nEach is also an example (`cargo run --example ID`), and the book explains it:"
    )?;
    writeln!(out, "`mdbook serve book`, then open http://localhost:3000.")?;
    writeln!(
        out,
        "\nTo practise: `cargo run -- exercises` lists {} exercises.",
        EXERCISES.len()
    )?;
    Ok(())
}

fn run(program: &Program) -> ExitCode {
    programs::main(program.id)
}

fn compare(program: &Program, out: &mut impl Write) -> io::Result<ExitCode> {
    let sides = Sides {
        python_file: format!("python/{}.py", program.id),
        python: program.python,
        rust_file: format!("src/programs/{}.rs", program.id.replace('-', "_")),
        rust: anchored(program.rust),
        compare: program.compare,
    };
    // The real clock, as the example: the reader sees the program take its time.
    let run = || {
        let run = cpython::run_rust(program, &Clock::real());
        match run.error {
            None => Ok(run.trace),
            Some(e) => Err(e),
        }
    };
    compare_sides(&sides, run, out)
}

/// What `compare` sets side by side, runs, and judges.
struct Sides<'a> {
    python_file: String,
    python: &'a str,
    rust_file: String,
    rust: String,
    compare: Compare,
}

/// Shows the Python and the Rust side by side, runs both, shows their outputs side by
/// side, and gives the verdict (the exit status says whether they agree).
fn compare_sides(
    sides: &Sides,
    run_rust: impl FnOnce() -> PyResult<Vec<u8>>,
    out: &mut impl Write,
) -> io::Result<ExitCode> {
    side_by_side(
        out,
        &sides.python_file,
        sides.python,
        &sides.rust_file,
        &sides.rust,
    )?;

    let rust = run_rust();
    let python = match cpython::run_python_source(sides.python) {
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
    } else if cpython::same_output(sides.compare, &python_out, &rust_out) {
        let how = match sides.compare {
            Compare::Lines => {
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
        if sides.compare != Compare::Exact {
            writeln!(
                out,
                "(this program prints times, addresses or set orders: see the book for what may differ)"
            )?;
        }
        Ok(ExitCode::FAILURE)
    }
}

/// Which of an exercise's Rust files to run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Solution,
    Start,
}

fn list_exercises(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "pycoro's exercises, one folder each in exercises/.\n")?;
    writeln!(
        out,
        "Read exercises/NN-slug/README.md (the task, and a hint), work in its start.rs,"
    )?;
    writeln!(
        out,
        "then `cargo run -- exercises NN start` runs your start.rs beside CPython's output"
    )?;
    writeln!(
        out,
        "of solution.py; `cargo run -- exercises NN` does the same with the solution.\n"
    )?;
    writeln!(out, "  {:<2} {:>3}  exercise", "NN", "gen")?;
    for e in EXERCISES {
        writeln!(
            out,
            "  {} {:>3}  {}: {}",
            e.number, e.generation, e.slug, e.title
        )?;
    }
    writeln!(
        out,
        "\nThe book's Exercises chapter has them all, with their solutions."
    )?;
    Ok(())
}

fn with_exercise(
    number: &str,
    action: impl FnOnce(&Exercise) -> io::Result<ExitCode>,
) -> io::Result<ExitCode> {
    match exercises::find(number) {
        Some(exercise) => action(exercise),
        None => Ok(usage_error(&format!(
            "no exercise numbered '{number}' (cargo run -- exercises lists them)"
        ))),
    }
}

/// Runs an exercise's solution, or the reader's start, beside CPython. On a virtual
/// clock: exact, instant, and a loop that could only hang says so instead.
fn exercise(exercise: &Exercise, side: Side, out: &mut impl Write) -> io::Result<ExitCode> {
    let dir = exercise.dir();
    writeln!(
        out,
        "exercise {} (Generation {}): {}\n  the task: {dir}/README.md\n",
        exercise.number, exercise.generation, exercise.title
    )?;
    let (file, source, run) = match side {
        Side::Solution => ("solution.rs", exercise.solution_rs, exercise.solution),
        Side::Start => ("start.rs", exercise.start_rs, exercise.start),
    };
    let sides = Sides {
        python_file: format!("{dir}/solution.py"),
        python: exercise.python,
        rust_file: format!("{dir}/{file}"),
        rust: without_anchors(source),
        compare: exercise.compare,
    };
    let run_rust = || {
        let (trace_out, trace) = pycoro::trace::Out::capture();
        // A start.rs still has its todo!()s: say so, rather than show a panic.
        let previous_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run(&trace_out, &Clock::new_virtual())
        }));
        std::panic::set_hook(previous_hook);
        let result = match result {
            Ok(result) => result.and_then(|()| Ok(trace_out.finish()?)),
            Err(payload) => {
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                Err(
                    pycoro::exceptions::RuntimeError::new(format!("{file} panicked: {message}"))
                        .into(),
                )
            }
        };
        result.map(|()| trace.bytes())
    };
    compare_sides(&sides, run_rust, out)
}

/// A file as the reader has it, without the book's `// ANCHOR` lines.
fn without_anchors(source: &str) -> String {
    source
        .lines()
        .filter(|l| !l.trim_start().starts_with("// ANCHOR"))
        .collect::<Vec<_>>()
        .join("\n")
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
