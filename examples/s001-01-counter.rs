//! `cargo run --example s001-01-counter`: prints the program's trace.
//! The program is `pycoro::programs::s001_01_counter`; its Python original is `python/s001-01-counter.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s001-01-counter")
}
