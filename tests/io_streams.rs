//! Streams over real loopback sockets, on the reactor. The real clock, but nothing
//! sleeps: every wait is for a socket.

use std::time::Duration;

use pycoro::clock::Clock;
use pycoro::exceptions::{
    ConnectionRefusedError, ConnectionResetError, IncompleteReadError, PyResult, ValueError,
    exception_name, format_exception_only,
};
use pycoro::native::streams::{HIGH_WATER, LOW_WATER};
use pycoro::native::{
    StreamReader, StreamWriter, create_task, open_connection, run_with_clock, start_server,
};

fn run<T: Clone + 'static>(
    main: impl std::future::Future<Output = PyResult<T>> + 'static,
) -> PyResult<T> {
    run_with_clock(main, Clock::real())
}

async fn echo(reader: StreamReader, writer: StreamWriter) -> PyResult<()> {
    loop {
        let line = reader.readline().await?;
        if line.is_empty() {
            break;
        }
        writer.write(&line)?;
        writer.drain().await?;
    }
    writer.close();
    Ok(())
}

#[test]
fn a_client_and_an_echo_server_in_one_loop_exchange_lines() -> PyResult<()> {
    let replies = run(async {
        let server = start_server(echo, "127.0.0.1", 0).await?;
        let (reader, writer) = open_connection("127.0.0.1", server.port()).await?;
        writer.write(b"hello\nworld\n")?;
        writer.drain().await?;
        let first = reader.readline().await?;
        let second = reader.readexactly(6).await?;
        writer.write(b"a:b|c\n")?;
        let until = reader.readuntil(b"|").await?;
        let rest = reader.read(Some(100)).await?;
        writer.close();
        writer.wait_closed().await?;
        server.close();
        server.wait_closed().await?;
        Ok(vec![first, second, until, rest])
    })?;
    assert_eq!(
        replies,
        [
            b"hello\n".to_vec(),
            b"world\n".to_vec(),
            b"a:b|".to_vec(),
            b"c\n".to_vec()
        ]
    );
    Ok(())
}

#[test]
fn the_end_of_the_stream_mid_read_is_incomplete_read_error_and_readline_returns_the_rest()
-> PyResult<()> {
    let (error, partial_line, at_eof) = run(async {
        let server = start_server(
            |_reader: StreamReader, writer: StreamWriter| async move {
                writer.write(b"abc")?;
                writer.close();
                Ok(())
            },
            "127.0.0.1",
            0,
        )
        .await?;
        let (reader, _writer) = open_connection("127.0.0.1", server.port()).await?;
        let error = reader.readexactly(10).await.unwrap_err();
        let (reader2, _w2) = open_connection("127.0.0.1", server.port()).await?;
        let partial_line = reader2.readline().await?;
        let at_eof = reader2.at_eof();
        server.close();
        Ok((format_exception_only(&error), partial_line, at_eof))
    })?;
    assert_eq!(
        error,
        "asyncio.exceptions.IncompleteReadError: 3 bytes read on a total of 10 expected bytes"
    );
    assert_eq!(partial_line, b"abc");
    assert!(at_eof);
    Ok(())
}

#[test]
fn connecting_to_a_port_nobody_listens_on_is_connection_refused_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error =
        run(async move { open_connection("127.0.0.1", port).await.map(|_| ()) }).unwrap_err();
    assert!(error.is::<ConnectionRefusedError>(), "{error}");
    assert_eq!(
        format_exception_only(&error),
        format!("ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', {port})")
    );
}

#[test]
fn a_peer_that_resets_the_connection_is_connection_reset_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        // SO_LINGER 0: closing sends a reset instead of an orderly end of stream.
        socket2::SockRef::from(&stream)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        let mut byte = [0u8; 1];
        let _ = std::io::Read::read(&mut &stream, &mut byte); // wait for the client's byte
        drop(stream);
    });
    let error = run(async move {
        let (reader, writer) = open_connection("127.0.0.1", port).await?;
        writer.write(b"x")?;
        writer.drain().await?;
        reader.readline().await.map(|_| ())
    })
    .unwrap_err();
    peer.join().unwrap();
    assert!(
        error.is::<ConnectionResetError>(),
        "{}: {error}",
        exception_name(&error)
    );
    assert_eq!(
        format_exception_only(&error),
        "ConnectionResetError: [Errno 104] Connection reset by peer"
    );
}

