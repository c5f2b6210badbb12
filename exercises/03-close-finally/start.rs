//! Exercise 03: give `reader` a `finally` that prints `NAME: close`, and make it run
//! exactly when Python's does. Check yourself with `cargo run -- exercises 03 start`.

use pycoro::prelude::*;

fn reader(out: Out, name: &'static str) -> Generator<'static, (), &'static str> {
    Generator::new(
        #[coroutine]
        move |_| {
            pyprint!(out, "{name}: open");
            // try:
            loop {
                if let Some(line) = yield_!()? {
                    pyprint!(out, "{name}: got {line}");
                }
            }
            // finally:
            //     print(f'{name}: close')
        },
    )
}

/// Three readers: closed, dropped, and closed before they started.
pub fn run(out: &Out, _clock: &Clock) -> PyResult<()> {
    let r1 = reader(out.clone(), "r1");
    r1.next()?;
    r1.send("a")?;
    r1.send("b")?;
    r1.close()?;
    pyprint!(out, "main: r1 closed");

    let r2 = reader(out.clone(), "r2");
    r2.next()?;
    r2.send("x")?;
    drop(r2); // dropping a suspended generator closes it
    pyprint!(out, "main: r2 dropped");

    let r3 = reader(out.clone(), "r3");
    r3.close()?;
    pyprint!(out, "main: r3 closed without running");
    Ok(())
}
