//! CPython as the oracle, mechanically: random operation sequences on a zoo of
//! generators, run in pycoro and in CPython, and compared trace for trace.
//!
//! `cargo test differential` runs them all. The number of random sequences is
//! `PYCORO_DIFFERENTIAL_CASES` (10,000 by default, in well under a second of CPython);
//! a long run is
//!
//! ```text
//! PYCORO_DIFFERENTIAL_CASES=1000000 cargo test --release --test differential
//! ```
//!
//! and `PYCORO_DIFFERENTIAL_SEED=N` explores other sequences (the default seed is fixed,
//! so CI is deterministic). A mismatch is shrunk to a minimal case and printed as a
//! reproducer in both languages.
#![feature(coroutines)]

mod common;
#[path = "differential/zoo.rs"]
mod zoo;

use std::cell::RefCell;
use std::fmt;
use std::io::Write;
use std::process::{Command, Stdio};
use std::rc::Rc;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use common::Log;
use pycoro::exceptions::{
    Exception, GeneratorExit, PyResult, StopIteration, TypeError, ValueError, cause, context,
    exception_name, set_unraisable_hook, suppress_context,
};
use pycoro::generators::{GeneratorState, Step};
use zoo::{ZOO, py};

/// What can be thrown in: one Python exception of each interesting kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    ValueError,
    TypeError,
    MyError,
    GeneratorExit,
    StopIteration,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::ValueError,
        Kind::TypeError,
        Kind::MyError,
        Kind::GeneratorExit,
        Kind::StopIteration,
    ];

    fn exception(self) -> Exception {
        match self {
            Kind::ValueError => ValueError::new("v").into(),
            Kind::TypeError => TypeError::new("t").into(),
            Kind::MyError => zoo::MyError::new("m").into(),
            Kind::GeneratorExit => GeneratorExit::default().into(),
            Kind::StopIteration => StopIteration::new("s").into(),
        }
    }

    fn python(self) -> &'static str {
        match self {
            Kind::ValueError => "ValueError('v')",
            Kind::TypeError => "TypeError('t')",
            Kind::MyError => "MyError('m')",
            Kind::GeneratorExit => "GeneratorExit()",
            Kind::StopIteration => "StopIteration('s')",
        }
    }

    fn rust(self) -> &'static str {
        match self {
            Kind::ValueError => "ValueError::new(\"v\")",
            Kind::TypeError => "TypeError::new(\"t\")",
            Kind::MyError => "PyException::new(\"MyError\", \"m\")",
            Kind::GeneratorExit => "GeneratorExit::default()",
            Kind::StopIteration => "StopIteration::new(\"s\")",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Next,
    Send(i64),
    Throw(Kind),
    Close,
}

/// A zoo member and what is done to it; every case ends by dropping the generator.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Case {
    zoo: usize,
    ops: Vec<Op>,
}

impl Case {
    /// The case as the Python driver reads it: `[zoo, op, ..., "drop"]`.
    fn json(&self) -> String {
        let mut items = vec![self.zoo.to_string()];
        for op in &self.ops {
            items.push(match op {
                Op::Next => "\"next\"".to_string(),
                Op::Send(k) => format!("[\"send\", {k}]"),
                Op::Throw(kind) => format!("[\"throw\", \"{kind:?}\"]"),
                Op::Close => "\"close\"".to_string(),
            });
        }
        items.push("\"drop\"".to_string());
        format!("[{}]", items.join(", "))
    }
}

/// A reproducer, in both languages.
impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = ZOO[self.zoo].0;
        writeln!(f, "Python (python/differential/zoo.py):")?;
        writeln!(f, "    g = {name}()")?;
        for op in &self.ops {
            match op {
                Op::Next => writeln!(f, "    next(g)")?,
                Op::Send(k) => writeln!(f, "    g.send({k})")?,
                Op::Throw(kind) => writeln!(f, "    g.throw({})", kind.python())?,
                Op::Close => writeln!(f, "    g.close()")?,
            }
        }
        writeln!(f, "    del g")?;
        writeln!(f, "Rust (tests/differential/zoo.rs):")?;
        writeln!(f, "    let g = {name}(log.clone());")?;
        for op in &self.ops {
            match op {
                Op::Next => writeln!(f, "    g.next();")?,
                Op::Send(k) => writeln!(f, "    g.send({k});")?,
                Op::Throw(kind) => writeln!(f, "    g.throw({});", kind.rust())?,
                Op::Close => writeln!(f, "    g.close();")?,
            }
        }
        write!(f, "    drop(g);")
    }
}

