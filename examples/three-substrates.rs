//! `cargo run --example three-substrates`: s000-02's consumer on nightly coroutines,
//! genawaiter and corosensei, with the size of what each keeps while suspended.
//! The program is `pycoro::programs::three_substrates`.

fn main() -> std::process::ExitCode {
    match pycoro::programs::three_substrates::run(&pycoro::trace::Out::stdout()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", pycoro::exceptions::format_exception_only(&e));
            std::process::ExitCode::FAILURE
        }
    }
}
