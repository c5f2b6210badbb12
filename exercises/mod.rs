//! The exercises: each a folder `NN-slug/` with a `README.md` (the task and a hint), a
//! `start.rs` (where the reader works; it compiles, and a `todo!()` or a comment marks
//! what is left), a `solution.rs`, and `solution.py`, which prints what the solution
//! must print.
//!
//! This module is the list, shared by the tour (`cargo run -- exercises`), which runs
//! a solution or the reader's start beside CPython, and by `tests/exercises.rs`, which
//! checks every solution against CPython. It includes each exercise's files by path.

use pycoro::clock::Clock;
use pycoro::exceptions::PyResult;
use pycoro::programs::Compare;
use pycoro::trace::Out;

/// How an exercise runs: it prints its trace to `out`; `clock` is the loop's, for the
/// exercises that use pycoro's event loop (virtual in the tests).
pub type Run = fn(&Out, &Clock) -> PyResult<()>;

/// One exercise.
pub struct Exercise {
    /// `01`.
    pub number: &'static str,
    /// `predict-echo`: the folder is `exercises/01-predict-echo`.
    pub slug: &'static str,
    /// The generation it practises: 1, 2 or 3.
    pub generation: u8,
    /// One line: what it asks.
    pub title: &'static str,
    /// How the trace compares with CPython's output.
    pub compare: Compare,
    /// The solution's `run`.
    pub solution: Run,
    /// The reader's `run`, in `start.rs`.
    pub start: Run,
    /// `solution.py`.
    pub python: &'static str,
    /// `solution.rs`, as text.
    pub solution_rs: &'static str,
    /// `start.rs`, as text.
    pub start_rs: &'static str,
}

impl Exercise {
    /// `exercises/01-predict-echo`.
    pub fn dir(&self) -> String {
        format!("exercises/{}-{}", self.number, self.slug)
    }
}

macro_rules! exercise {
    ($number:literal, $slug:literal, gen $generation:literal, $solution:ident, $start:ident, $title:literal) => {
        Exercise {
            number: $number,
            slug: $slug,
            generation: $generation,
            title: $title,
            compare: Compare::Exact,
            solution: $solution::run,
            start: $start::run,
            python: include_str!(concat!($number, "-", $slug, "/solution.py")),
            solution_rs: include_str!(concat!($number, "-", $slug, "/solution.rs")),
            start_rs: include_str!(concat!($number, "-", $slug, "/start.rs")),
        }
    };
}

/// An exercise's two Rust files, as modules. `start.rs` is the reader's, unfinished: its
/// `todo!()`s make code that is never reached and arguments that are never used.
macro_rules! files {
    ($solution:ident, $start:ident, $solution_path:literal, $start_path:literal) => {
        #[path = $solution_path]
        mod $solution;
        #[allow(unused, unreachable_code, clippy::all)]
        #[path = $start_path]
        mod $start;
    };
}

files!(
    e01_solution,
    e01_start,
    "01-predict-echo/solution.rs",
    "01-predict-echo/start.rs"
);
files!(
    e02_solution,
    e02_start,
    "02-averager/solution.rs",
    "02-averager/start.rs"
);
files!(
    e03_solution,
    e03_start,
    "03-close-finally/solution.rs",
    "03-close-finally/start.rs"
);
files!(
    e04_solution,
    e04_start,
    "04-pipeline/solution.rs",
    "04-pipeline/start.rs"
);

files!(
    e05_solution,
    e05_start,
    "05-yield-from-iterator/solution.rs",
    "05-yield-from-iterator/start.rs"
);
files!(
    e06_solution,
    e06_start,
    "06-grouper/solution.rs",
    "06-grouper/start.rs"
);
files!(
    e07_solution,
    e07_start,
    "07-toy-call-later/solution.rs",
    "07-toy-call-later/start.rs"
);
files!(
    e08_solution,
    e08_start,
    "08-toy-task-is-a-future/solution.rs",
    "08-toy-task-is-a-future/start.rs"
);

files!(
    e09_solution,
    e09_start,
    "09-hand-written-future/solution.rs",
    "09-hand-written-future/start.rs"
);
files!(
    e10_solution,
    e10_start,
    "10-gather-by-hand/solution.rs",
    "10-gather-by-hand/start.rs"
);

files!(
    e11_solution,
    e11_start,
    "11-bounded-queue/solution.rs",
    "11-bounded-queue/start.rs"
);
files!(
    e12_solution,
    e12_start,
    "12-survive-cancellation/solution.rs",
    "12-survive-cancellation/start.rs"
);
files!(
    e13_solution,
    e13_start,
    "13-timeout/solution.rs",
    "13-timeout/start.rs"
);

/// Every exercise, in order.
pub static EXERCISES: &[Exercise] = &[
    exercise!("01", "predict-echo", gen 1, e01_solution, e01_start,
        "predict what a generator prints, then translate it"),
    exercise!("02", "averager", gen 1, e02_solution, e02_start,
        "a running average kept by a coroutine, with send"),
    exercise!("03", "close-finally", gen 1, e03_solution, e03_start,
        "close() and finally: when the cleanup runs"),
    exercise!("04", "pipeline", gen 1, e04_solution, e04_start,
        "a pipeline of coroutines: grep, upper, printer"),
    exercise!("05", "yield-from-iterator", gen 2, e05_solution, e05_start,
        "yield from an iterator as a for loop, and what the loop loses"),
    exercise!("06", "grouper", gen 2, e06_solution, e06_start,
        "caller, delegating generator, sub-generator: a grouped average"),
    exercise!("07", "toy-call-later", gen 2, e07_solution, e07_start,
        "call_later for the toy loop: a heap of timers"),
    exercise!("08", "toy-task-is-a-future", gen 2, e08_solution, e08_start,
        "the toy loop's Task becomes a future: yield from a task"),
    exercise!("09", "hand-written-future", gen 3, e09_solution, e09_start,
        "a future written by hand, that wakes its own task"),
    exercise!("10", "gather-by-hand", gen 3, e10_solution, e10_start,
        "gather, by hand: a future and done callbacks"),
    exercise!("11", "bounded-queue", gen 3, e11_solution, e11_start,
        "a bounded producer/consumer queue, built from futures"),
    exercise!("12", "survive-cancellation", gen 3, e12_solution, e12_start,
        "a task that catches its cancellation and survives it"),
    exercise!("13", "timeout", gen 3, e13_solution, e13_start,
        "a task that times out: wait_for, written with wait"),
];

/// The exercise numbered `number` (`3`, `03`, or `03-close-finally`).
pub fn find(number: &str) -> Option<&'static Exercise> {
    let wanted = number.split('-').next().unwrap_or(number);
    let wanted: u32 = wanted.parse().ok()?;
    EXERCISES
        .iter()
        .find(|e| e.number.parse::<u32>().ok() == Some(wanted))
}
