//! `cargo run --example s002-04-done-callback`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s002_04_done_callback`; its Python original is `python/s002-04-done-callback.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s002-04-done-callback")
}
