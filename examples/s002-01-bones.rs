//! `cargo run --example s002-01-bones`: prints the program's trace.
//! The program is `pycoro::programs::s002_01_bones`; its Python original is `python/s002-01-bones.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s002-01-bones")
}