fn describe(e: &Exception) -> String {
    let message = e.to_string();
    if message.is_empty() {
        exception_name(e).to_string()
    } else {
        format!("{}: {message}", exception_name(e))
    }
}

/// The exception, and the one it was raised from or while handling, if any: what
/// `raised` in `python/differential/zoo.py` prints.
fn raised(e: &Exception) -> String {
    let mut text = format!("raised {}", describe(e));
    if let Some(cause) = cause(e) {
        text += &format!(" (cause {})", describe(cause));
    } else if suppress_context(e) {
        text += " (from None)";
    } else if let Some(context) = context(e) {
        text += &format!(" (context {})", describe(context));
    }
    text
}

fn step(result: PyResult<Step<i64, Option<i64>>>) -> String {
    match result {
        Ok(Step::Yielded(y)) => format!("yielded {y}"),
        Ok(Step::Returned(r)) => format!("returned {}", py(r)),
        Err(e) => raised(&e),
    }
}

fn state_name(state: GeneratorState) -> &'static str {
    match state {
        GeneratorState::Created => "GEN_CREATED",
        GeneratorState::Running => "GEN_RUNNING",
        GeneratorState::Suspended => "GEN_SUSPENDED",
        GeneratorState::Closed => "GEN_CLOSED",
    }
}

/// The case's trace in pycoro, in the Python driver's format.
fn run_pycoro(case: &Case) -> Vec<String> {
    let log = Log::default();
    let unraisable = Rc::new(RefCell::new(Vec::new()));
    let sink = unraisable.clone();
    let previous = set_unraisable_hook(Some(Box::new(move |u| {
        let exception = u.exception.expect("a generator's report has an exception");
        sink.borrow_mut().push(format!(
            "  unraisable {}: {}",
            exception_name(exception),
            exception
        ))
    })));
    let mut trace = Vec::new();
    let drain = |trace: &mut Vec<String>| {
        trace.extend(log.take().into_iter().map(|line| format!("  log {line}")));
        trace.append(&mut unraisable.borrow_mut());
    };
    let g = (ZOO[case.zoo].1)(log.clone());
    for op in &case.ops {
        let (text, outcome) = match op {
            Op::Next => ("next".to_string(), step(g.next())),
            Op::Send(k) => (format!("send({k})"), step(g.send(*k))),
            Op::Throw(kind) => (format!("throw({kind:?})"), step(g.throw(kind.exception()))),
            Op::Close => (
                "close".to_string(),
                g.close()
                    .map_or_else(|e| raised(&e), |()| "closed".to_string()),
            ),
        };
        drain(&mut trace);
        trace.push(format!("{text} -> {outcome} [{}]", state_name(g.state())));
    }
    drop(g);
    drain(&mut trace);
    trace.push("drop -> dropped".to_string());
    set_unraisable_hook(previous);
    trace
}

/// The traces of all `cases` in CPython, from one `python3` process; `None` without python3.
fn run_cpython(cases: &[Case]) -> Option<Vec<Vec<String>>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/differential/zoo.py");
    let mut child = match Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("python3 could not be run: {e}"),
    };
    let input: String = cases.iter().map(|c| c.json() + "\n").collect();
    let mut stdin = child.stdin.take().expect("piped");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("python3 ran");
    writer.join().unwrap().expect("cases written");
    assert!(output.status.success(), "the Python driver failed");
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let traces: Vec<Vec<String>> = text
        .split_terminator("===\n")
        .map(|case| case.lines().map(str::to_string).collect())
        .collect();
    assert_eq!(traces.len(), cases.len(), "one trace per case");
    Some(traces)
}

fn skipped() {
    eprintln!("SKIPPED: python3 is not installed, so the differential tests cannot run");
}

/// Both traces, side by side, for a mismatch.
fn report(case: &Case, python: &[String], rust: &[String]) -> String {
    let width = python.iter().map(String::len).max().unwrap_or(0).max(6);
    let mut text = format!("pycoro and CPython disagree. Reproducer:\n{case}\n");
    text += &format!("{:<width$} | pycoro\n", "CPython");
    for i in 0..python.len().max(rust.len()) {
        let (p, r) = (python.get(i), rust.get(i));
        let mark = if p == r { " " } else { "!" };
        text += &format!(
            "{:<width$} |{mark}{}\n",
            p.map_or("", String::as_str),
            r.map_or("", String::as_str)
        );
    }
    text
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Next),
        3 => (-2i64..5).prop_map(Op::Send),
        2 => proptest::sample::select(Kind::ALL.to_vec()).prop_map(Op::Throw),
        1 => Just(Op::Close),
    ]
}

