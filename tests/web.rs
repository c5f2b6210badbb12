//! `pycoro::web`: document 004's application over real loopback sockets.

mod common;

use std::sync::mpsc;

use pycoro::clock::Clock;
use pycoro::exceptions::PyResult;
use pycoro::native::{StreamReader, create_task, gather, open_connection, run_with_clock};
use pycoro::web::{Application, Request, Response, get, serve};

async fn index(_request: Request) -> PyResult<Response> {
    Ok(Response::text("<h1>Index Page</h1>").content_type("text/html"))
}

async fn hello(request: Request) -> PyResult<Response> {
    let name = request.match_info("name").unwrap_or("World").to_string();
    Ok(Response::text(format!("<h1>Hello, {name}</h1>")).content_type("text/html"))
}

fn app() -> Application {
    let mut app = Application::new();
    app.add_routes([get("/", index), get("/{name}", hello)]);
    app
}

fn run<T: Clone + 'static>(
    main: impl std::future::Future<Output = PyResult<T>> + 'static,
) -> PyResult<T> {
    run_with_clock(main, Clock::real())
}

/// Status line, content type and body of one response read from `reader`.
async fn read_response(reader: &StreamReader) -> PyResult<(String, String, String)> {
    let status = String::from_utf8_lossy(&reader.readline().await?)
        .trim_end()
        .to_string();
    let mut content_type = String::new();
    let mut length = 0;
    loop {
        let line = String::from_utf8_lossy(&reader.readline().await?)
            .trim_end()
            .to_string();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(": ").unwrap_or((&line, ""));
        match name.to_ascii_lowercase().as_str() {
            "content-type" => content_type = value.to_string(),
            "content-length" => length = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    let body = String::from_utf8_lossy(&reader.readexactly(length).await?).into_owned();
    Ok((status, content_type, body))
}

/// Sends `request` on a new connection and reads one response.
async fn fetch(port: u16, request: String) -> PyResult<(String, String, String)> {
    let (reader, writer) = open_connection("127.0.0.1", port).await?;
    writer.write(request.as_bytes())?;
    writer.drain().await?;
    let response = read_response(&reader).await?;
    writer.close();
    Ok(response)
}

fn get_request(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
}

#[test]
fn the_documents_app_answers_index_hello_and_404_as_aiohttp_does() -> PyResult<()> {
    let answers = run(async {
        let server = serve(app(), "127.0.0.1", 0).await?;
        let mut answers = Vec::new();
        for path in ["/", "/Bob", "/Bob/extra", "/caf%C3%A9"] {
            answers.push(fetch(server.port(), get_request(path)).await?);
        }
        server.shutdown().await?;
        Ok(answers)
    })?;
    let html = "text/html; charset=utf-8".to_string();
    assert_eq!(
        answers[0],
        (
            "HTTP/1.1 200 OK".into(),
            html.clone(),
            "<h1>Index Page</h1>".into()
        )
    );
    assert_eq!(
        answers[1],
        (
            "HTTP/1.1 200 OK".into(),
            html.clone(),
            "<h1>Hello, Bob</h1>".into()
        )
    );
    assert_eq!(
        answers[2],
        (
            "HTTP/1.1 404 Not Found".into(),
            "text/plain; charset=utf-8".into(),
            "404: Not Found".into()
        )
    );
    assert_eq!(answers[3].2, "<h1>Hello, café</h1>");
    Ok(())
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() -> PyResult<()> {
    let bodies = run(async {
        let server = serve(app(), "127.0.0.1", 0).await?;
        let (reader, writer) = open_connection("127.0.0.1", server.port()).await?;
        let mut bodies = Vec::new();
        for name in ["a", "b", "c"] {
            writer.write(format!("GET /{name} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())?;
            writer.drain().await?;
            bodies.push(read_response(&reader).await?.2);
        }
        writer.close();
        server.shutdown().await?;
        Ok(bodies)
    })?;
    assert_eq!(
        bodies,
        [
            "<h1>Hello, a</h1>",
            "<h1>Hello, b</h1>",
            "<h1>Hello, c</h1>"
        ]
    );
    Ok(())
}

#[test]
fn malformed_oversized_and_unknown_requests_get_their_status_and_the_connection_closes()
-> PyResult<()> {
    let answers = run(async {
        let server = serve(app(), "127.0.0.1", 0).await?;
        let port = server.port();
        let huge_header = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(70_000));
        let mut answers = Vec::new();
        for request in [
            "HELLO THERE\r\n\r\n".to_string(),
            huge_header,
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999\r\n\r\n".to_string(),
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".to_string(),
            "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n".to_string(),
        ] {
            let (reader, writer) = open_connection("127.0.0.1", port).await?;
            writer.write(request.as_bytes())?;
            writer.drain().await?;
            let (status, _, _) = read_response(&reader).await?;
            // An error closes the connection; a 405 is an answer like any other.
            let closed = status.contains("405") || reader.read(Some(1)).await?.is_empty();
            answers.push((status, closed));
        }
        server.shutdown().await?;
        Ok(answers)
    })?;
    let statuses: Vec<&str> = answers.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        statuses,
        [
            "HTTP/1.1 400 Bad Request",
            "HTTP/1.1 431 Request Header Fields Too Large",
            "HTTP/1.1 413 Request Entity Too Large",
            "HTTP/1.1 405 Method Not Allowed",
            "HTTP/1.1 400 Bad Request",
        ]
    );
    assert!(
        answers[..3].iter().all(|(_, closed)| *closed),
        "{answers:?}"
    );
    Ok(())
}

#[test]
fn a_client_that_connects_and_sends_nothing_delays_nobody() -> PyResult<()> {
    let body = run(async {
        let server = serve(app(), "127.0.0.1", 0).await?;
        let (_idle_reader, _idle_writer) = open_connection("127.0.0.1", server.port()).await?;
        let body = fetch(server.port(), get_request("/Alice")).await?.2;
        server.shutdown().await?; // and shutting down closes the idle connection
        Ok(body)
    })?;
    assert_eq!(body, "<h1>Hello, Alice</h1>");
    Ok(())
}

#[test]
fn a_thousand_concurrent_connections_each_get_their_own_answer() -> PyResult<()> {
    let answers = run(async {
        let server = serve(app(), "127.0.0.1", 0).await?;
        let port = server.port();
        let mut tasks = Vec::new();
        for i in 0..1000 {
            tasks.push(create_task(async move {
                Ok(fetch(port, get_request(&format!("/client{i}"))).await?.2)
            })?);
        }
        let answers = gather(tasks).await?;
        server.shutdown().await?;
        Ok(answers)
    })?;
    assert_eq!(answers.len(), 1000);
    for (i, body) in answers.iter().enumerate() {
        assert_eq!(body, &format!("<h1>Hello, client{i}</h1>"));
    }
    Ok(())
}

/// Random bytes, truncated requests and absurd lengths: each is answered or closed,
/// and the server goes on answering a proper request after every one.
#[test]
fn fuzzed_requests_are_answered_or_closed_and_the_server_keeps_serving() -> PyResult<()> {
    let mut next = common::xorshift(0x1234_5678_9ABC_DEF1u64);
    let valid = b"GET /Bob HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for _ in 0..100 {
        let len = (next() % 300) as usize;
        inputs.push((0..len).map(|_| next() as u8).collect());
    }
    for cut in 0..valid.len() {
        inputs.push(valid[..cut].to_vec());
    }
    for length in ["-1", "18446744073709551616", "1e9", "4294967296", " 12 "] {
        inputs.push(
            format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\nab")
                .into_bytes(),
        );
    }
    let count = inputs.len();
    let checked = run(async move {
        let server = serve(app(), "127.0.0.1", 0).await?;
        let port = server.port();
        let mut checked = 0;
        for input in inputs {
            let (reader, writer) = open_connection("127.0.0.1", port).await?;
            writer.write(&input)?;
            writer.write_eof();
            writer.drain().await?;
            let answer = reader.read(None).await?; // an answer then the end, or just the end
            let text = String::from_utf8_lossy(&answer);
            assert!(
                answer.is_empty() || text.starts_with("HTTP/1.1 "),
                "{text:?} for {input:?}"
            );
            let (status, _, body) = fetch(port, get_request("/Bob")).await?;
            assert_eq!(
                (status.as_str(), body.as_str()),
                ("HTTP/1.1 200 OK", "<h1>Hello, Bob</h1>")
            );
            checked += 1;
        }
        server.shutdown().await?;
        Ok(checked)
    })?;
    assert_eq!(checked, count);
    Ok(())
}

/// Ctrl+C while a request is being handled: the server stops accepting, the request
/// is answered, and `run_app` returns.
#[test]
fn ctrl_c_stops_the_server_after_the_request_in_flight_is_answered() -> PyResult<()> {
    let clock = Clock::real();
    let (started_tx, started_rx) = mpsc::channel::<u16>();
    let (in_handler_tx, in_handler_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = std::sync::Arc::new(std::sync::Mutex::new(release_rx));
    let mut app = Application::new(); // /slow first: routes are tried in order
    app.add_routes([get("/slow", move |_| {
        let in_handler = in_handler_tx.clone();
        let release = release_rx.clone();
        async move {
            in_handler.send(()).unwrap();
            // The handler's work: a job on the executor that finishes when the test says.
            let event_loop = pycoro::event_loop::get_running_loop()?;
            event_loop
                .run_in_executor(move || {
                    release.lock().unwrap().recv().unwrap();
                    Ok(())
                })?
                .await?;
            Ok(Response::text("finished"))
        }
    })]);
    app.add_routes([get("/", index), get("/{name}", hello)]);
    let client_clock = clock.clone();
    let client = std::thread::spawn(move || -> String {
        use std::io::{Read, Write};
        let port = started_rx.recv().unwrap();
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        in_handler_rx.recv().unwrap();
        pycoro::event_loop::signals::send_sigint(&client_clock).unwrap();
        release_tx.send(()).unwrap();
        let mut answer = String::new();
        // To the end: the server answers, then closes the connection as it stops.
        stream.read_to_string(&mut answer).unwrap();
        answer
    });
    let (out, banner) = pycoro::trace::Out::capture();
    let timeouts = pycoro::web::Timeouts::default();
    pycoro::web::run_app_with(app, "127.0.0.1", 0, out, clock, timeouts, move |port| {
        started_tx.send(port).unwrap()
    })?;
    let answer = client.join().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with("\r\n\r\nfinished"), "{answer}");
    assert!(
        banner
            .text()
            .starts_with("======== Running on http://127.0.0.1:")
    );
    Ok(())
}

/// The example's server: `run_app` with the document's app, on a free port, fetched
/// over real sockets by another thread, then stopped with Ctrl+C.
#[test]
fn the_examples_app_under_run_app_answers_index_and_bob_over_real_sockets() -> PyResult<()> {
    let clock = Clock::real();
    let (started_tx, started_rx) = mpsc::channel::<u16>();
    let client_clock = clock.clone();
    let client = std::thread::spawn(move || -> Vec<String> {
        use std::io::{Read, Write};
        let port = started_rx.recv().unwrap();
        let answers = ["/", "/Bob"]
            .iter()
            .map(|path| {
                let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
                stream.write_all(get_request(path).as_bytes()).unwrap();
                let mut answer = String::new();
                stream.read_to_string(&mut answer).unwrap();
                answer
            })
            .collect();
        pycoro::event_loop::signals::send_sigint(&client_clock).unwrap();
        answers
    });
    let app = pycoro::programs::s004_06_aiohttp_app::app();
    let (out, _banner) = pycoro::trace::Out::capture();
    let timeouts = pycoro::web::Timeouts::default();
    pycoro::web::run_app_with(app, "127.0.0.1", 0, out, clock, timeouts, move |port| {
        started_tx.send(port).unwrap()
    })?;
    let answers = client.join().unwrap();
    for (answer, body) in answers
        .iter()
        .zip(["<h1>Index Page</h1>", "<h1>Hello, Bob</h1>"])
    {
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(
            answer.contains("\r\nContent-Type: text/html; charset=utf-8\r\n"),
            "{answer}"
        );
        assert!(answer.ends_with(&format!("\r\n\r\n{body}")), "{answer}");
    }
    Ok(())
}

#[test]
fn a_head_request_gets_the_get_routes_headers_without_the_body() -> PyResult<()> {
    let answer = run(async {
        let server = serve(app(), "127.0.0.1", 0).await?;
        let (reader, writer) = open_connection("127.0.0.1", server.port()).await?;
        writer.write(b"HEAD /Bob HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
        writer.drain().await?;
        let answer = reader.read(None).await?;
        server.shutdown().await?;
        Ok(String::from_utf8_lossy(&answer).into_owned())
    })?;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("Content-Length: 19\r\n"), "{answer}");
    assert!(answer.ends_with("\r\n\r\n"), "no body: {answer}");
    Ok(())
}

/// A keep-alive connection on which the server waits for the next request; the client
/// then sends a request and the end of its stream in the same step, so the server's
/// loop sees both in one epoll edge. Returns the answer's status line.
async fn request_and_end_of_stream_in_one_edge(
    port: u16,
) -> PyResult<(String, StreamReader, pycoro::native::StreamWriter)> {
    let (reader, writer) = open_connection("127.0.0.1", port).await?;
    writer.write(b"GET /first HTTP/1.1\r\nHost: x\r\n\r\n")?;
    read_response(&reader).await?; // the server now waits for the next request
    writer.write(b"GET /second HTTP/1.1\r\nHost: x\r\n\r\n")?;
    writer.write_eof();
    let (status, _, body) = read_response(&reader).await?;
    assert_eq!(body, "<h1>Hello, second</h1>");
    Ok((status, reader, writer))
}

#[test]
fn a_request_and_the_end_of_the_stream_in_one_edge_are_answered_then_the_server_closes()
-> PyResult<()> {
    let (status, rest) = run(async {
        let server = serve(app(), "127.0.0.1", 0).await?;
        let (status, reader, _writer) =
            request_and_end_of_stream_in_one_edge(server.port()).await?;
        // The end of the server's stream, not a wait for ever (5 s bound only to fail).
        let rest = create_task(async move { reader.read(None).await })?;
        let rest = pycoro::native::wait_for(rest, 5.0).await;
        server.shutdown().await?;
        Ok((status, rest?))
    })?;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(rest.is_empty(), "{rest:?}");
    Ok(())
}

/// 0 leaks in 1,000 tries: each time a connection's last request and the end of its
/// stream come in one edge, the server must close its socket (it stays in CLOSE_WAIT,
/// open for ever, if it waits for an edge that never comes).
#[test]
fn no_descriptor_leaks_when_the_end_of_the_stream_comes_with_the_last_request() -> PyResult<()> {
    let (before, after) = run(async {
        let server = serve(app(), "127.0.0.1", 0).await?;
        let port = server.port();
        let before = common::open_server_connections(port);
        for _ in 0..1000 {
            let (_, reader, writer) = request_and_end_of_stream_in_one_edge(port).await?;
            writer.close();
            drop(reader);
        }
        // The server closes within a few passes of the loop: no edge to wait for.
        let mut passes = 0;
        while common::open_server_connections(port) > before && passes < 100 {
            pycoro::native::sleep(0.0).await?;
            passes += 1;
        }
        let after = common::open_server_connections(port);
        server.shutdown().await?;
        Ok((before, after))
    })?;
    assert_eq!(before, 0);
    assert_eq!(after - before, 0, "{after} leaks in 1,000 tries");
    Ok(())
}

/// Empty path segments do not match a `{name}` (nor are they skipped), and a fragment,
/// which a client should not send, does not reach the path: what aiohttp 3 answers.
#[test]
fn empty_path_segments_and_fragments_do_not_reach_match_info() -> PyResult<()> {
    let answers = run(async {
        let server = serve(app(), "127.0.0.1", 0).await?;
        let mut answers = Vec::new();
        for path in [
            "//Bob",
            "/Bob/",
            "/Bob//",
            "/Bob#frag",
            "/#x",
            "/Bob?q=1#frag",
        ] {
            let (status, _, body) = fetch(server.port(), get_request(path)).await?;
            answers.push(format!("{status} {body}"));
        }
        server.shutdown().await?;
        Ok(answers)
    })?;
    assert_eq!(
        answers,
        [
            "HTTP/1.1 404 Not Found 404: Not Found",
            "HTTP/1.1 404 Not Found 404: Not Found",
            "HTTP/1.1 404 Not Found 404: Not Found",
            "HTTP/1.1 200 OK <h1>Hello, Bob</h1>",
            "HTTP/1.1 200 OK <h1>Index Page</h1>",
            "HTTP/1.1 200 OK <h1>Hello, Bob</h1>",
        ]
    );
    Ok(())
}

/// The document's app, and `POST /echo`, which answers `length:body`.
fn echo_app() -> Application {
    let mut app = app();
    app.add_routes([pycoro::web::post("/echo", |request: Request| async move {
        let body = request.read().await?;
        let text = String::from_utf8_lossy(body).into_owned();
        Ok(Response::text(format!("{}:{text}", body.len())))
    })]);
    app
}

/// One response read from `reader`: its head (status line and header lines, without
/// the blank line) and its body (by its `Content-Length`).
async fn read_raw_response(reader: &StreamReader) -> PyResult<(String, String)> {
    let head = String::from_utf8_lossy(&reader.readuntil(b"\r\n\r\n").await?).into_owned();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .map_or(0, |n| n.trim().parse().unwrap());
    let body = String::from_utf8_lossy(&reader.readexactly(length).await?).into_owned();
    Ok((head.trim_end().to_string(), body))
}

/// Sends `request` on a new connection and reads one response: its status line, its
/// `Connection` header (empty if none), its body; the connection stays open.
async fn send(
    port: u16,
    request: &[u8],
) -> PyResult<(
    String,
    String,
    String,
    StreamReader,
    pycoro::native::StreamWriter,
)> {
    let (reader, writer) = open_connection("127.0.0.1", port).await?;
    writer.write(request)?;
    writer.drain().await?;
    // Bounded (5 s) only to fail rather than hang: a head must be answered promptly.
    let reading = std::rc::Rc::new(reader);
    let task_reader = reading.clone();
    let answer = create_task(async move { read_raw_response(&task_reader).await })?;
    let (head, body) = pycoro::native::wait_for(answer, 5.0).await?;
    let reader = std::rc::Rc::try_unwrap(reading).ok().unwrap();
    let status = head.lines().next().unwrap_or("").to_string();
    let connection = head
        .lines()
        .find_map(|l| l.strip_prefix("Connection: "))
        .unwrap_or("")
        .to_string();
    Ok((status, connection, body, reader, writer))
}

/// Whether the server closes the connection now (bounded: 5 s).
async fn server_closes(reader: StreamReader) -> PyResult<bool> {
    let rest = create_task(async move { reader.read(None).await })?;
    Ok(pycoro::native::wait_for(rest, 5.0)
        .await
        .is_ok_and(|rest| rest.is_empty()))
}

/// Status and body for each request, each on a new connection.
fn answers(requests: Vec<Vec<u8>>) -> PyResult<Vec<String>> {
    run(async move {
        let server = serve(echo_app(), "127.0.0.1", 0).await?;
        let mut answers = Vec::new();
        for request in requests {
            let (status, _, body, _, _) = send(server.port(), &request).await?;
            answers.push(format!("{status} {body}"));
        }
        server.shutdown().await?;
        Ok(answers)
    })
}

#[test]
fn content_length_is_digits_only_and_the_same_on_every_line() -> PyResult<()> {
    let post = |lengths: &[&str], body: &str| {
        let lines: String = lengths
            .iter()
            .map(|l| format!("Content-Length: {l}\r\n"))
            .collect();
        format!("POST /echo HTTP/1.1\r\nHost: x\r\n{lines}\r\n{body}").into_bytes()
    };
    let answers = answers(vec![
        post(&["+5"], "hello"),
        post(&["5", "6"], "hello!"),
        post(&["0x5"], "hello"),
        post(&["5, 5"], "hello"),
        post(&["5", "5"], "hello"),
        post(&["05"], "hello"),
    ])?;
    assert_eq!(
        answers,
        [
            "HTTP/1.1 400 Bad Request 400: Bad Request",
            "HTTP/1.1 400 Bad Request 400: Bad Request",
            "HTTP/1.1 400 Bad Request 400: Bad Request",
            "HTTP/1.1 400 Bad Request 400: Bad Request",
            "HTTP/1.1 200 OK 5:hello", // the same value twice: RFC 9110 lets it pass
            "HTTP/1.1 200 OK 5:hello",
        ]
    );
    Ok(())
}

#[test]
fn connection_is_a_list_of_case_insensitive_tokens() -> PyResult<()> {
    let (closes, connection) = run(async {
        let server = serve(app(), "127.0.0.1", 0).await?;
        let mut closes = Vec::new();
        let mut connection = Vec::new();
        for value in ["close, TE", "Upgrade, CLOSE", "keep-alive"] {
            let request = format!("GET /Bob HTTP/1.1\r\nHost: x\r\nConnection: {value}\r\n\r\n");
            let (_, header, _, reader, _writer) = send(server.port(), request.as_bytes()).await?;
            connection.push(header);
            if value == "keep-alive" {
                closes.push(false); // stays open: not waited for
            } else {
                closes.push(server_closes(reader).await?);
            }
        }
        server.shutdown().await?;
        Ok((closes, connection))
    })?;
    assert_eq!(closes, [true, true, false]);
    assert_eq!(connection, ["close", "close", ""]);
    Ok(())
}

#[test]
fn http_1_0_keep_alive_is_answered_in_http_1_0_and_the_connection_stays_open() -> PyResult<()> {
    let (first, second, plain, plain_closes) = run(async {
        let server = serve(app(), "127.0.0.1", 0).await?;
        let keep = b"GET /Bob HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
        let (status, connection, body, reader, writer) = send(server.port(), keep).await?;
        writer.write(b"GET /Ann HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")?;
        let (head, second_body) = read_raw_response(&reader).await?;
        let (plain_status, plain_connection, _, plain_reader, _w) =
            send(server.port(), b"GET /Bob HTTP/1.0\r\n\r\n").await?;
        let plain_closes = server_closes(plain_reader).await?;
        server.shutdown().await?;
        Ok((
            (status, connection, body),
            (head.contains("\r\nConnection: keep-alive"), second_body),
            (plain_status, plain_connection),
            plain_closes,
        ))
    })?;
    assert_eq!(
        first,
        (
            "HTTP/1.0 200 OK".into(),
            "keep-alive".into(),
            "<h1>Hello, Bob</h1>".into()
        )
    );
    assert_eq!(second, (true, "<h1>Hello, Ann</h1>".into()));
    assert_eq!(plain, ("HTTP/1.0 200 OK".into(), "close".into()));
    assert!(plain_closes);
    Ok(())
}

#[test]
fn a_hundred_header_lines_are_a_valid_request_and_more_than_128_are_431() -> PyResult<()> {
    let with_headers = |n: usize| {
        let lines: String = (1..n).map(|i| format!("X-Header-{i}: value\r\n")).collect();
        format!("GET /Bob HTTP/1.1\r\nHost: x\r\n{lines}\r\n").into_bytes()
    };
    let answers = answers(vec![
        with_headers(100),
        with_headers(128),
        with_headers(129),
    ])?;
    assert_eq!(
        answers,
        [
            "HTTP/1.1 200 OK <h1>Hello, Bob</h1>",
            "HTTP/1.1 200 OK <h1>Hello, Bob</h1>",
            "HTTP/1.1 431 Request Header Fields Too Large 431: Request Header Fields Too Large",
        ]
    );
    Ok(())
}

#[test]
fn an_http_1_1_request_needs_exactly_one_host() -> PyResult<()> {
    let answers = answers(vec![
        b"GET /Bob HTTP/1.1\r\n\r\n".to_vec(),
        b"GET /Bob HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n".to_vec(),
        b"GET /Bob HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n".to_vec(),
        b"GET /Bob HTTP/1.0\r\n\r\n".to_vec(),
        b"GET /Bob HTTP/1.1\r\nhost: a\r\n\r\n".to_vec(),
    ])?;
    assert_eq!(
        answers,
        [
            "HTTP/1.1 400 Bad Request 400: Bad Request",
            "HTTP/1.1 400 Bad Request 400: Bad Request",
            "HTTP/1.1 400 Bad Request 400: Bad Request",
            "HTTP/1.0 200 OK <h1>Hello, Bob</h1>",
            "HTTP/1.1 200 OK <h1>Hello, Bob</h1>",
        ]
    );
    Ok(())
}

/// A head that can never end (no `\r\n\r\n` will ever come) is answered as soon as its
/// bytes cannot be HTTP, while the client waits with the connection open.
#[test]
fn a_head_that_can_never_end_is_answered_at_once() -> PyResult<()> {
    let mut client_hello = vec![
        0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03,
    ];
    client_hello.extend([0u8; 32]);
    let answers = answers(vec![
        client_hello,
        b"GET /Bob HTTP/1.1\rHost: x\r\r".to_vec(), // bare CR: httparse refuses it
        b"GET /Bob HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n".to_vec(),
        // Bare LF line endings, which RFC 9112 (2.2) lets a server accept, and httparse does.
        b"GET /Bob HTTP/1.1\nHost: x\n\n".to_vec(),
    ])?;
    assert_eq!(
        answers,
        [
            "HTTP/1.1 400 Bad Request 400: Bad Request",
            "HTTP/1.1 400 Bad Request 400: Bad Request",
            "HTTP/1.1 400 Bad Request 400: Bad Request",
            "HTTP/1.1 200 OK <h1>Hello, Bob</h1>",
        ]
    );
    Ok(())
}

/// A client that sends `Expect: 100-continue` waits for `100 Continue` before it sends
/// the body: the server must say it first (here the client would wait for ever).
#[test]
fn expect_100_continue_gets_100_continue_before_the_body_is_read() -> PyResult<()> {
    let (interim, answer, unknown) = run(async {
        let server = serve(echo_app(), "127.0.0.1", 0).await?;
        let (reader, writer) = open_connection("127.0.0.1", server.port()).await?;
        writer.write(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        )?;
        let reader = std::rc::Rc::new(reader);
        let waiting = reader.clone();
        let interim = create_task(async move { waiting.readuntil(b"\r\n\r\n").await })?;
        let interim = pycoro::native::wait_for(interim, 5.0).await?; // bounded only to fail
        writer.write(b"hello")?;
        let answer = read_raw_response(&reader).await?.1;
        let (unknown, _, _, _, _) = send(
            server.port(),
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: magic\r\n\r\nhello",
        )
        .await?;
        server.shutdown().await?;
        Ok((
            String::from_utf8_lossy(&interim).into_owned(),
            answer,
            unknown,
        ))
    })?;
    assert_eq!(interim, "HTTP/1.1 100 Continue\r\n\r\n");
    assert_eq!(answer, "5:hello");
    assert_eq!(unknown, "HTTP/1.1 417 Expectation Failed");
    Ok(())
}

/// Chunked request bodies are decoded (extensions and trailers dropped), and the
/// connection goes on with the next request after the body.
#[test]
fn a_chunked_request_body_is_decoded_and_the_connection_goes_on() -> PyResult<()> {
    let (first, second) = run(async {
        let server = serve(echo_app(), "127.0.0.1", 0).await?;
        let (_, _, first, reader, writer) = send(
            server.port(),
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
              5\r\nhello\r\n6 ;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
        )
        .await?;
        // The next body comes a piece at a time.
        writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n")?;
        for piece in [
            &b"1"[..],
            b"0\r\n0123456789",
            b"abcdef\r",
            b"\n0\r\n",
            b"\r\n",
        ] {
            pycoro::native::sleep(0.0).await?;
            writer.write(piece)?;
        }
        let second = read_raw_response(&reader).await?.1;
        server.shutdown().await?;
        Ok((first, second))
    })?;
    assert_eq!(first, "11:hello world");
    assert_eq!(second, "16:0123456789abcdef");
    Ok(())
}

#[test]
fn malformed_chunked_framing_is_refused() -> PyResult<()> {
    let post = |headers: &str, body: &str| {
        format!("POST /echo HTTP/1.1\r\nHost: x\r\n{headers}\r\n{body}").into_bytes()
    };
    let chunked = "Transfer-Encoding: chunked\r\n";
    let big = format!("{:x}\r\n", 1024 * 1024 + 1);
    let answers = answers(vec![
        post(
            &format!("{chunked}Content-Length: 5\r\n"),
            "5\r\nhello\r\n0\r\n\r\n",
        ),
        post(chunked, "zz\r\nhello\r\n0\r\n\r\n"),
        post(chunked, "5\r\nhelloXX0\r\n\r\n"),
        post(chunked, "+5\r\nhello\r\n0\r\n\r\n"),
        post(chunked, &big),
        post("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n"),
        post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"),
        b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(),
    ])?;
    let bad = "HTTP/1.1 400 Bad Request 400: Bad Request";
    assert_eq!(
        answers,
        [
            bad,
            bad,
            bad,
            bad,
            "HTTP/1.1 413 Request Entity Too Large 413: Request Entity Too Large",
            bad,
            "HTTP/1.1 501 Not Implemented 501: Not Implemented",
            bad,
        ]
    );
    Ok(())
}

/// On the virtual clock: time moves only when no socket is ready, straight to the next
/// timer, so a 75 s timeout takes no time and its moment is exact.
fn run_virtual<T: Clone + 'static>(
    main: impl std::future::Future<Output = PyResult<T>> + 'static,
) -> PyResult<T> {
    run_with_clock(main, Clock::new_virtual())
}

/// aiohttp's `keepalive_timeout` (75 s): a keep-alive connection used within it stays
/// open, and one left idle for it is closed, 75 s after its last answer.
#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_keepalive_timeout() -> PyResult<()> {
    let (bodies, closed_after, rest) = run_virtual(async {
        let event_loop = pycoro::event_loop::get_running_loop()?;
        let server = serve(app(), "127.0.0.1", 0).await?;
        let (reader, writer) = open_connection("127.0.0.1", server.port()).await?;
        writer.write(b"GET /Bob HTTP/1.1\r\nHost: x\r\n\r\n")?;
        let first = read_raw_response(&reader).await?.1;
        pycoro::native::sleep(50.0).await?; // idle, but less than 75 s
        writer.write(b"GET /Ann HTTP/1.1\r\nHost: x\r\n\r\n")?;
        let second = read_raw_response(&reader).await?.1;
        let answered = event_loop.time();
        // Until the server closes; a bound far past 75 s, so that without the timeout the
        // test fails (virtual time jumps to the bound) instead of waiting for ever.
        let rest = create_task(async move { reader.read(None).await })?;
        let rest = pycoro::native::wait_for(rest, 1000.0).await?;
        let closed_after = event_loop.time() - answered;
        server.shutdown().await?;
        Ok(((first, second), closed_after, rest))
    })?;
    assert_eq!(
        bodies,
        ("<h1>Hello, Bob</h1>".into(), "<h1>Hello, Ann</h1>".into())
    );
    assert!((closed_after - 75.0).abs() < 1e-6, "{closed_after}");
    assert!(rest.is_empty());
    Ok(())
}

