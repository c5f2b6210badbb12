//! `cargo run --example x02-semaphore-rate-limit`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::x02_semaphore_rate_limit`; its Python version is `python/x02-semaphore-rate-limit.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("x02-semaphore-rate-limit")
}
