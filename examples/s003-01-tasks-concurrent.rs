//! `cargo run --example s003-01-tasks-concurrent`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s003_01_tasks_concurrent`; its Python original is `python/s003-01-tasks-concurrent.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s003-01-tasks-concurrent")
}
