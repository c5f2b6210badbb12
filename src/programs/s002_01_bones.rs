//! s002-01-bones: one producer feeding two consumers, with ANSI colours.

use crate::exceptions::PyResult;
use crate::generators::Generator;
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

fn producer(obj1: &Generator<(), i32>, obj2: &Generator<(), i32>, out: &Out) -> PyResult<()> {
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
