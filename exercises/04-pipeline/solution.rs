//! Exercise 04, a solution: a pipeline of coroutines, each pushing into the next.

use pycoro::prelude::*;
use pycoro::trace::repr_str;

/// A stage of the pipeline: it is sent lines, and yields nothing.
type Stage = Generator<'static, (), String>;

// ANCHOR: stages
fn printer(out: Out) -> Stage {
    Generator::new(
        #[coroutine]
        move |_| {
            let mut count = 0;
            // try: ... finally: the loop ends with the exception that ends the body.
            let ended = loop {
                match yield_!() {
                    Ok(Some(line)) => {
                        count += 1;
                        pyprint!(out, "printer: {line}");
                    }
                    Ok(None) => {}
                    Err(e) => break e,
                }
            };
            pyprint!(out, "printer: {count} lines");
            Err(ended)
        },
    )
}

fn upper(target: Stage) -> Stage {
    Generator::new(
        #[coroutine]
        move |_| {
            let ended = loop {
                let resumed: Resume<String> = yield_!();
                match resumed {
                    Ok(Some(line)) => {
                        if let Err(e) = target.send(line.to_uppercase()) {
                            break e;
                        }
                    }
                    Ok(None) => {}
                    Err(e) => break e,
                }
            };
            target.close()?;
            Err(ended)
        },
    )
}

fn grep(out: Out, pattern: &'static str, target: Stage) -> Stage {
    Generator::new(
        #[coroutine]
        move |_| {
            pyprint!(out, "grep: looking for {}", repr_str(pattern));
            let ended = loop {
                let resumed: Resume<String> = yield_!();
                match resumed {
                    Ok(Some(line)) if line.contains(pattern) => {
                        if let Err(e) = target.send(line) {
                            break e;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => break e,
                }
            };
            target.close()?;
            Err(ended)
        },
    )
}
// ANCHOR_END: stages

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