#[test]
fn drain_waits_while_the_peer_does_not_read_and_resumes_when_it_does() -> PyResult<()> {
    let (buffered_before, buffered_after) = run(async {
        let go = pycoro::event_loop::get_running_loop()?.create_future::<()>();
        let reading = go.clone();
        let server = start_server(
            move |reader: StreamReader, _writer: StreamWriter| {
                let reading = reading.clone();
                async move {
                    reading.await?; // do not read until told to
                    reader.read(None).await?;
                    Ok(())
                }
            },
            "127.0.0.1",
            0,
        )
        .await?;
        let (_reader, writer) = open_connection("127.0.0.1", server.port()).await?;
        let chunk = vec![7u8; 1024 * 1024];
        for _ in 0..16 {
            writer.write(&chunk)?; // far more than the kernel's socket buffers hold
        }
        let buffered_before = writer.buffered();
        let draining = create_task(async move {
            writer.drain().await?;
            Ok(writer.buffered())
        })?;
        pycoro::native::sleep(0.0).await?;
        assert!(!draining.done(), "drain waits: the peer reads nothing");
        go.set_result(())?;
        let buffered_after = draining.await?;
        server.close();
        Ok((buffered_before, buffered_after))
    })?;
    assert!(buffered_before > HIGH_WATER, "{buffered_before}");
    assert!(buffered_after <= LOW_WATER, "{buffered_after}");
    Ok(())
}

#[test]
fn incomplete_read_error_carries_the_partial_data() {
    let e: pycoro::exceptions::Exception = IncompleteReadError {
        partial: b"ab".to_vec(),
        expected: Some(4),
    }
    .into();
    assert_eq!(exception_name(&e), "IncompleteReadError");
    assert_eq!(
        e.downcast_ref::<IncompleteReadError>().unwrap().partial,
        b"ab"
    );
}

#[test]
fn a_read_cancelled_while_waiting_loses_nothing_and_the_next_read_gets_the_data() -> PyResult<()> {
    let line = run(async {
        let send = pycoro::event_loop::get_running_loop()?.create_future::<()>();
        let go = send.clone();
        let server = start_server(
            move |_reader: StreamReader, writer: StreamWriter| {
                let go = go.clone();
                async move {
                    writer.write(b"par")?; // part of a line: the reader waits for the rest
                    writer.drain().await?;
                    go.await?;
                    writer.write(b"t of a line\n")?;
                    writer.drain().await?;
                    Ok(())
                }
            },
            "127.0.0.1",
            0,
        )
        .await?;
        let (reader, _writer) = open_connection("127.0.0.1", server.port()).await?;
        let reader = std::rc::Rc::new(reader);
        let waiting = reader.clone();
        let reading = create_task(async move { waiting.readline().await })?;
        pycoro::native::sleep(0.0).await?;
        pycoro::native::sleep(0.0).await?;
        assert!(reading.cancel());
        assert!(reading.await.is_err(), "cancelled while it waited");
        send.set_result(())?; // now the rest of the line comes
        let line = reader.readline().await?;
        server.close();
        Ok(line)
    })?;
    // What the cancelled read had buffered stays in the reader, as in asyncio.
    assert_eq!(line, b"part of a line\n");
    Ok(())
}

#[test]
fn readuntil_with_an_empty_separator_is_value_error_as_in_asyncio() -> PyResult<()> {
    let error = run(async {
        let server = start_server(echo, "127.0.0.1", 0).await?;
        let (reader, writer) = open_connection("127.0.0.1", server.port()).await?;
        let error = reader.readuntil(b"").await.unwrap_err();
        writer.close();
        server.close();
        Ok(format_exception_only(&error))
    })?;
    assert_eq!(
        error,
        "ValueError: Separator should be at least one-byte string"
    );
    Ok(())
}

/// Edge-triggered epoll reports data and the end of the stream that arrive together as
/// one edge. The reader was waiting for that edge; it reads the data (less than it asked
/// for), and must then read again rather than wait for an edge that will never come.
#[test]
fn data_and_the_end_of_the_stream_in_one_edge_are_both_read() -> PyResult<()> {
    let read = run(async {
        let server = start_server(
            |reader: StreamReader, writer: StreamWriter| async move {
                writer.write(b"ready\n")?; // the reader waits from now on
                let data = reader.read(None).await?; // to the end of the stream
                writer.write(format!("{}\n", data.len()).as_bytes())?;
                writer.close();
                Ok(())
            },
            "127.0.0.1",
            0,
        )
        .await?;
        let (reader, writer) = open_connection("127.0.0.1", server.port()).await?;
        assert_eq!(reader.readline().await?, b"ready\n");
        writer.write(b"some data")?; // and the end of the stream, in the same step:
        writer.write_eof(); // the server's loop sees both in one epoll edge
        let answer = create_task(async move { reader.readline().await })?;
        let answer = pycoro::native::wait_for(answer, 5.0).await?;
        server.close();
        Ok(answer)
    })?;
    assert_eq!(read, b"9\n");
    Ok(())
}

