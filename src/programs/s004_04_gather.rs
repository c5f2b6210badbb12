//! s004-04-gather: `asyncio.gather` of two coroutines; their results in argument order.
//!
//! The document prints `threading.current_thread`, the function, not its result (it
//! forgot the parentheses): Python prints `<function current_thread at 0x…>`, and so
//! does this program, with the address of its own `current_thread`.

use crate::clock::Clock;
use crate::exceptions::PyResult;
use crate::native::{create_task, gather, run_with_clock, sleep};
use crate::pyprint;
use crate::trace::{Out, PyRepr};

// ANCHOR: program
/// `threading.current_thread`, which the document names without calling.
fn current_thread() -> String {
    std::thread::current().name().unwrap_or("?").to_owned()
}

/// What Python prints for the function object itself.
fn function_repr() -> String {
    format!(
        "<function current_thread at {:p}>",
        current_thread as fn() -> String
    )
}

async fn hello(out: Out, name: &'static str) -> PyResult<&'static str> {
    // 打印name和当前线程:
    pyprint!(out, "Hello {name}! ({})", function_repr());
    // 异步调用asyncio.sleep(1):
    sleep(1.0).await?;
    pyprint!(out, "Hello {name} again! ({})", function_repr());
    Ok(name)
}

async fn main(out: Out) -> PyResult<()> {
    let bob = create_task(hello(out.clone(), "Bob"))?;
    let alice = create_task(hello(out.clone(), "Alice"))?;
    let l = gather([bob, alice]).await?;
    pyprint!(out, "{}", l.py_repr());
    Ok(())
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main(out.clone()), clock.clone())
}
// ANCHOR_END: program
