//! s002-01-bones: one producer feeding two consumers, with ANSI colours.

use crate::exceptions::PyResult;
use crate::generators::Generator;
use crate::substrates::{GeneratorProtocol, Substrate, corosensei, genawaiter};
use crate::trace::{OrNone, Out};
use crate::{pyprint, yield_};

// ANCHOR: program
fn consumer(name: &'static str, out: Out) -> Generator<'static, (), i32> {
    Generator::new(
        #[coroutine]
        move |_| {
            pyprint!(out, "要开始啃骨头了...");
            loop {
                pyprint!(out, "\x1b[31;1m[consumer] {name}\x1b[0m ");
                let bone = yield_!()?;
                pyprint!(out, "[{name}] 正在啃骨头 {}", OrNone(&bone));
            }
        },
    )
}

fn producer<G: GeneratorProtocol<Yield = (), Send = i32>>(
    obj1: &G,
    obj2: &G,
    out: &Out,
) -> PyResult<()> {
    obj1.send(None)?; // 启动obj1这个生成器,第一次必须用None  <==> obj1.__next__()
    obj2.send(None)?; // 启动obj2这个生成器,第一次必须用None  <==> obj2.__next__()
    let mut n = 0;
    while n < 5 {
        n += 1;
        pyprint!(out, "\x1b[32;1m[producer]\x1b[0m 正在生产骨头 {n}");
        obj1.send(n)?;
        obj2.send(n)?;
    }
    Ok(())
}

/// Runs the program, printing its trace to `out`.
pub fn run(out: &Out) -> PyResult<()> {
    let con1 = consumer("消费者A", out.clone());
    let con2 = consumer("消费者B", out.clone());
    producer(&con1, &con2, out)?;
    Ok(())
}
// ANCHOR_END: program

fn consumer_on_genawaiter(name: &'static str, out: Out) -> genawaiter::Generator<'static, (), i32> {
    genawaiter::Generator::new(move |co| async move {
        pyprint!(out, "要开始啃骨头了...");
        loop {
            pyprint!(out, "\x1b[31;1m[consumer] {name}\x1b[0m ");
            let bone = co.yield_(()).await?;
            pyprint!(out, "[{name}] 正在啃骨头 {}", OrNone(&bone));
        }
    })
}

fn consumer_on_corosensei(name: &'static str, out: Out) -> corosensei::Generator<(), i32> {
    corosensei::Generator::new(move |co, _| {
        pyprint!(out, "要开始啃骨头了...");
        loop {
            pyprint!(out, "\x1b[31;1m[consumer] {name}\x1b[0m ");
            let bone = co.suspend(())?;
            pyprint!(out, "[{name}] 正在啃骨头 {}", OrNone(&bone));
        }
    })
}

/// Runs the program with both consumers on `substrate`; the trace is the same on all three.
pub fn run_on(out: &Out, substrate: Substrate) -> PyResult<()> {
    let (a, b) = ("消费者A", "消费者B");
    match substrate {
        Substrate::Nightly => producer(&consumer(a, out.clone()), &consumer(b, out.clone()), out),
        Substrate::Genawaiter => producer(
            &consumer_on_genawaiter(a, out.clone()),
            &consumer_on_genawaiter(b, out.clone()),
            out,
        ),
        Substrate::Corosensei => producer(
            &consumer_on_corosensei(a, out.clone()),
            &consumer_on_corosensei(b, out.clone()),
            out,
        ),
    }
}
