//! Every program of the five documents, as a Rust function that prints its trace, and
//! a few of pycoro's own beyond them (`x01` to `x04`: asyncio's toolkit at work;
//! `x05` onwards: async generators and context managers).
//!
//! Each program is a module named after its ID (`s000-02-producer-consumer` is
//! [`s000_02_producer_consumer`]) with a `run` function that prints to an
//! [`Out`]: the example `examples/ID.rs` and the tour (`cargo run -- ID`) pass stdout,
//! the snapshot test an in-memory capture. [`PROGRAMS`]
//! lists them with their Python originals (`python/ID.py`), which the test suite runs
//! under CPython to check that both print the same bytes.
//!
//! ```
//! let (out, trace) = pycoro::trace::Out::capture();
//! pycoro::programs::s000_01_interleave::run(&out)?; // Generation 1: no clock
//! assert_eq!(trace.text(), "1\n2\nx\ny\n3\nz\n");
//! # Ok::<(), pycoro::exceptions::Exception>(())
//! ```

use std::process::ExitCode;

use crate::clock::Clock;
use crate::exceptions::{PyResult, format_exception};
use crate::substrates::Substrate;
use crate::trace::Out;

pub mod cpython;
pub mod loop_steps;
pub mod s000_01_interleave;
pub mod s000_02_producer_consumer;
pub mod s000_03_producer_consumer_init;
pub mod s001_01_counter;
pub mod s001_02_consumer_status;
pub mod s002_01_bones;
pub mod s002_02_add;
pub mod s002_03_create_task;
pub mod s002_04_done_callback;
pub mod s002_05_hello_wait;
pub mod s002_05b_hello_wait_tasks;
pub mod s002_06_nested_wait;
pub mod s002_07_gather_return;
pub mod s002_08_wait_return;
pub mod s002_09_as_completed;
pub mod s002_10_cancel_ctrl_c;
pub mod s002_11_thread_loop;
pub mod s002_12_thread_coroutines;
pub mod s003_01_tasks_concurrent;
pub mod s003_02_serial;
pub mod s003_03_run_in_executor;
pub mod s003_04_yield_from_done_task;
pub mod s004_03_hello;
pub mod s004_04_gather;
pub mod s004_05_wget;
pub mod s004_06_aiohttp_app;
pub mod three_substrates;
pub mod x01_queue_pipeline;
pub mod x02_semaphore_rate_limit;
pub mod x03_taskgroup_failing_child;
pub mod x04_timeout_slow_work;
pub mod x05_async_generator_pipeline;
pub mod x06_aclose_finally;
pub mod x07_contextmanager_timer;
pub mod x08_asynccontextmanager_connection;

/// How closely a program's output can be compared with CPython's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// The whole stdout is deterministic: byte for byte.
    Exact,
    /// Deterministic but for times, addresses or set order, which are masked.
    Lines,
    /// Only the structure is fixed (threads, real time).
    Shape,
}

/// One program of the documents.
pub struct Program {
    /// `s000-02-producer-consumer`: document 000, program 02; or
    /// `x01-queue-pipeline`: pycoro's own program 01, beyond the documents.
    pub id: &'static str,
    /// 1, 2 or 3.
    pub generation: u8,
    /// One line: what it shows.
    pub summary: &'static str,
    /// How its output compares with CPython's.
    pub compare: Compare,
    /// The book chapter that explains it.
    pub chapter: &'static str,
    /// Runs it, printing its trace; `clock` is real for the examples, virtual in tests.
    pub run: fn(&Out, &Clock) -> PyResult<()>,
    /// The repository's runnable Python 3.11 version.
    pub python: &'static str,
    /// The Rust module, as source text (for `cargo run -- compare ID`).
    pub rust: &'static str,
}

macro_rules! program {
    // Generation 1 programs do not know about time: their `run` takes no clock.
    ($id:literal, $module:ident, gen 1, $compare:ident, $chapter:literal, $summary:literal) => {
        program!(@ $id, $module, 1, $compare, $chapter, $summary, |out, _| $module::run(out))
    };
    ($id:literal, $module:ident, gen $generation:literal, $compare:ident, $chapter:literal, $summary:literal) => {
        program!(@ $id, $module, $generation, $compare, $chapter, $summary, $module::run)
    };
    (@ $id:literal, $module:ident, $generation:literal, $compare:ident, $chapter:literal, $summary:literal, $run:expr) => {
        Program {
            id: $id,
            generation: $generation,
            summary: $summary,
            compare: Compare::$compare,
            chapter: $chapter,
            run: $run,
            python: include_str!(concat!("../../python/", $id, ".py")),
            rust: include_str!(concat!(stringify!($module), ".rs")),
        }
    };
}

