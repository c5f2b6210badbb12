//! Exercise 03, a solution: `finally` as a value whose `Drop` runs on every way out.

use pycoro::prelude::*;

// ANCHOR: finally
/// Runs its closure when dropped: when the body returns, raises, or is closed.
struct Finally<F: FnMut()>(F);

impl<F: FnMut()> Drop for Finally<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

fn reader(out: Out, name: &'static str) -> Generator<'static, (), &'static str> {
    Generator::new(
        #[coroutine]
        move |_| {
            pyprint!(out, "{name}: open");
            let finally_out = out.clone();
            let _finally = Finally(move || pyprint!(finally_out, "{name}: close"));
            loop {
                if let Some(line) = yield_!()? {
                    pyprint!(out, "{name}: got {line}");
                }
            }
        },
    )
}
// ANCHOR_END: finally

/// Three readers: closed, dropped, and closed before they started.
pub fn run(out: &Out, _clock: &Clock) -> PyResult<()> {
    let r1 = reader(out.clone(), "r1");
    r1.next()?;
    r1.send("a")?;
    r1.send("b")?;
    r1.close()?;
    pyprint!(out, "main: r1 closed");

    let r2 = reader(out.clone(), "r2");
    r2.next()?;
    r2.send("x")?;
    drop(r2); // dropping a suspended generator closes it
    pyprint!(out, "main: r2 dropped");

    let r3 = reader(out.clone(), "r3");
    r3.close()?; // never started: the guard was never made
    pyprint!(out, "main: r3 closed without running");
    Ok(())
}
