//! `cargo run --example s000-03-producer-consumer-init`: prints the program's trace.
//! The program is `pycoro::programs::s000_03_producer_consumer_init`; its Python original is `python/s000-03-producer-consumer-init.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s000-03-producer-consumer-init")
}