impl Program {
    /// Whether it is a program of the documents (`sNNN-...`), not one of pycoro's own
    /// beyond them (`xNN-...`).
    pub fn from_the_documents(&self) -> bool {
        !self.id.starts_with('x')
    }
}

/// Every program, in the order of the documents, then those beyond them.
pub static PROGRAMS: &[Program] = &[
    program!("s000-01-interleave", s000_01_interleave, gen 1, Exact, "introduction.md",
        "two routines interleaved: 1 2 x y 3 z"),
    program!("s000-02-producer-consumer", s000_02_producer_consumer, gen 1, Exact, "generation-1.md",
        "send(None) to prime, send(n) ping-pong, close()"),
    program!("s000-03-producer-consumer-init", s000_03_producer_consumer_init, gen 1, Exact, "generation-1.md",
        "the priming send returns the first value; StopIteration is caught"),
    program!("s001-01-counter", s001_01_counter, gen 1, Exact, "generation-1.md",
        "next versus send; the first send must be None"),
    program!("s001-02-consumer-status", s001_02_consumer_status, gen 1, Exact, "generation-1.md",
        "a generator that drives another; break out of for"),
    program!("s002-01-bones", s002_01_bones, gen 1, Exact, "generation-1.md",
        "one producer feeding two consumers, in colour"),
    program!("s002-02-add", s002_02_add, gen 3, Lines, "generation-3.md",
        "async def, run_until_complete; asyncio.sleep(1) never awaited"),
    program!("s002-03-create-task", s002_03_create_task, gen 3, Lines, "generation-3.md",
        "loop.create_task, the task's repr before it runs, task.result()"),
    program!("s002-04-done-callback", s002_04_done_callback, gen 3, Lines, "generation-3.md",
        "the same loop twice, ensure_future, add_done_callback"),
    program!("s002-05-hello-wait", s002_05_hello_wait, gen 3, Exact, "generation-3.md",
        "coroutines in asyncio.wait: TypeError on Python 3.11"),
    program!("s002-05b-hello-wait-tasks", s002_05b_hello_wait_tasks, gen 3, Lines, "generation-3.md",
        "the same with tasks: a coroutine that never suspends runs to its end"),
    program!("s002-06-nested-wait", s002_06_nested_wait, gen 3, Shape, "generation-3.md",
        "await asyncio.wait(tasks) inside main, then each done task"),
    program!("s002-07-gather-return", s002_07_gather_return, gen 3, Lines, "generation-3.md",
        "return await asyncio.gather(*tasks): results in argument order"),
    program!("s002-08-wait-return", s002_08_wait_return, gen 3, Shape, "generation-3.md",
        "return await asyncio.wait(tasks); the caller iterates done"),
    program!("s002-09-as-completed", s002_09_as_completed, gen 3, Lines, "generation-3.md",
        "asyncio.as_completed: results in completion order"),
    program!("s002-10-cancel-ctrl-c", s002_10_cancel_ctrl_c, gen 3, Shape, "generation-3.md",
        "Ctrl+C during run_until_complete; cancel every task; stop, run_forever, close"),
    program!("s002-11-thread-loop", s002_11_thread_loop, gen 3, Lines, "generation-3.md",
        "a loop running forever in another thread; call_soon_threadsafe"),
    program!("s002-12-thread-coroutines", s002_12_thread_coroutines, gen 3, Lines, "generation-3.md",
        "run_coroutine_threadsafe onto a loop in another thread"),
    program!("s003-01-tasks-concurrent", s003_01_tasks_concurrent, gen 2, Exact, "generation-2.md",
        "generator coroutines wrapped in tasks run concurrently"),
    program!("s003-02-serial", s003_02_serial, gen 2, Exact, "generation-2.md",
        "yield from coroutines directly: one after the other"),
    program!("s003-03-run-in-executor", s003_03_run_in_executor, gen 2, Shape, "generation-2.md",
        "blocking functions on the default thread pool"),
    program!("s003-04-yield-from-done-task", s003_04_yield_from_done_task, gen 2, Exact, "generation-2.md",
        "the open question: does yield from a done task suspend? (no)"),
    program!("s004-03-hello", s004_03_hello, gen 3, Exact, "generation-3.md",
        "asyncio.run, await asyncio.sleep(1)"),
    program!("s004-04-gather", s004_04_gather, gen 3, Lines, "generation-3.md",
        "asyncio.gather of two coroutines; results in a list"),
    program!("s004-05-wget", s004_05_wget, gen 3, Exact, "io.md",
        "open_connection, write/drain, readline: three wgets at once against local servers"),
    program!("s004-06-aiohttp-app", s004_06_aiohttp_app, gen 3, Exact, "io.md",
        "the aiohttp app: / and /{name}, what a client receives (404 for /Bob/extra)"),
    program!("x01-queue-pipeline", x01_queue_pipeline, gen 3, Exact, "toolkit.md",
        "a producer, a bounded Queue, three workers; join, then cancel the workers"),
    program!("x02-semaphore-rate-limit", x02_semaphore_rate_limit, gen 3, Exact, "toolkit.md",
        "at most three requests a second: a Semaphore whose units come back a second later"),
    program!("x03-taskgroup-failing-child", x03_taskgroup_failing_child, gen 3, Exact, "toolkit.md",
        "a TaskGroup whose child fails: the others and the block are cancelled; except* takes the ExceptionGroup apart"),
    program!("x04-timeout-slow-work", x04_timeout_slow_work, gen 3, Exact, "toolkit.md",
        "asyncio.timeout cancels slow work and raises TimeoutError; reschedule moves the deadline; wait_for"),
    program!("x05-async-generator-pipeline", x05_async_generator_pipeline, gen 3, Exact, "async-generators.md",
        "async for over async generators that await; an async comprehension with a condition"),
    program!("x06-aclose-finally", x06_aclose_finally, gen 3, Exact, "async-generators.md",
        "aclose() runs a finally that awaits; asyncio.run closes a generator left suspended"),
    program!("x07-contextmanager-timer", x07_contextmanager_timer, gen 1, Exact, "async-generators.md",
        "a @contextmanager timer: the with block runs at its yield; one raises through it, one is suppressed"),
    program!("x08-asynccontextmanager-connection", x08_asynccontextmanager_connection, gen 3, Exact, "async-generators.md",
        "an @asynccontextmanager connection that awaits to open and to close; two tasks, one block raises"),
];

