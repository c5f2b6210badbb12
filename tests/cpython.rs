//! CPython is the oracle: each program's Rust trace must equal what `python3` prints
//! for the repository's Python version (`python/ID.py`): byte for byte; or once times
//! and addresses are masked (`Compare::Lines`); or, where threads or Python's sets give
//! another order, line for line in some order (`Compare::Shape`).
#![feature(coroutines)]

use pycoro::clock::Clock;
use pycoro::exceptions::format_exception_only;
use pycoro::programs::PROGRAMS;
use pycoro::programs::cpython::{run_python, run_rust, same_output};

#[test]
fn every_rust_trace_equals_cpython_output_as_closely_as_the_program_allows() {
    let programs: Vec<_> = PROGRAMS.iter().collect();
    // CPython runs on the real clock (the programs sleep), so all at once.
    let outputs: Vec<_> = std::thread::scope(|scope| {
        let runs: Vec<_> = programs
            .iter()
            .map(|program| scope.spawn(|| run_python(program)))
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("no panic"))
            .collect()
    });
    let mut compared = 0;
    for (program, python) in programs.iter().zip(outputs) {
        let Some(mut python) = python.expect("python3 could not be run") else {
            eprintln!("SKIPPED: python3 is not installed, so the CPython comparison cannot run");
            return;
        };
        if String::from_utf8_lossy(&python.stderr).contains("No module named 'aiohttp'") {
            eprintln!(
                "SKIPPED: {}: aiohttp is not installed (pip install aiohttp), so CPython cannot run it",
                program.id
            );
            continue;
        }
        let rust = run_rust(program, &Clock::new_virtual());
        // CPython runs on the real clock, and a loaded machine can change what a
        // timing-sensitive program prints: s003-04's two one-second timers fire in one
        // pass of the loop unless epoll's millisecond rounding falls between them. The
        // Rust side is deterministic; CPython gets two more runs before a mismatch counts.
        let mut verdict = compare(program, &python, &rust);
        for _ in 0..2 {
            if verdict.is_ok() {
                break;
            }
            python = run_python(program)
                .expect("python3 ran before")
                .expect("python3");
            verdict = compare(program, &python, &rust);
        }
        if let Err(mismatch) = verdict {
            panic!("{mismatch}");
        }
        compared += 1;
    }
    assert!(compared >= 15, "only {compared} programs compared");
}

/// Whether `rust` ends as CPython's run did and prints what it printed, as closely as
/// the program's `compare` asks; the mismatch, explained, if not.
fn compare(
    program: &pycoro::programs::Program,
    python: &pycoro::programs::cpython::PythonOutput,
    rust: &pycoro::programs::cpython::RustRun,
) -> Result<(), String> {
    // A program may be meant to fail (s002-05 on Python 3.11): then both must raise
    // the same exception, as the last line of CPython's traceback shows it.
    let python_error = (!python.success).then(|| {
        let stderr = String::from_utf8_lossy(&python.stderr);
        pycoro::programs::cpython::last_exception_line(&stderr)
    });
    let rust_error = rust.error.as_ref().map(format_exception_only);
    if rust_error != python_error {
        return Err(format!(
            "{}: the Rust program ends with {rust_error:?}, CPython with {python_error:?}",
            program.id
        ));
    }
    let (rust, python) = (
        String::from_utf8_lossy(&rust.trace),
        String::from_utf8_lossy(&python.stdout),
    );
    if same_output(program.compare, &python, &rust) {
        Ok(())
    } else {
        Err(format!(
            "{}: the Rust trace differs from CPython's output ({:?} comparison):\n{rust}\n---\n{python}",
            program.id, program.compare
        ))
    }
}

