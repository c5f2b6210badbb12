//! `cargo run --example x03-taskgroup-failing-child`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::x03_taskgroup_failing_child`; its Python original is `python/x03-taskgroup-failing-child.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("x03-taskgroup-failing-child")
}
