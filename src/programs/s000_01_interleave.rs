//! s000-01-interleave: subroutines A and B, interrupted and interleaved as coroutines.
//!
//! The document imagines the output `1 2 x y 3 z`; here each routine is a generator
//! with a `yield` after every print, and the driver resumes them A, A, B, B, A, B.

use crate::exceptions::PyResult;
use crate::generators::Generator;
use crate::trace::Out;
use crate::{pyprint, yield_};

// ANCHOR: program
fn a(out: Out) -> Generator<'static, ()> {
    Generator::new(
        #[coroutine]
        move |_| {
            pyprint!(out, "1");
            yield_!()?;
            pyprint!(out, "2");
            yield_!()?;
            pyprint!(out, "3");
            yield_!()?;
            Ok(())
        },
    )
}

fn b(out: Out) -> Generator<'static, ()> {
    Generator::new(
        #[coroutine]
        move |_| {
            pyprint!(out, "x");
            yield_!()?;
            pyprint!(out, "y");
            yield_!()?;
            pyprint!(out, "z");
            yield_!()?;
            Ok(())
        },
    )
}

/// Runs the program, printing its trace to `out`.
pub fn run(out: &Out) -> PyResult<()> {
    let (a, b) = (a(out.clone()), b(out.clone()));
    for g in [&a, &a, &b, &b, &a, &b] {
        g.next()?;
    }
    Ok(())
}
// ANCHOR_END: program
