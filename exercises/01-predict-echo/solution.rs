//! Exercise 01, a solution: `echo` translated, and the driver as it was given.

use pycoro::prelude::*;
use pycoro::trace::OrNone;

// ANCHOR: echo
fn echo(out: Out) -> Generator<'static, String, i32> {
    Generator::new(
        #[coroutine]
        move |_| {
            pyprint!(out, "echo: started");
            let mut received: Option<i32> = yield_!("ready".to_string())?;
            loop {
                pyprint!(out, "echo: received {}", OrNone(&received));
                received = match received {
                    None => yield_!("nothing to echo".to_string())?,
                    Some(n) => yield_!((n * 2).to_string())?,
                };
            }
        },
    )
}
// ANCHOR_END: echo

/// The driver: each `next` and `send` runs the body to its next `yield`, before the
/// line that shows what came out is printed.
pub fn run(out: &Out, _clock: &Clock) -> PyResult<()> {
    let g = echo(out.clone());
    pyprint!(out, "main: created, nothing printed yet");
    let r = g.next()?.yielded()?;
    pyprint!(out, "main: next -> {r}");
    let r = g.send(5)?.yielded()?;
    pyprint!(out, "main: send(5) -> {r}");
    let r = g.next()?.yielded()?;
    pyprint!(out, "main: next -> {r}");
    let r = g.send(21)?.yielded()?;
    pyprint!(out, "main: send(21) -> {r}");
    g.close()?;
    pyprint!(out, "main: closed");
    Ok(())
}
