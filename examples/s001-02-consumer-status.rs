//! `cargo run --example s001-02-consumer-status`: prints the program's trace.
//! The program is `pycoro::programs::s001_02_consumer_status`; its Python original is `python/s001-02-consumer-status.py`.

fn main() -> std::process::ExitCode {
    let result = pycoro::programs::s001_02_consumer_status::run(&mut std::io::stdout());
    pycoro::programs::exit_code(result)
}
