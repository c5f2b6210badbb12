//! `cargo run --example s004-05-wget`: three `wget`s at once against three local HTTP
//! servers standing in for the document's sites (nothing leaves the machine).
//! The program is `pycoro::programs::s004_05_wget`; its Python original is `python/s004-05-wget.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s004-05-wget")
}
