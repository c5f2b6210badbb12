//! `cargo run --example s002-02-add`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s002_02_add`; its Python original is `python/s002-02-add.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s002-02-add")
}
