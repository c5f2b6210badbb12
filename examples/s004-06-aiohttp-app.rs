//! `cargo run --example s004-06-aiohttp-app`: serves document 004's application on
//! port 8080, as `web.run_app(app)` does, until Ctrl+C. `-- --port N` (or
//! `PYCORO_PORT=N`) serves on another port, `-- --keepalive-timeout S` closes idle
//! keep-alive connections after S seconds (aiohttp's 75 by default); `-- --fetch` runs
//! the program instead: it serves on a free port and prints what a client receives for
//! `/`, `/Bob` and `/Bob/extra`.
//! The program is `pycoro::programs::s004_06_aiohttp_app`; its Python original is
//! `python/s004-06-aiohttp-app.py`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--fetch") {
        return pycoro::programs::main("s004-06-aiohttp-app");
    }
    let port = match port(&args) {
        Ok(port) => port,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let mut timeouts = pycoro::web::Timeouts::default();
    match seconds(&args, "--keepalive-timeout") {
        Ok(Some(keepalive)) => timeouts.keepalive = keepalive,
        Ok(None) => {}
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    }
    let app = pycoro::programs::s004_06_aiohttp_app::app();
    let (out, clock) = (pycoro::trace::Out::stdout(), pycoro::clock::Clock::real());
    match pycoro::web::run_app_with(app, "0.0.0.0", port, out, clock, timeouts, |_| {}) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", pycoro::exceptions::format_exception_only(&e));
            ExitCode::FAILURE
        }
    }
}

/// `--port N`, else `PYCORO_PORT`, else 8080 (aiohttp's default).
fn port(args: &[String]) -> Result<u16, String> {
    let given = match args.iter().position(|a| a == "--port") {
        Some(i) => Some(args.get(i + 1).cloned().ok_or("--port needs a number")?),
        None => std::env::var("PYCORO_PORT").ok(),
    };
    match given {
        Some(text) => text.parse().map_err(|_| format!("not a port: {text}")),
        None => Ok(8080),
    }
}

/// `--keepalive-timeout S`: seconds, a positive number.
fn seconds(args: &[String], flag: &str) -> Result<Option<f64>, String> {
    let Some(i) = args.iter().position(|a| a == flag) else {
        return Ok(None);
    };
    let text = args
        .get(i + 1)
        .ok_or(format!("{flag} needs a number of seconds"))?;
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() => Ok(Some(s)),
        _ => Err(format!("not a number of seconds: {text}")),
    }
}