// Twins of python/rules/streams.py, which CPython runs (tests/cpython.rs).

#[test]
fn a_closed_server_refuses_new_connections_with_the_errno() -> PyResult<()> {
    run(async {
        let server = start_server(
            async |_: StreamReader, writer: StreamWriter| {
                writer.close();
                Ok(())
            },
            "127.0.0.1",
            0,
        )
        .await?;
        let port = server.port();
        server.close();
        server.wait_closed().await?;
        // The server is still in scope: closing it closed its listening socket.
        let error = open_connection("127.0.0.1", port)
            .await
            .map(|_| ())
            .unwrap_err();
        let refused = error
            .downcast_ref::<ConnectionRefusedError>()
            .expect("ConnectionRefusedError");
        assert_eq!(refused.errno(), Some(111));
        assert_eq!(
            refused.strerror().as_deref(),
            Some(format!("Connect call failed ('127.0.0.1', {port})").as_str())
        );
        assert_eq!(
            error.to_string(),
            format!("[Errno 111] Connect call failed ('127.0.0.1', {port})")
        );
        drop(server);
        Ok(())
    })
}

#[test]
fn readline_of_a_line_over_the_limit_is_value_error() -> PyResult<()> {
    run(async {
        let server = start_server(
            async |_: StreamReader, writer: StreamWriter| {
                writer.write(&[b'x'; 200_000])?;
                writer.drain().await?;
                writer.close();
                Ok(())
            },
            "127.0.0.1",
            0,
        )
        .await?;
        let (reader, writer) = open_connection("127.0.0.1", server.port()).await?;
        let error = reader.readline().await.unwrap_err();
        assert!(error.is::<ValueError>(), "{error:?}"); // not readuntil's LimitOverrunError
        assert_eq!(
            error.to_string(),
            "Separator is not found, and chunk exceed the limit"
        );
        writer.close();
        server.close();
        server.wait_closed().await
    })
}

#[test]
fn a_read_given_to_wait_for_times_out_and_loses_nothing() -> PyResult<()> {
    use pycoro::exceptions::TimeoutError;
    use pycoro::native::{Event, wait_for};
    // On the virtual clock: the 0.1 s pass without a wall-clock wait, and the line is
    // sent only once the first read has timed out.
    run_with_clock(
        async {
            let go = Event::new();
            let server_go = go.clone();
            let server = start_server(
                move |_: StreamReader, writer: StreamWriter| {
                    let go = server_go.clone();
                    async move {
                        go.wait().await?;
                        writer.write(b"late line\n")?;
                        writer.drain().await?;
                        writer.close();
                        Ok(())
                    }
                },
                "127.0.0.1",
                0,
            )
            .await?;
            let (reader, writer) = open_connection("127.0.0.1", server.port()).await?;
            let timed_out = wait_for(reader.readline(), 0.1).await.unwrap_err();
            assert!(timed_out.is::<TimeoutError>(), "{timed_out:?}");
            go.set();
            assert_eq!(wait_for(reader.readline(), 5.0).await?, b"late line\n");
            writer.close();
            wait_for(writer.wait_closed(), 5.0).await?;
            server.close();
            wait_for(server.wait_closed(), 5.0).await
        },
        Clock::new_virtual(),
    )
}

