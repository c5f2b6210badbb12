//! Exercise 01: predict what `solution.py` prints, then translate `echo`'s body.
//! Check yourself with `cargo run -- exercises 01 start`.

use pycoro::prelude::*;

fn echo(out: Out) -> Generator<'static, String, i32> {
    // def echo():
    //     print('echo: started')
    //     received = yield 'ready'
    //     while True:
    //         print(f'echo: received {received}')
    //         if received is None:
    //             received = yield 'nothing to echo'
    //         else:
    //             received = yield received * 2
    todo!("translate echo's body into Generator::new(#[coroutine] move |_| {{ .. }})")
}

/// The driver, translated already.
pub fn run(out: &Out, _clock: &Clock) -> PyResult<()> {
    let g = echo(out.clone());
    pyprint!(out, "main: created, nothing printed yet");
    let r = g.next()?.yielded()?;
    pyprint!(out, "main: next -> {r}");
    let r = g.send(5)?.yielded()?;
    pyprint!(out, "main: send(5) -> {r}");
    let r = g.next()?.yielded()?;
    pyprint!(out, "main: next -> {r}");
    let r = g.send(21)?.yielded()?;
    pyprint!(out, "main: send(21) -> {r}");
    g.close()?;
    pyprint!(out, "main: closed");
    Ok(())
}
