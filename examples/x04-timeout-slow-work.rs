//! `cargo run --example x04-timeout-slow-work`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::x04_timeout_slow_work`; its Python original is `python/x04-timeout-slow-work.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("x04-timeout-slow-work")
}