/// Runs one of `python/rules/*.py`, whose asserts state what the book says CPython does.
fn rules_hold_on_cpython(file: &str) {
    let rules = format!("{}/python/rules/{file}", env!("CARGO_MANIFEST_DIR"));
    match std::process::Command::new("python3").arg(&rules).output() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("SKIPPED: python3 is not installed, so the CPython rules cannot run");
        }
        Err(e) => panic!("python3 could not be run: {e}"),
        Ok(output) => assert!(
            output.status.success(),
            "a rule in {file} does not hold on CPython:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

#[test]
fn the_generation_1_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("generators.py");
}

#[test]
fn the_delegation_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("yield_from.py");
}

#[test]
fn the_tree_walk_the_book_shows_holds_on_cpython() {
    rules_hold_on_cpython("tree_walk.py");
}

#[test]
fn the_cancellation_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("cancellation.py");
}

#[test]
fn the_task_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("tasks.py");
}

#[test]
fn the_gather_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("gather.py");
}

#[test]
fn the_timer_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("timers.py");
}

#[test]
fn the_toolkit_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("toolkit.py");
}

#[test]
fn the_types_coroutine_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("types_coroutine.py");
}

#[test]
fn the_aiohttp_limits_the_book_states_hold_where_aiohttp_is_installed() {
    rules_hold_on_cpython("aiohttp_limits.py");
}

/// What `python3` prints for `source` (run from stdin), or `None` without `python3`.
fn python_prints(source: &str) -> Option<String> {
    python_output(source).map(|(stdout, _)| stdout)
}

/// What `python3` prints for `source` to stdout and to stderr.
fn python_output(source: &str) -> Option<(String, String)> {
    use std::io::Write;
    let child = std::process::Command::new("python3")
        .arg("-")
        .env("PYTHONIOENCODING", "utf-8")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("SKIPPED: python3 is not installed, so the CPython comparison cannot run");
            return None;
        }
        child => child.expect("python3 could not be run"),
    };
    let mut stdin = child.stdin.take().expect("stdin was piped");
    stdin.write_all(source.as_bytes()).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python3 failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some((
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    ))
}

#[test]
fn every_builtin_exception_class_has_cpythons_name_module_and_mro() {
    use pycoro::exceptions::builtins::CLASSES;
    let names: Vec<&str> = CLASSES.iter().map(|c| c.name()).collect();
    let source = format!(
        "import asyncio, builtins\n\
         for name in {names:?}:\n\
         \x20   cls = getattr(builtins, name, None) or getattr(asyncio, name)\n\
         \x20   print(name, cls.__module__, *[c.__name__ for c in cls.__mro__[:-1]])\n"
    );
    let Some(python) = python_prints(&source) else {
        return;
    };
    let rust: String = CLASSES
        .iter()
        .map(|class| {
            let mro: Vec<&str> = class.mro().iter().map(|c| c.name()).collect();
            format!("{} {} {}\n", class.name(), class.module(), mro.join(" "))
        })
        .collect();
    assert_eq!(rust, python);
}

/// CPython's report with its frame lines taken out: the lines that start with two spaces
/// (inside an exception group's box, two spaces after its margin `| `), but not the box's
/// own lines (`+-+----`).
fn without_frame_lines(report: &str) -> String {
    report
        .split_inclusive('\n')
        .filter(|line| {
            let body = match line.trim_start().strip_prefix(['|', '+']) {
                Some(rest) if rest.starts_with(' ') => &rest[1..],
                _ => line,
            };
            !body.starts_with("  ") || body.trim_start().starts_with("+-")
        })
        .collect()
}

// ANCHOR: format_exception_python
const REPORTS_PY: &str = r#"
import asyncio, traceback

def report(f):
    try:
        f()
    except BaseException as e:
        print("".join(traceback.format_exception(e)), end="=====\n")

def plain(): raise ValueError("x")
def empty(): raise ValueError()
def key(): raise KeyError("k")
def pep_479():
    def g():
        raise StopIteration(3)
        yield
    next(g())
def cause():
    try:
        raise KeyError("k")
    except KeyError as e:
        raise RuntimeError("no key") from e
