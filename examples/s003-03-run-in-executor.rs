//! `cargo run --example s003-03-run-in-executor`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s003_03_run_in_executor`; its Python original is `python/s003-03-run-in-executor.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s003-03-run-in-executor")
}