/// A program's `run_on`: runs it with its generators on the given substrate.
pub type RunOn = fn(&Out, Substrate) -> PyResult<()>;

/// The producer/consumer programs, runnable on any substrate: `(id, run_on)`. Each
/// prints the same trace on all three, the one in its snapshot.
pub static ON_EVERY_SUBSTRATE: &[(&str, RunOn)] = &[
    (
        "s000-02-producer-consumer",
        s000_02_producer_consumer::run_on,
    ),
    (
        "s000-03-producer-consumer-init",
        s000_03_producer_consumer_init::run_on,
    ),
];

/// Programs that a later document repeats word for word: `(id, same as)`.
pub static REPEATS: &[(&str, &str)] = &[
    ("s004-01-interleave", "s000-01-interleave"),
    ("s004-02-producer-consumer", "s000-02-producer-consumer"),
];

/// The program with this ID, a repeated ID, or a unique prefix of one (`s000-02`).
pub fn find(name: &str) -> Option<&'static Program> {
    let name = REPEATS
        .iter()
        .find(|(repeat, _)| *repeat == name)
        .map_or(name, |(_, original)| original);
    if let Some(exact) = PROGRAMS.iter().find(|p| p.id == name) {
        return Some(exact);
    }
    let mut matches = PROGRAMS.iter().filter(|p| p.id.starts_with(name));
    match (matches.next(), matches.next()) {
        (Some(only), None) if !name.is_empty() => Some(only),
        _ => None,
    }
}

/// An example's `main`: runs the program `id` on stdout and the real clock. An
/// exception is printed as Python's last traceback line on stderr, with exit status 1.
pub fn main(id: &str) -> ExitCode {
    let Some(program) = find(id) else {
        eprintln!("pycoro: no program named '{id}'");
        return ExitCode::from(2);
    };
    let out = Out::stdout();
    let result = (program.run)(&out, &Clock::real()).and_then(|()| Ok(out.finish()?));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // As CPython reports an exception that escapes the program: the traceback's
            // header, the chained sections, the last line (Rust has no frames to list).
            eprint!("{}", format_exception(&e));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_accepts_ids_prefixes_and_repeats() {
        assert_eq!(find("s000-02").unwrap().id, "s000-02-producer-consumer");
        assert_eq!(find("s004-01-interleave").unwrap().id, "s000-01-interleave");
        assert!(find("s000").is_none(), "ambiguous prefix");
        assert!(find("").is_none());
        assert!(find("nope").is_none());
        assert_eq!(find("x01").unwrap().id, "x01-queue-pipeline");
        assert!(find("x").is_none(), "ambiguous prefix");
    }

    #[test]
    fn the_programs_beyond_the_documents_come_last() {
        let first_own = PROGRAMS.iter().position(|p| !p.from_the_documents());
        let first_own = first_own.expect("x01 and x02 are programs");
        assert!(
            PROGRAMS[first_own..]
                .iter()
                .all(|p| !p.from_the_documents())
        );
        assert!(PROGRAMS[first_own..].iter().all(|p| p.id.starts_with('x')));
    }
}
