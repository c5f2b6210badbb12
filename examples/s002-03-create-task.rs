//! `cargo run --example s002-03-create-task`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s002_03_create_task`; its Python original is `python/s002-03-create-task.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s002-03-create-task")
}
