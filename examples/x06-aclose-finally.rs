//! `cargo run --example x06-aclose-finally`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::x06_aclose_finally`; its Python original is `python/x06-aclose-finally.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("x06-aclose-finally")
}
