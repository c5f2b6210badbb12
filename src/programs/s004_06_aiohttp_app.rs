//! s004-06-aiohttp-app: document 004's aiohttp application, on `pycoro::web`.
//!
//! `cargo run --example s004-06-aiohttp-app` serves it on port 8080, as `web.run_app`
//! does (`-- --port N` or `PYCORO_PORT=N` for another). The program's trace is what a
//! client receives for `/`, `/Bob` and `/Bob/extra`: the server runs on a free port of
//! 127.0.0.1 and the program fetches the three paths from it (`-- --fetch`).

use crate::clock::Clock;
use crate::exceptions::PyResult;
use crate::native::{open_connection, run_with_clock};
use crate::pyprint;
use crate::trace::Out;
use crate::web::{Application, Request, Response, get, serve};

// ANCHOR: app
async fn index(_request: Request) -> PyResult<Response> {
    let text = "<h1>Index Page</h1>";
    Ok(Response::text(text).content_type("text/html"))
}

async fn hello(request: Request) -> PyResult<Response> {
    let name = request.match_info("name").unwrap_or("World");
    let text = format!("<h1>Hello, {name}</h1>");
    Ok(Response::text(text).content_type("text/html"))
}

/// `app = web.Application()` with the document's two routes.
pub fn app() -> Application {
    let mut app = Application::new();
    // 添加路由:
    app.add_routes([get("/", index), get("/{name}", hello)]);
    app
}
// ANCHOR_END: app

/// `GET path` over a new connection: (status, content type, body).
async fn fetch(port: u16, path: &str) -> PyResult<(u16, String, String)> {
    let (reader, writer) = open_connection("127.0.0.1", port).await?;
    writer.write(
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes(),
    )?;
    writer.drain().await?;
    let response = reader.read(None).await?;
    writer.close();
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or("")
        .to_string();
    Ok((status, content_type, body.to_string()))
}

async fn main(out: Out) -> PyResult<()> {
    let server = serve(app(), "127.0.0.1", 0).await?;
    for path in ["/", "/Bob", "/Bob/extra"] {
        let (status, content_type, body) = fetch(server.port(), path).await?;
        pyprint!(out, "{path} {status} {content_type} {body}");
    }
    server.shutdown().await
}

/// Runs the program on `clock`: serves the app and prints what a client receives.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main(out.clone()), clock.clone())
}
