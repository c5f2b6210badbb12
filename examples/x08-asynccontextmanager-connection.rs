//! `cargo run --example x08-asynccontextmanager-connection`: prints the program's trace, on the real clock.
//! The program is `pycoro::programs::x08_asynccontextmanager_connection`; its Python original is `python/x08-asynccontextmanager-connection.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("x08-asynccontextmanager-connection")
}
