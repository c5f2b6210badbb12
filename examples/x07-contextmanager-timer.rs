//! `cargo run --example x07-contextmanager-timer`: prints the program's trace.
//! The program is `pycoro::programs::x07_contextmanager_timer`; its Python original is `python/x07-contextmanager-timer.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("x07-contextmanager-timer")
}
