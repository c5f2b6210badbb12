//! `cargo run --example s002-09-as-completed`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s002_09_as_completed`; its Python original is `python/s002-09-as-completed.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s002-09-as-completed")
}
