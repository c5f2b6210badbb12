//! Exercise 02: write `averager`, a coroutine that yields the running average of the
//! numbers sent to it. Check yourself with `cargo run -- exercises 02 start`.

use pycoro::prelude::*;
use pycoro::trace::PyRepr;

/// Yields `None` first, then the average of every term sent so far.
fn averager() -> Generator<'static, Option<f64>, f64> {
    todo!("keep a total and a count across the yields")
}

/// Primes it, sends four terms, then shows what a first send that is not `None` does.
pub fn run(out: &Out, _clock: &Clock) -> PyResult<()> {
    let avg = averager();
    pyprint!(out, "{}", avg.next()?.yielded()?.py_repr());
    for term in [10.0, 30.0, 5.0, 7.0] {
        pyprint!(out, "{}", avg.send(term)?.yielded()?.py_repr());
    }

    let fresh = averager();
    if let Err(e) = fresh.send(10.0) {
        pyprint!(out, "{}", format_exception_only(&e));
    }
    Ok(())
}
