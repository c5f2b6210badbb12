//! `cargo run --example s002-06-nested-wait`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s002_06_nested_wait`; its Python original is `python/s002-06-nested-wait.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s002-06-nested-wait")
}
