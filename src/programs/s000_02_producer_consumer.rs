//! s000-02-producer-consumer: the consumer is primed with `send(None)`, then each
//! `send(n)` switches to it and its `yield r` switches back; `close()` ends it.

use crate::exceptions::PyResult;
use crate::generators::Generator;
use crate::trace::Out;
use crate::{pyprint, yield_};

// ANCHOR: program
fn consumer(out: Out) -> Generator<'static, &'static str, i32> {
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

fn produce(c: &Generator<&str, i32>, out: &Out) -> PyResult<()> {
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
