//! s001-01-counter: `next` versus `send`, and why the first send must be `None`.
//!
//! The document explains the calls in prose; the driver performs exactly them.

use crate::exceptions::{PyResult, TypeError};
use crate::generators::Generator;
use crate::trace::{OrNone, Out};
use crate::{pyprint, yield_};

// ANCHOR: program
fn f(out: Out) -> Generator<'static, i32, &'static str> {
    Generator::new(
        #[coroutine]
        move |_| {
            let mut s = 0;
            loop {
                s += 1;
                let n = yield_!(s)?;
                pyprint!(out, "{}", OrNone(&n));
            }
        },
    )
}

/// Runs the program, printing its trace to `out`.
pub fn run(out: &Out) -> PyResult<()> {
    let a = f(out.clone());
    pyprint!(out, "{}", a.next()?.yielded()?); // runs to the first yield: 1
    pyprint!(out, "{}", a.next()?.yielded()?); // n = None is printed, then 2
    pyprint!(out, "{}", a.send("hi")?.yielded()?); // n = 'hi' is printed, then 3
    let b = f(out.clone());
    match b.send("x") {
        // the first send must be None
        Err(e) if e.is::<TypeError>() => pyprint!(out, "TypeError: {e}"),
        other => {
            other?;
        }
    }
    Ok(())
}
// ANCHOR_END: program
