//! s004-05-wget: three `wget`s at once over `open_connection`, as document 004 wrote them.
//!
//! Nothing leaves the machine: the program first starts three HTTP servers on 127.0.0.1
//! that answer with the document's header lines, and each `wget(host)` connects to the
//! one standing in for `host`. The document prints the `wget` lines in another order
//! than CPython can (erratum): gather starts the three in argument order.

use std::rc::Rc;

use crate::clock::Clock;
use crate::exceptions::PyResult;
use crate::native::{
    Server, StreamReader, StreamWriter, create_task, gather, open_connection, run_with_clock,
    start_server,
};
use crate::pyprint;
use crate::trace::Out;

/// What each site answered in the document: the response head.
const SITES: [(&str, &str); 3] = [
    (
        "www.sina.com.cn",
        "HTTP/1.1 200 OK\r\nDate: Wed, 20 May 2015 04:56:33 GMT\r\nContent-Type: text/html\r\n",
    ),
    (
        "www.sohu.com",
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n",
    ),
    (
        "www.163.com",
        "HTTP/1.0 302 Moved Temporarily\r\nServer: Cdn Cache Server V2.0\r\nLocation: http://www.163.com/\r\n",
    ),
];

/// A local server standing in for `host`: reads the request head, answers, closes.
async fn serve(head: &'static str) -> PyResult<Server> {
    start_server(
        move |reader: StreamReader, writer: StreamWriter| async move {
            loop {
                let line = reader.readline().await?;
                if line == b"\r\n" || line.is_empty() {
                    break;
                }
            }
            writer.write(format!("{head}\r\n<html>body</html>").as_bytes())?;
            writer.drain().await?;
            writer.close();
            Ok(())
        },
        "127.0.0.1",
        0,
    )
    .await
}

// ANCHOR: wget
async fn wget(out: Out, host: &'static str, port: u16) -> PyResult<()> {
    pyprint!(out, "wget {host}...");
    // 连接80端口:
    let (reader, writer) = open_connection("127.0.0.1", port).await?;
    // 发送HTTP请求:
    let header = format!("GET / HTTP/1.0\r\nHost: {host}\r\n\r\n");
    writer.write(header.as_bytes())?;
    writer.drain().await?;

    // 读取HTTP响应:
    loop {
        let line = reader.readline().await?;
        if line == b"\r\n" {
            break;
        }
        let line = String::from_utf8_lossy(&line);
        pyprint!(out, "{host} header > {}", line.trim_end());
    }
    // Ignore the body, close the socket
    writer.close();
    writer.wait_closed().await?;
    pyprint!(out, "Done {host}.");
    Ok(())
}
// ANCHOR_END: wget

async fn main(out: Out) -> PyResult<()> {
    let mut servers = Vec::new();
    for (_, head) in SITES {
        servers.push(Rc::new(serve(head).await?));
    }
    let mut tasks = Vec::new();
    for ((host, _), server) in SITES.iter().zip(&servers) {
        tasks.push(create_task(wget(out.clone(), host, server.port()))?);
    }
    gather(tasks).await?;
    for server in servers {
        server.close();
        server.wait_closed().await?;
    }
    Ok(())
}

/// Runs the program on `clock`, printing its trace to `out`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main(out.clone()), clock.clone())
}