def context():
    try:
        raise KeyError("k")
    except KeyError:
        raise ValueError("bad")
def from_none():
    try:
        raise KeyError("k")
    except KeyError:
        raise ValueError("bad") from None
def three():
    try:
        try:
            raise KeyError("a")
        except KeyError as e:
            raise ValueError("b") from e
    except ValueError:
        raise TypeError("c")
def close():
    def g():
        try:
            yield 1
        except GeneratorExit:
            raise ValueError("on close")
    gen = g()
    next(gen)
    gen.close()
def cancelled():
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt:
        raise asyncio.CancelledError("stop")
def group():
    def raised(e):
        try:
            raise e
        except BaseException as caught:
            return caught
    chained = raised(ValueError("inner"))
    try:
        raise chained
    except ValueError:
        member = raised(TypeError("t"))
    inner = raised(ExceptionGroup("inner", [raised(OSError(2, "No such file"))]))
    raise ExceptionGroup("outer", [member, inner, raised(KeyError("k"))])

for f in [plain, empty, key, pep_479, cause, context, from_none, three, close, cancelled, group]:
    report(f)
"#;
// ANCHOR_END: format_exception_python

#[test]
fn format_exception_prints_cpythons_report_less_its_frame_lines() {
    #![allow(clippy::redundant_closure)]
    use pycoro::exceptions::{
        CancelledError, Exception, ExceptionGroup, GeneratorExit, KeyError, KeyboardInterrupt,
        OSError, PyResult, Raise, RuntimeError, StopIteration, TypeError, ValueError,
        format_exception,
    };
    use pycoro::generators::Generator;
    use pycoro::yield_;

    let Some(python) = python_prints(REPORTS_PY) else {
        return;
    };
    let raised = |e: Exception| e;
    let pep_479 = || {
        let g: Generator<()> = Generator::new(
            #[coroutine]
            |_| Err(StopIteration::new(3).into()),
        );
        g.next().unwrap_err()
    };
    let close = || {
        let g: Generator<i32> = Generator::new(
            #[coroutine]
            |_| match yield_!(1) {
                Err(exit) if exit.is::<GeneratorExit>() => {
                    Err(ValueError::new("on close").during(&exit))
                }
                other => other.map(drop),
            },
        );
        g.next().unwrap();
        g.close().unwrap_err()
    };
    let group = || -> PyResult<Exception> {
        let chained: Exception = ValueError::new("inner").into();
        let member = TypeError::new("t").during(&chained);
        let inner = ExceptionGroup::new("inner", vec![OSError::from_errno(2, "No such file")])?;
        let members = vec![member, inner.into(), KeyError::new("k").into()];
        Ok(ExceptionGroup::new("outer", members)?.into())
    };
    let reports: Vec<Exception> = vec![
        raised(ValueError::new("x").into()),
        raised(ValueError::default().into()),
        raised(KeyError::new("k").into()),
        pep_479(),
        RuntimeError::new("no key").raise_from(raised(KeyError::new("k").into())),
        ValueError::new("bad").during(&KeyError::new("k").into()),
        ValueError::new("bad")
            .during(&KeyError::new("k").into())
            .raise_from(None),
        TypeError::new("c")
            .during(&ValueError::new("b").raise_from(raised(KeyError::new("a").into()))),
        close(),
        CancelledError::new("stop").during(&KeyboardInterrupt::default().into()),
        group().unwrap(),
    ];
    let rust: String = reports
        .iter()
        .map(|e| format_exception(e) + "=====\n")
        .collect();
    assert_eq!(rust, without_frame_lines(&python));
}

const UNRAISABLE_PY: &str = r#"
import gc
def ignores():
    try:
        yield
    except GeneratorExit:
        yield
def raises():
    try:
        yield
    finally:
        raise ValueError("in finally")
def stops():
    try:
        yield
    finally:
        raise StopIteration(3)
def from_none():
    try:
        yield
    except GeneratorExit:
        raise KeyError("k") from None
