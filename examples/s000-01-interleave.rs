//! `cargo run --example s000-01-interleave`: prints the program's trace.
//! The program is `pycoro::programs::s000_01_interleave`; its Python original is `python/s000-01-interleave.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s000-01-interleave")
}
