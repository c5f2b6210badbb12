//! `cargo run --example s004-04-gather`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s004_04_gather`; its Python original is `python/s004-04-gather.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s004-04-gather")
}