for f in (ignores, raises, stops, from_none):
    g = f()
    next(g)
    del g
    gc.collect()
"#;

#[test]
fn an_exception_nobody_can_catch_is_reported_as_cpythons_unraisable_hook_reports_it() {
    use pycoro::exceptions::{
        GeneratorExit, KeyError, Raise, StopIteration, ValueError, set_unraisable_hook,
    };
    use pycoro::generators::Generator;
    use pycoro::programs::cpython::mask_unstable;
    use pycoro::yield_;
    use std::{cell::RefCell, rc::Rc};

    let Some((_, python)) = python_output(UNRAISABLE_PY) else {
        return;
    };
    fn ignores() -> Generator<'static, ()> {
        Generator::new(
            #[coroutine]
            |_| loop {
                let _ = yield_!();
            },
        )
    }
    fn raises() -> Generator<'static, ()> {
        Generator::new(
            #[coroutine]
            |_| {
                let exit = yield_!().err();
                Err(ValueError::new("in finally").during(&exit.unwrap()))
            },
        )
    }
    fn stops() -> Generator<'static, ()> {
        Generator::new(
            #[coroutine]
            |_| {
                let exit = yield_!().err();
                Err(StopIteration::new(3).during(&exit.unwrap()))
            },
        )
    }
    fn from_none() -> Generator<'static, ()> {
        Generator::new(
            #[coroutine]
            |_| match yield_!() {
                Err(exit) if exit.is::<GeneratorExit>() => {
                    Err(KeyError::new("k").during(&exit).raise_from(None))
                }
                other => other.map(drop),
            },
        )
    }
    let reports = Rc::new(RefCell::new(String::new()));
    let sink = reports.clone();
    let previous = set_unraisable_hook(Some(Box::new(move |u| {
        sink.borrow_mut().push_str(&format!("{u}\n"))
    })));
    for f in [ignores, raises, stops, from_none] {
        let g = f();
        g.next().unwrap();
        drop(g);
    }
    set_unraisable_hook(previous);
    assert_eq!(
        mask_unstable(&reports.borrow()),
        mask_unstable(&without_frame_lines(&python))
    );
}

const SHARED_SUB_PY: &str = r#"
import inspect

def sub():
    yield 1
    yield 2
    return 'sub done'

def delegator(s):
    r = yield from s
    print('yield from gave', r)
    yield 3

s = sub()
d = delegator(s)
print(next(d), inspect.getgeneratorstate(s))
s.close()                                   # closed from outside
print(next(d), inspect.getgeneratorstate(s))
s = sub()
d = delegator(s)
print(next(d), next(s))                     # the caller drives the shared sub too
try:
    next(s)                                 # it finishes: StopIteration('sub done')
except StopIteration as e:
    print('sub returned', e.value, inspect.getgeneratorstate(s))
print(next(d), inspect.getgeneratorstate(d))
"#;