/// A head that comes a line every 10 s (slowloris) gets `408 Request Timeout` when
/// the head limit has passed since its first bytes; with `serve_with`'s timeouts, a
/// connection that sends nothing is closed after the keep-alive timeout.
#[test]
fn a_head_that_takes_too_long_is_408_and_a_silent_connection_is_closed() -> PyResult<()> {
    let (status, head_after, silent_after, silent_rest) = run_virtual(async {
        let event_loop = pycoro::event_loop::get_running_loop()?;
        let timeouts = pycoro::web::Timeouts {
            keepalive: 5.0,
            head: 30.0,
            ..Default::default()
        };
        let server = pycoro::web::serve_with(app(), "127.0.0.1", 0, timeouts).await?;
        let (reader, writer) = open_connection("127.0.0.1", server.port()).await?;
        let started = event_loop.time();
        writer.write(b"GET /Bob HTTP/1.1\r\n")?;
        for _ in 0..4 {
            pycoro::native::sleep(1.0).await?; // under the keep-alive timeout each time
            writer.write(b"X-Slow: yes\r\n")?;
        }
        // Bounded far past the timeouts (in virtual time) to fail rather than hang.
        let head = create_task(async move { read_raw_response(&reader).await })?;
        let (head, _) = pycoro::native::wait_for(head, 1000.0).await?;
        let head_after = event_loop.time() - started;
        let (silent, _silent_writer) = open_connection("127.0.0.1", server.port()).await?;
        let connected = event_loop.time();
        let silent_rest = create_task(async move { silent.read(None).await })?;
        let silent_rest = pycoro::native::wait_for(silent_rest, 1000.0).await?;
        let silent_after = event_loop.time() - connected;
        server.shutdown().await?;
        let status = head.lines().next().unwrap_or("").to_string();
        Ok((status, head_after, silent_after, silent_rest))
    })?;
    assert_eq!(status, "HTTP/1.1 408 Request Timeout");
    assert!((head_after - 30.0).abs() < 1e-6, "{head_after}");
    assert!((silent_after - 5.0).abs() < 1e-6, "{silent_after}");
    assert!(silent_rest.is_empty());
    Ok(())
}

