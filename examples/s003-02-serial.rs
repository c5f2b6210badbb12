//! `cargo run --example s003-02-serial`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::s003_02_serial`; its Python original is `python/s003-02-serial.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s003-02-serial")
}
