//! `cargo run --example s002-07-gather-return`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s002_07_gather_return`; its Python original is `python/s002-07-gather-return.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s002-07-gather-return")
}
