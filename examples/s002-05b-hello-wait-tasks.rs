//! `cargo run --example s002-05b-hello-wait-tasks`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s002_05b_hello_wait_tasks`; its Python original is `python/s002-05b-hello-wait-tasks.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s002-05b-hello-wait-tasks")
}
