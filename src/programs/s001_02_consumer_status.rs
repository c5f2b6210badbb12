//! s001-02-consumer-status: a generator that drives another (`yield consumer.send(n)`),
//! iterated by a `for` loop that breaks out early.

use crate::exceptions::PyResult;
use crate::generators::Generator;
use crate::trace::{OrNone, Out};
use crate::{pyprint, yield_};

// ANCHOR: program
fn consumer(out: Out) -> Generator<'static, bool, i32> {
    Generator::new(
        #[coroutine]
        move |_| {
            let mut status = true;
            loop {
                let n = yield_!(status)?;
                pyprint!(out, "我拿到了{}!", OrNone(&n));
                if n == Some(3) {
                    status = false;
                }
            }
        },
    )
}

fn producer<'a>(consumer: &'a Generator<'_, bool, i32>) -> Generator<'a, bool> {
    Generator::new(
        #[coroutine]
        move |_| {
            let mut n = 5;
            while n > 0 {
                // yield给主程序返回消费者的状态 (yield the consumer's status to the main program)
                yield_!(consumer.send(n)?.yielded()?)?;
                n -= 1;
            }
            Ok(())
        },
    )
}

/// Runs the program, printing its trace to `out`.
pub fn run(out: &Out) -> PyResult<()> {
    let c = consumer(out.clone());
    c.send(None)?;
    let p = producer(&c);
    for status in p {
        if !status? {
            pyprint!(out, "我只要3,4,5就行啦");
            break;
        }
    }
    pyprint!(out, "程序结束");
    Ok(())
}
// ANCHOR_END: program
