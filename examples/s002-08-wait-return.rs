//! `cargo run --example s002-08-wait-return`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s002_08_wait_return`; its Python original is `python/s002-08-wait-return.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s002-08-wait-return")
}
