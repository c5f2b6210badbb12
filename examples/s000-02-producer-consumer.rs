//! `cargo run --example s000-02-producer-consumer`: prints the program's trace.
//! The program is `pycoro::programs::s000_02_producer_consumer`; its Python original is `python/s000-02-producer-consumer.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s000-02-producer-consumer")
}