#[test]
fn a_shared_sub_generator_finished_or_closed_from_outside_ends_yield_from_with_none() {
    use pycoro::exceptions::{PyResult, StopIteration};
    use pycoro::generators::Generator;
    use pycoro::trace::{OrNone, Out};
    use pycoro::{pyprint, yield_, yield_from};
    use std::rc::Rc;

    let Some(python) = python_prints(SHARED_SUB_PY) else {
        return;
    };
    fn sub() -> Rc<Generator<'static, i32, (), Option<&'static str>>> {
        Rc::new(Generator::new(
            #[coroutine]
            |_| {
                yield_!(1)?;
                yield_!(2)?;
                Ok(Some("sub done"))
            },
        ))
    }
    fn delegator(
        out: Out,
        s: Rc<Generator<'static, i32, (), Option<&'static str>>>,
    ) -> Generator<'static, i32> {
        Generator::new(
            #[coroutine]
            move |_| {
                let r = yield_from!(s)?;
                pyprint!(out, "yield from gave {}", OrNone(&r));
                yield_!(3)?;
                Ok(())
            },
        )
    }
    let (out, trace) = Out::capture();
    let run = || -> PyResult<()> {
        let s = sub();
        let d = delegator(out.clone(), s.clone());
        pyprint!(out, "{} {}", d.next()?.yielded()?, s.state());
        s.close()?;
        pyprint!(out, "{} {}", d.next()?.yielded()?, s.state());
        let s = sub();
        let d = delegator(out.clone(), s.clone());
        pyprint!(out, "{} {}", d.next()?.yielded()?, s.next()?.yielded()?);
        match s.next().and_then(pycoro::generators::Step::yielded) {
            Err(e) if e.is::<StopIteration>() => {
                let stop = e.downcast_ref::<StopIteration>().unwrap();
                let value = stop.value().map_or("None".to_owned(), |v| v.str());
                pyprint!(out, "sub returned {value} {}", s.state());
            }
            other => panic!("no StopIteration: {other:?}"),
        }
        pyprint!(out, "{} {}", d.next()?.yielded()?, d.state());
        Ok(())
    };
    run().unwrap();
    assert_eq!(trace.text(), python);
}

#[test]
fn a_values_str_and_repr_are_cpythons() {
    use pycoro::exceptions::{Exception, KeyError, StopIteration, ValueError};
    use pycoro::value::Value;

    // Each case: the Python expression, and the Rust value.
    let cases: Vec<(&str, Value)> = vec![
        ("None", Value::None),
        ("True", true.into()),
        ("False", false.into()),
        ("0", 0.into()),
        ("-5", (-5).into()),
        ("2**62", (1i64 << 62).into()),
        ("0.1", 0.1.into()),
        ("1.0", 1.0.into()),
        ("-0.0", (-0.0).into()),
        ("1e16", 1e16.into()),
        ("1e15", 1e15.into()),
        ("1e-05", 1e-5.into()),
        ("0.0001", 0.0001.into()),
        ("1.5e-7", 1.5e-7.into()),
        ("123456789.125", 123456789.125.into()),
        ("1/3", (1.0 / 3.0).into()),
        ("1e22", 1e22.into()),
        ("5e-324", 5e-324.into()),
        ("float('inf')", f64::INFINITY.into()),
        ("float('-inf')", f64::NEG_INFINITY.into()),
        ("float('nan')", f64::NAN.into()),
        ("'hello'", "hello".into()),
        ("''", "".into()),
        ("\"it's\"", "it's".into()),
        ("'say \"hi\"'", "say \"hi\"".into()),
        ("'both \\' and \"'", "both ' and \"".into()),
        ("'tab\\tnew\\nline\\r\\\\'", "tab\tnew\nline\r\\".into()),
        (
            "'\\x00\\x07\\x1b\\x7f\\x80\\x9f'",
            "\u{0}\u{7}\u{1b}\u{7f}\u{80}\u{9f}".into(),
        ),
        ("'é中文 ü'", "é中文 ü".into()),
        (
            "'\\xa0\\xad\\u2028\\u200b\\ufeff'",
            "\u{a0}\u{ad}\u{2028}\u{200b}\u{feff}".into(),
        ),
        (
            "'\\ue000\\U0010fffd\\U0001f600'",
            "\u{e000}\u{10fffd}\u{1f600}".into(),
        ),
        ("b''", Value::bytes(*b"")),
        ("b'abc'", Value::bytes(*b"abc")),
        ("b\"it's\"", Value::bytes(*b"it's")),
        ("b'both \\' and \"'", Value::bytes(*b"both ' and \"")),
        (
            "b'\\x00\\xff\\n\\t\\r\\\\'",
            Value::bytes(*b"\x00\xff\n\t\r\\"),
        ),
        ("()", Value::Tuple(vec![])),
        ("(1,)", (1,).into()),
        ("(1, 'a', None)", (1, "a", ()).into()),
        ("[]", Value::list(Vec::<i32>::new())),
        (
            "[1, [2, (3.5,)]]",
            Value::list([Value::from(1), Value::list([Value::from(2), (3.5,).into()])]),
        ),
        ("{}", Value::Dict(vec![])),
        (
            "{'a': 1, 'b': [None, True]}",
            Value::dict([
                ("a", Value::from(1)),
                ("b", Value::list([Value::None, true.into()])),
            ]),
        ),
        (
            "{1: 'x', 2.5: b'y', (1,): {}}",
            Value::dict([
                (Value::from(1), Value::from("x")),
                (2.5.into(), Value::bytes(*b"y")),
                ((1,).into(), Value::Dict(vec![])),
            ]),
        ),
        (
            "{'a': 1, 'b': 2, 'a': 3}",
            Value::dict([("a", 1), ("b", 2), ("a", 3)]),
        ),
        (
            "ValueError('x')",
            Exception::from(ValueError::new("x")).into(),
        ),
        (
            "ValueError()",
            Exception::from(ValueError::default()).into(),
        ),
        ("KeyError('k')", Exception::from(KeyError::new("k")).into()),
        (
            "StopIteration(3)",
            Exception::from(StopIteration::new(3)).into(),
        ),
        (
            "(StopIteration('a b'), [KeyError(1)])",
            (
                Value::from(Exception::from(StopIteration::new("a b"))),
                Value::list([Value::from(Exception::from(KeyError::new(1)))]),
            )
                .into(),
        ),
    ];
    let expressions: Vec<&str> = cases.iter().map(|(python, _)| *python).collect();
    let source = format!(
        "for value in [{}]:\n    print(repr(value))\n    print(str(value))\n",
        expressions.join(", ")
    );
    let Some(python) = python_prints(&source) else {
        return;
    };
    let rust: String = cases
        .iter()
        .map(|(_, value)| format!("{}\n{value}\n", value.repr()))
        .collect();
    for ((python, rust), (expression, _)) in python
        .lines()
        .zip(rust.lines())
        .zip(cases.iter().flat_map(|case| [case, case]))
    {
        assert_eq!(rust, python, "{expression}");
    }
    assert_eq!(rust, python);
}

