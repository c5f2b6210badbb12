//! `cargo run --example x05-async-generator-pipeline`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::x05_async_generator_pipeline`; its Python original is `python/x05-async-generator-pipeline.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("x05-async-generator-pipeline")
}
