//! `cargo run --example s002-11-thread-loop`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s002_11_thread_loop`; its Python original is `python/s002-11-thread-loop.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s002-11-thread-loop")
}
