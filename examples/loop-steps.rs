//! `cargo run --example loop-steps`: s003-01 with the event loop's own steps printed
//! (task stepped, future yielded, callbacks scheduled, timer due), on the real clock.
//! The program is `pycoro::programs::loop_steps`.

fn main() -> std::process::ExitCode {
    let out = pycoro::trace::Out::stdout();
    let result = pycoro::programs::loop_steps::run(&out, &pycoro::clock::Clock::real());
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", pycoro::exceptions::format_exception_only(&e));
            std::process::ExitCode::FAILURE
        }
    }
}
