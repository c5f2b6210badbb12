//! `cargo run --example s004-03-hello`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s004_03_hello`; its Python original is `python/s004-03-hello.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s004-03-hello")
}