/// `python/streams/echo_passes.py` in pycoro: an echo conversation, each line stamped
/// with the loop's pass (a callback that schedules itself counts them).
fn echo_passes(out: pycoro::trace::Out) -> PyResult<()> {
    use pycoro::event_loop::{EventLoop, get_running_loop};
    use pycoro::native::{run, sleep};
    use pycoro::pyprint;
    use pycoro::value::Value;
    use std::cell::Cell;
    use std::rc::Rc;
    let n = Rc::new(Cell::new(0));
    fn tick(lp: EventLoop, n: Rc<Cell<u32>>) {
        n.set(n.get() + 1);
        let again = lp.clone();
        let _ = lp.call_soon(move || tick(again, n));
    }
    let b = |bytes: &[u8]| Value::bytes(bytes.to_vec()).repr();
    run(async move {
        let lp = get_running_loop()?;
        let (ticking, counter) = (lp.clone(), n.clone());
        lp.call_soon(move || tick(ticking, counter))?;
        sleep(0.0).await?;
        let (server_out, server_n) = (out.clone(), n.clone());
        let handle = move |reader: StreamReader, writer: StreamWriter| {
            let (out, n) = (server_out.clone(), server_n.clone());
            async move {
                pyprint!(out, "server starts at {}", n.get());
                loop {
                    let line = reader.readline().await?;
                    if line.is_empty() {
                        break;
                    }
                    pyprint!(out, "server got {} at {}", b(&line), n.get());
                    writer.write(&line.to_ascii_uppercase())?;
                    writer.drain().await?;
                    pyprint!(out, "server drained at {}", n.get());
                }
                pyprint!(out, "server sees EOF at {}", n.get());
                writer.close();
                writer.wait_closed().await?;
                pyprint!(out, "server closed at {}", n.get());
                Ok(())
            }
        };
        let server = start_server(handle, "127.0.0.1", 0).await?;
        pyprint!(out, "server started at {}", n.get());
        let (reader, writer) = open_connection("127.0.0.1", server.port()).await?;
        pyprint!(out, "client connected at {}", n.get());
        for word in [b"a\n".as_slice(), b"bb\n"] {
            writer.write(word)?;
            writer.drain().await?;
            pyprint!(out, "client sent {} at {}", b(word), n.get());
            let got = reader.readline().await?;
            pyprint!(out, "client got {} at {}", b(&got), n.get());
        }
        writer.write_eof();
        pyprint!(out, "client eof at {}", n.get());
        let rest = reader.read(None).await?;
        pyprint!(out, "client reads {} at {}", b(&rest), n.get());
        writer.close();
        writer.wait_closed().await?;
        pyprint!(out, "client closed at {}", n.get());
        server.close();
        server.wait_closed().await?;
        pyprint!(out, "server closed by main at {}", n.get());
        Ok(())
    })
}

#[test]
fn both_ends_of_a_connection_take_asyncios_passes() -> PyResult<()> {
    let (out, captured) = pycoro::trace::Out::capture();
    echo_passes(out)?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/streams/echo_passes.py");
    match std::process::Command::new("python3").arg(script).output() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("SKIPPED: python3 is not installed, so CPython's trace cannot be compared");
        }
        Err(e) => panic!("python3 could not be run: {e}"),
        Ok(python) => {
            assert!(
                python.status.success(),
                "{}",
                String::from_utf8_lossy(&python.stderr)
            );
            assert_eq!(captured.text(), String::from_utf8_lossy(&python.stdout));
        }
    }
    Ok(())
}

#[test]
fn write_after_write_eof_is_runtime_error() -> PyResult<()> {
    use pycoro::native::Event;
    run(async {
        let done = Event::new();
        let finished = done.clone();
        let server = start_server(
            move |reader: StreamReader, writer: StreamWriter| {
                let finished = finished.clone();
                async move {
                    reader.read(None).await?;
                    writer.close();
                    finished.set();
                    Ok(())
                }
            },
            "127.0.0.1",
            0,
        )
        .await?;
        let (_reader, writer) = open_connection("127.0.0.1", server.port()).await?;
        writer.write(b"one\n")?;
        writer.write_eof();
        let error = writer.write(b"two\n").unwrap_err();
        assert_eq!(
            format_exception_only(&error),
            "RuntimeError: Cannot call write() after write_eof()"
        );
        done.wait().await?;
        writer.close();
        server.close();
        server.wait_closed().await
    })
}

#[test]
fn readuntil_past_the_limit_is_limit_overrun_error_with_what_to_consume() -> PyResult<()> {
    use pycoro::exceptions::{LimitOverrunError, args};
    use pycoro::native::Event;
    run(async {
        let done = Event::new();
        let finished = done.clone();
        let server = start_server(
            move |_: StreamReader, writer: StreamWriter| {
                let finished = finished.clone();
                async move {
                    writer.write(&[&[b'x'; 70_000][..], b"\nnext\n"].concat())?;
                    writer.drain().await?;
                    finished.wait().await?;
                    writer.close();
                    Ok(())
                }
            },
            "127.0.0.1",
            0,
        )
        .await?;
        let (reader, writer) = open_connection("127.0.0.1", server.port()).await?;
        let error = reader.readuntil(b"\n").await.unwrap_err();
        let overrun = error
            .downcast_ref::<LimitOverrunError>()
            .expect("LimitOverrunError");
        assert_eq!(
            error.to_string(),
            "Separator is found, but chunk is longer than limit"
        );
        assert_eq!(overrun.consumed(), 70_000);
        assert_eq!(args(&error).len(), 1);
        done.set();
        writer.close();
        server.close();
        server.wait_closed().await
    })
}
