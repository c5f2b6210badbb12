//! Exercise 04: write the three stages of the pipeline. Check yourself with
//! `cargo run -- exercises 04 start`.

use pycoro::prelude::*;

/// A stage of the pipeline: it is sent lines, and yields nothing.
type Stage = Generator<'static, (), String>;

/// Prints each line; when closed, prints how many it printed.
fn printer(out: Out) -> Stage {
    todo!("count and print the lines; on the way out, print the count")
}

/// Sends each line, in upper case, to `target`; closes `target` on the way out.
fn upper(target: Stage) -> Stage {
    todo!()
}

/// Prints `grep: looking for 'PATTERN'`, then sends the lines that contain `pattern` to
/// `target`; closes `target` on the way out.
fn grep(out: Out, pattern: &'static str, target: Stage) -> Stage {
    todo!()
}

/// Builds the pipeline from its end, pushes four lines into it, and closes its head.
pub fn run(out: &Out, _clock: &Clock) -> PyResult<()> {
    let p = printer(out.clone());
    p.next()?;
    let u = upper(p);
    u.next()?;
    let g = grep(out.clone(), "python", u);
    g.next()?;
    for line in [
        "python generators",
        "a curious course",
        "coroutines in python",
        "rust",
    ] {
        pyprint!(out, "source: {line}");
        g.send(line.to_string())?;
    }
    g.close()?;
    pyprint!(out, "source: done");
    Ok(())
}