// Twins of python/rules/aiohttp_limits.py's last checks, which aiohttp answers so.
#[test]
fn a_handler_that_raises_is_500_and_reported_and_any_status_has_its_reason() -> PyResult<()> {
    use pycoro::event_loop::get_running_loop;
    use pycoro::exceptions::ValueError;
    use std::cell::RefCell;
    use std::rc::Rc;
    async fn fails(_request: Request) -> PyResult<Response> {
        Err(ValueError::new("bad").into())
    }
    async fn created(_request: Request) -> PyResult<Response> {
        Ok(Response::text("made").status(201))
    }
    let reports = Rc::new(RefCell::new(Vec::new()));
    let seen = reports.clone();
    let answers = run(async move {
        get_running_loop()?.set_exception_handler(Some(Rc::new(move |_, context| {
            let e = context.exception.as_ref().map(ToString::to_string);
            seen.borrow_mut().push((context.message.clone(), e));
        })));
        let mut app = Application::new();
        app.add_routes([get("/fails", fails), get("/created", created)]);
        let server = serve(app, "127.0.0.1", 0).await?;
        let failed = fetch(server.port(), get_request("/fails")).await?;
        let made = fetch(server.port(), get_request("/created")).await?;
        server.shutdown().await?;
        Ok((failed, made))
    })?;
    let ((status, _, body), (made_status, _, made_body)) = answers;
    assert_eq!(status, "HTTP/1.1 500 Internal Server Error");
    assert_eq!(
        body,
        "500 Internal Server Error\n\nServer got itself in trouble"
    );
    assert_eq!(
        (made_status.as_str(), made_body.as_str()),
        ("HTTP/1.1 201 Created", "made")
    );
    assert_eq!(
        *reports.borrow(),
        [("Error handling request".to_owned(), Some("bad".to_owned()))]
    );
    Ok(())
}
