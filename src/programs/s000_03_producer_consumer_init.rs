//! s000-03-producer-consumer-init: the document's "easier to understand" variant.
//!
//! The priming `send(None)` returns the consumer's first `r`; a final `send(None)`
//! makes the consumer return, which Python reports as `StopIteration`: the
//! `except Exception` catches it and prints its empty message (erratum 3 of the document).

use crate::exceptions::PyResult;
use crate::generators::{Generator, Step};
use crate::substrates::{GeneratorProtocol, Substrate, corosensei, genawaiter};
use crate::trace::Out;
use crate::{pyprint, yield_};

// ANCHOR: program
fn consumer(out: Out) -> Generator<'static, &'static str, i32> {
    Generator::new(
        #[coroutine]
        move |_| {
            let mut r = "init string";
            loop {
                let n: Option<i32> = yield_!(r)?;
                let Some(n) = n.filter(|&n| n != 0) else {
                    pyprint!(out, "return has been executed");
                    return Ok(());
                };
                pyprint!(out, "[Consumer] has comsumed {n}...");
                r = "200 OK";
            }
        },
    )
}

fn produce(
    c: &impl GeneratorProtocol<Yield = &'static str, Send = i32, Return = ()>,
    out: &Out,
) -> PyResult<()> {
    let res = c.send(None)?.yielded()?;
    pyprint!(out, "{res}");
    let mut n = 0;
    while n < 5 {
        n += 1;
        pyprint!(out, "[Producer] producing {n}...");
        let _r = c.send(n)?.yielded()?;
        // The document prints `n` here, not the reply `r` (erratum 2).
        pyprint!(out, "[Producer] consumer return: {n}");
    }
    // try: res = c.send(None); print(res)
    // except Exception as e: print(e)
    // finally: c.close()
    match c.send(None).and_then(Step::yielded) {
        Ok(res) => pyprint!(out, "{res}"),
        Err(e) => pyprint!(out, "{e}"),
    }
    c.close()
}

/// Runs the program, printing its trace to `out`.
pub fn run(out: &Out) -> PyResult<()> {
    let c = consumer(out.clone());
    produce(&c, out)?;
    Ok(())
}
// ANCHOR_END: program

fn consumer_on_genawaiter(out: Out) -> genawaiter::Generator<'static, &'static str, i32> {
    genawaiter::Generator::new(move |co| async move {
        let mut r = "init string";
        loop {
            let n: Option<i32> = co.yield_(r).await?;
            let Some(n) = n.filter(|&n| n != 0) else {
                pyprint!(out, "return has been executed");
                return Ok(());
            };
            pyprint!(out, "[Consumer] has comsumed {n}...");
            r = "200 OK";
        }
    })
}

fn consumer_on_corosensei(out: Out) -> corosensei::Generator<&'static str, i32> {
    corosensei::Generator::new(move |co, _| {
        let mut r = "init string";
        loop {
            let n: Option<i32> = co.suspend(r)?;
            let Some(n) = n.filter(|&n| n != 0) else {
                pyprint!(out, "return has been executed");
                return Ok(());
            };
            pyprint!(out, "[Consumer] has comsumed {n}...");
            r = "200 OK";
        }
    })
}

/// Runs the program with the consumer on `substrate`; the trace is the same on all three.
pub fn run_on(out: &Out, substrate: Substrate) -> PyResult<()> {
    match substrate {
        Substrate::Nightly => produce(&consumer(out.clone()), out),
        Substrate::Genawaiter => produce(&consumer_on_genawaiter(out.clone()), out),
        Substrate::Corosensei => produce(&consumer_on_corosensei(out.clone()), out),
    }
}
