//! s000-02-producer-consumer: the consumer is primed with `send(None)`, then each
//! `send(n)` switches to it and its `yield r` switches back; `close()` ends it.

use crate::exceptions::PyResult;
use crate::generators::Generator;
use crate::substrates::{GeneratorProtocol, Substrate, corosensei, genawaiter};
use crate::trace::Out;
use crate::{pyprint, yield_};

// ANCHOR: program
pub(crate) fn consumer(out: Out) -> Generator<'static, &'static str, i32> {
    Generator::new(
        #[coroutine]
        move |_| {
            let mut r = "";
            loop {
                let n: Option<i32> = yield_!(r)?;
                // `if not n: return`: None and 0 are falsy.
                let Some(n) = n.filter(|&n| n != 0) else {
                    return Ok(());
                };
                pyprint!(out, "[CONSUMER] Consuming {n}...");
                r = "200 OK";
            }
        },
    )
}

fn produce(
    c: &impl GeneratorProtocol<Yield = &'static str, Send = i32, Return = ()>,
    out: &Out,
) -> PyResult<()> {
    c.send(None)?;
    let mut n = 0;
    while n < 5 {
        n += 1;
        pyprint!(out, "[PRODUCER] Producing {n}...");
        let r = c.send(n)?.yielded()?;
        pyprint!(out, "[PRODUCER] Consumer return: {r}");
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

// ANCHOR: substrates
/// The same consumer on stable Rust: an `async` block that awaits its yields.
pub(crate) fn consumer_on_genawaiter(
    out: Out,
) -> genawaiter::Generator<'static, &'static str, i32> {
    genawaiter::Generator::new(move |co| async move {
        let mut r = "";
        loop {
            let n: Option<i32> = co.yield_(r).await?;
            let Some(n) = n.filter(|&n| n != 0) else {
                return Ok(());
            };
            pyprint!(out, "[CONSUMER] Consuming {n}...");
            r = "200 OK";
        }
    })
}

/// The same consumer on its own stack: `suspend` is a plain method call.
pub(crate) fn consumer_on_corosensei(out: Out) -> corosensei::Generator<&'static str, i32> {
    corosensei::Generator::new(move |co, _| {
        let mut r = "";
        loop {
            let n: Option<i32> = co.suspend(r)?;
            let Some(n) = n.filter(|&n| n != 0) else {
                return Ok(());
            };
            pyprint!(out, "[CONSUMER] Consuming {n}...");
            r = "200 OK";
        }
    })
}

/// Runs the program with the consumer on `substrate`: the producer is the same
/// function each time, and so is the trace.
pub fn run_on(out: &Out, substrate: Substrate) -> PyResult<()> {
    match substrate {
        Substrate::Nightly => produce(&consumer(out.clone()), out),
        Substrate::Genawaiter => produce(&consumer_on_genawaiter(out.clone()), out),
        Substrate::Corosensei => produce(&consumer_on_corosensei(out.clone()), out),
    }
}
// ANCHOR_END: substrates
