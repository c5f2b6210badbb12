//! `cargo run --example x01-queue-pipeline`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::x01_queue_pipeline`; its Python version is `python/x01-queue-pipeline.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("x01-queue-pipeline")
}
