//! `cargo run --example s002-12-thread-coroutines`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s002_12_thread_coroutines`; its Python original is `python/s002-12-thread-coroutines.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s002-12-thread-coroutines")
}