#[test]
fn an_exception_that_escapes_a_program_is_reported_as_cpython_reports_it() {
    // s002-05 ends with asyncio.wait's TypeError on CPython 3.11, and so does its example.
    let program = pycoro::programs::find("s002-05-hello-wait").unwrap();
    let Some(python) = run_python(program).expect("python3 could not be run") else {
        eprintln!("SKIPPED: python3 is not installed, so the CPython comparison cannot run");
        return;
    };
    // CPython's report, less its frame lines (two spaces in) and what follows it (a
    // RuntimeWarning about the coroutine never awaited).
    let stderr = String::from_utf8_lossy(&python.stderr);
    let report: String = stderr
        .lines()
        .skip_while(|line| !line.starts_with("Traceback"))
        .filter(|line| !line.starts_with("  "))
        .take_while(|line| !line.starts_with("sys:"))
        .map(|line| format!("{line}\n"))
        .collect();
    let rust = run_rust(program, &Clock::new_virtual());
    let error = rust
        .error
        .expect("the Rust program ends with the TypeError too");
    assert_eq!(pycoro::exceptions::format_exception(&error), report);
    assert!(report.starts_with("Traceback (most recent call last):\nTypeError: "));
}

#[test]
fn the_async_generator_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("async_generators.py");
}

#[test]
fn the_context_manager_rules_the_book_shows_hold_on_cpython() {
    rules_hold_on_cpython("context_managers.py");
}

#[test]
fn the_stream_rules_hold_on_cpython() {
    rules_hold_on_cpython("streams.py");
}

#[test]
fn the_exception_rules_hold_on_cpython() {
    rules_hold_on_cpython("exceptions.py");
}