fn case_strategy() -> impl Strategy<Value = Case> {
    (
        0..ZOO.len(),
        proptest::collection::vec(op_strategy(), 0..10),
    )
        .prop_map(|(zoo, ops)| Case { zoo, ops })
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} must be a number"))
        })
        .unwrap_or(default)
}

fn mismatches(case: &Case) -> bool {
    let python = run_cpython(std::slice::from_ref(case)).expect("python3 ran before");
    python[0] != run_pycoro(case)
}

#[test]
fn differential_random_sequences_on_the_zoo_match_cpython() {
    let count = env_number("PYCORO_DIFFERENTIAL_CASES", 10_000) as usize;
    let seed = env_number("PYCORO_DIFFERENTIAL_SEED", 380);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = case_strategy();
    // Batches keep memory flat on a long run; each batch is one python3 process.
    let mut checked = 0;
    while checked < count {
        let batch = (count - checked).min(50_000);
        let trees: Vec<_> = (0..batch)
            .map(|_| strategy.new_tree(&mut runner).expect("a case"))
            .collect();
        let cases: Vec<Case> = trees.iter().map(ValueTree::current).collect();
        let Some(python) = run_cpython(&cases) else {
            return skipped();
        };
        for (i, expected) in python.iter().enumerate() {
            if *expected != run_pycoro(&cases[i]) {
                let minimal = shrink(trees.into_iter().nth(i).unwrap());
                let python = run_cpython(std::slice::from_ref(&minimal)).unwrap();
                panic!("{}", report(&minimal, &python[0], &run_pycoro(&minimal)));
            }
        }
        checked += batch;
    }
    eprintln!("{checked} random sequences agree with CPython (seed {seed})");
}

/// proptest's shrinking, with CPython asked about each candidate.
fn shrink(mut tree: impl ValueTree<Value = Case>) -> Case {
    let mut smallest = tree.current();
    if !tree.simplify() {
        return smallest;
    }
    loop {
        let candidate = tree.current();
        if mismatches(&candidate) {
            smallest = candidate;
            if !tree.simplify() {
                break;
            }
        } else if !tree.complicate() {
            break;
        }
    }
    smallest
}

/// Every sequence of up to three operations from a small alphabet, on every zoo member:
/// the same cases on every run, covering each shape's first few steps exhaustively.
#[test]
fn differential_every_short_sequence_on_every_zoo_member_matches_cpython() {
    let alphabet = [
        Op::Next,
        Op::Send(1),
        Op::Throw(Kind::ValueError),
        Op::Throw(Kind::GeneratorExit),
        Op::Throw(Kind::StopIteration),
        Op::Close,
    ];
    let mut sequences: Vec<Vec<Op>> = vec![vec![]];
    let mut frontier = sequences.clone();
    for _ in 0..3 {
        frontier = frontier
            .iter()
            .flat_map(|s| {
                alphabet.iter().map(move |op| {
                    let mut longer = s.clone();
                    longer.push(*op);
                    longer
                })
            })
            .collect();
        sequences.extend(frontier.iter().cloned());
    }
    let cases: Vec<Case> = (0..ZOO.len())
        .flat_map(|zoo| {
            sequences.iter().map(move |ops| Case {
                zoo,
                ops: ops.clone(),
            })
        })
        .collect();
    let Some(python) = run_cpython(&cases) else {
        return skipped();
    };
    let failures: Vec<String> = cases
        .iter()
        .zip(&python)
        .filter_map(|(case, expected)| {
            let actual = run_pycoro(case);
            (actual != *expected).then(|| report(case, expected, &actual))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree; the first:\n{}",
        failures.len(),
        cases.len(),
        failures[0]
    );
}

#[test]
fn differential_the_zoo_has_at_least_fifteen_shapes_named_as_in_python() {
    assert!(ZOO.len() >= 15);
    let python = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/differential/zoo.py"
    ))
    .unwrap();
    let listed = python
        .split("ZOO = [")
        .nth(1)
        .unwrap()
        .split(']')
        .next()
        .unwrap();
    let names: Vec<&str> = listed.split(',').map(str::trim).collect();
    let rust: Vec<&str> = ZOO.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, rust, "python/differential/zoo.py's ZOO, in order");
}
