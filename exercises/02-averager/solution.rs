//! Exercise 02, a solution: the averager, a coroutine that keeps state between sends.

use pycoro::prelude::*;
use pycoro::trace::PyRepr;

// ANCHOR: averager
fn averager() -> Generator<'static, Option<f64>, f64> {
    Generator::new(
        #[coroutine]
        |_| {
            let (mut total, mut count) = (0.0, 0.0);
            let mut average = None;
            loop {
                // `next()` would send None, which Python's `total += term` rejects.
                let term = yield_!(average)?.ok_or_else(|| TypeError::new("term is None"))?;
                total += term;
                count += 1.0;
                average = Some(total / count);
            }
        },
    )
}
// ANCHOR_END: averager

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
