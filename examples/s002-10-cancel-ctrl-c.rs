//! `cargo run --example s002-10-cancel-ctrl-c`: prints the program's trace, on the real
//! clock (it sends itself Ctrl+C after 1.5 s; press Ctrl+C earlier to see it yourself).
//! The program is `pycoro::programs::s002_10_cancel_ctrl_c`; its Python original is
//! `python/s002-10-cancel-ctrl-c.py`.

fn main() -> std::process::ExitCode {
    pycoro::programs::main("s002-10-cancel-ctrl-c")
}
