//! `cargo run --example s002-05-hello-wait`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s002_05_hello_wait`; its Python original is `python/s002-05-hello-wait.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s002-05-hello-wait")
}
