//! `cargo run --example s003-04-yield-from-done-task`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s003_04_yield_from_done_task`; its Python original is `python/s003-04-yield-from-done-task.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s003-04-yield-from-done-task")
}
