//! `cargo run --example s001-02-consumer-status`: prints the program's trace.
//! The program is `pycoro::programs::s001_02_consumer_status`; its Python original is `python/s001-02-consumer-status.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s001-02-consumer-status")
}
