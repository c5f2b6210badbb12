//! Hostile clients against `pycoro::web`, over real loopback sockets: connections that
//! stay idle, heads sent a byte at a time (slowloris), bodies nobody asked for, resets in
//! the middle of a response, clients that never read. After each, the server's
//! descriptors and the process's heap are back where they started.
//!
//! A test binary of its own, whose tests run one at a time (`serial`): the counting
//! allocator counts every thread of the process. Every loop of requests is bounded in
//! count and time.

mod common;

use std::cell::RefCell;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use pycoro::clock::Clock;
use pycoro::event_loop::{Future, get_running_loop};
use pycoro::exceptions::PyResult;
use pycoro::native::{
    LoopThread, create_task, gather, open_connection, run_coroutine_threadsafe, run_with_clock,
    sleep,
};
use pycoro::web::{AppServer, Application, Request, Response, Timeouts, get, post, serve_with};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

static SERIAL: Mutex<()> = Mutex::new(());

/// One test at a time: they share the allocator's counts.
fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Bytes of heap in use in the whole process.
fn heap_in_use() -> isize {
    let stats = GLOBAL.stats();
    stats.bytes_allocated as isize - stats.bytes_deallocated as isize
}

/// What the loop's queues and tables may keep beyond `start` after a round on the real
/// clock: they keep the capacity their busiest pass needed, and how many sockets one
/// `epoll_wait` reports depends on the threads' timing. A leak of a connection's memory
/// would be 200 times its size (its timer alone, 48 bytes, leaked 200 times: 9.6 KB;
/// its connection, 1.7 KB). The tests on the virtual clock, whose passes do not depend
/// on timing, ask for every byte back.
const LOOP_SLACK: isize = 32 * 1024;

/// What is left of the heap in use since `start`, once it is back within [`LOOP_SLACK`]
/// of it (waited for up to 10 s of real time: the server's thread lets go of a
/// connection's last bytes on its own schedule).
fn heap_left_since(start: isize) -> isize {
    wait_until(|| heap_in_use() - start <= LOOP_SLACK);
    heap_in_use() - start
}

/// Waits (up to 10 s of real time) until `done` says so; whether it did.
fn wait_until(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    done()
}

async fn hello(request: Request) -> PyResult<Response> {
    let name = request.match_info("name").unwrap_or("World").to_string();
    Ok(Response::text(format!("<h1>Hello, {name}</h1>")).content_type("text/html"))
}

/// The size of `GET /big`'s answer.
const BIG: usize = 4 * 1024 * 1024;

/// How many times `GET /big` has been answered.
static BIG_SERVED: AtomicUsize = AtomicUsize::new(0);

/// How many `POST /hold` handlers are waiting for the gate.
static HOLDING: AtomicUsize = AtomicUsize::new(0);

fn app() -> Application {
    let mut app = Application::new();
    app.add_routes([
        get("/big", |_| async {
            BIG_SERVED.fetch_add(1, Ordering::SeqCst);
            Ok(Response::text("x".repeat(BIG)))
        }),
        get("/{name}", hello),
        // Waits for the gate to open, with the request in hand, and answers without
        // reading the body.
        post("/hold", |request: Request| async move {
            let gate = GATE.with(|gate| {
                let mut gate = gate.borrow_mut();
                let event_loop = get_running_loop()?;
                PyResult::Ok(
                    gate.get_or_insert_with(|| event_loop.create_future())
                        .clone(),
                )
            })?;
            HOLDING.fetch_add(1, Ordering::SeqCst);
            gate.await?;
            HOLDING.fetch_sub(1, Ordering::SeqCst);
            drop(request);
            Ok(Response::text("held"))
        }),
    ]);
    app
}

thread_local! {
    /// The server of the loop running in this thread.
    static SERVER: RefCell<Option<Rc<AppServer>>> = const { RefCell::new(None) };
    /// What `POST /hold` waits for, in the loop's thread.
    static GATE: RefCell<Option<Future<()>>> = const { RefCell::new(None) };
}

/// `app()` served by a loop in a thread of its own, on the real clock, for clients that
/// are plain blocking sockets in the test's thread.
struct ServerThread {
    loop_thread: LoopThread,
    address: SocketAddr,
}

impl ServerThread {
    fn start(timeouts: Timeouts) -> Self {
        let loop_thread = LoopThread::start(Clock::real());
        let serving = run_coroutine_threadsafe(
            move || async move {
                let server = serve_with(app(), "127.0.0.1", 0, timeouts).await?;
                let port = server.port();
                SERVER.with(|s| *s.borrow_mut() = Some(Rc::new(server)));
                Ok(port)
            },
            &loop_thread,
        );
        let port = serving.result().expect("the server starts");
        Self {
            loop_thread,
            address: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }

    fn port(&self) -> u16 {
        self.address.port()
    }

    /// The server's connections still open.
    fn connections(&self) -> usize {
        common::open_server_connections(self.port())
    }

    /// Opens the gate `POST /hold` waits for.
    fn open_gate(&self) {
        let opening = run_coroutine_threadsafe(
            || async {
                if let Some(gate) = GATE.with(|gate| gate.borrow_mut().take()) {
                    gate.set_result(())?;
                }
                Ok(())
            },
            &self.loop_thread,
        );
        opening.result().expect("the gate opens");
    }

    fn stop(self) {
        let stopping = run_coroutine_threadsafe(
            || async {
                let server = SERVER.with(|s| s.borrow_mut().take());
                match server {
                    Some(server) => server.shutdown().await,
                    None => Ok(()),
                }
            },
            &self.loop_thread,
        );
        stopping.result().expect("the server shuts down");
        self.loop_thread.stop();
        self.loop_thread.join().expect("the loop ends");
    }
}

/// Reads one response to `GET /Bob` (its body ends the answer), into a buffer on the
/// stack: the client allocates nothing.
fn read_hello(client: &mut TcpStream) {
    let mut buffer = [0u8; 512];
    let mut got = 0;
    while !buffer[..got].ends_with(b"<h1>Hello, Bob</h1>") {
        let n = client.read(&mut buffer[got..]).expect("an answer");
        assert!(n > 0, "closed before the answer");
        got += n;
    }
}

/// `count` keep-alive connections, each answered once and then left idle.
fn idle_clients(server: &ServerThread, count: usize, clients: &mut Vec<TcpStream>) {
    for _ in 0..count {
        let mut client = TcpStream::connect(server.address).expect("connect");
        client
            .write_all(b"GET /Bob HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        read_hello(&mut client);
        clients.push(client);
    }
}

/// 200 keep-alive connections, each answered and then idle, hold at most 8 KB of heap
/// each; once they close, the heap is back where it was.
#[test]
fn an_idle_keep_alive_connection_holds_at_most_8_kb_of_heap() {
    let _serial = serial();
    let server = ServerThread::start(Timeouts::default());
    let mut clients = Vec::with_capacity(CLIENTS);
    // A first round grows what lives as long as the loop (its tables of tasks and
    // sockets): that is not a connection's.
    idle_clients(&server, CLIENTS, &mut clients);
    clients.clear();
    assert!(wait_until(|| server.connections() == 0));
    let start = heap_in_use();
    idle_clients(&server, CLIENTS, &mut clients);
    std::thread::sleep(Duration::from_millis(100)); // the server goes back to waiting
    let per_connection = (heap_in_use() - start) / CLIENTS as isize;
    clients.clear();
    assert!(wait_until(|| server.connections() == 0));
    let left = heap_left_since(start);
    server.stop();
    eprintln!("{per_connection} bytes of heap per idle connection, {left} left after");
    assert!(
        per_connection <= 8 * 1024,
        "{per_connection} bytes of heap per idle connection"
    );
    assert!(
        left <= LOOP_SLACK,
        "{left} bytes still held after the connections closed"
    );
}

/// A client that sends `data` as the kernel takes it, from a shared buffer: it holds
/// no heap of its own.
struct Sender {
    stream: TcpStream,
    parts: [&'static [u8]; 2],
    sent: usize,
}

impl Sender {
    fn total(&self) -> usize {
        self.parts.iter().map(|p| p.len()).sum()
    }

    /// Sends what the kernel takes now; whether all is sent.
    fn pump(&mut self) -> bool {
        while self.sent < self.total() {
            let (part, at) = if self.sent < self.parts[0].len() {
                (self.parts[0], self.sent)
            } else {
                (self.parts[1], self.sent - self.parts[0].len())
            };
            match self.stream.write(&part[at..]) {
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return false,
                Err(e) => panic!("sending: {e}"),
            }
        }
        true
    }
}

/// Sends for each of `senders` what the kernel takes, until `done` says so (at most
/// 20 s); whether all was sent.
fn pump_all(senders: &mut [Sender], mut done: impl FnMut(&[Sender]) -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let mut all_sent = true;
        for sender in senders.iter_mut() {
            all_sent &= sender.pump();
        }
        if done(senders) {
            return all_sent;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

const HOLD_HEAD: &[u8] = b"POST /hold HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n";
static MEGABYTE: [u8; 1024 * 1024] = [b'.'; 1024 * 1024];

/// What a round of `hold_round` saw: the heap the server held while every handler
/// held its request, and how much the clients had sent by then.
struct Held {
    heap: isize,
    sent: usize,
}

/// `CLIENTS` clients send a head and a 1 MiB body to `POST /hold`, which waits for the
/// gate and answers without reading the body; then each asks `GET /Bob` on the same
/// connection, and closes.
fn hold_round(server: &ServerThread, senders: &mut Vec<Sender>) -> Held {
    let start = heap_in_use();
    for _ in 0..CLIENTS {
        let stream = TcpStream::connect(server.address).expect("connect");
        stream.set_nonblocking(true).unwrap();
        senders.push(Sender {
            stream,
            parts: [HOLD_HEAD, &MEGABYTE],
            sent: 0,
        });
    }
    // Until every handler holds its request, and a while more: the kernel's buffers fill.
    let mut held_since = None;
    pump_all(senders, |_| {
        if HOLDING.load(Ordering::SeqCst) < CLIENTS {
            return false;
        }
        let since = *held_since.get_or_insert_with(Instant::now);
        since.elapsed() > Duration::from_millis(200)
    });
    assert_eq!(
        HOLDING.load(Ordering::SeqCst),
        CLIENTS,
        "every handler holds"
    );
    let held = Held {
        heap: heap_in_use() - start,
        sent: senders.iter().map(|s| s.sent).sum(),
    };
    server.open_gate();
    let all_sent = pump_all(senders, |senders| {
        senders.iter().all(|s| s.sent == s.total())
    });
    assert!(all_sent, "the server drops the bodies as they come");
    for sender in senders.iter_mut() {
        let stream = &mut sender.stream;
        stream.set_nonblocking(false).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut buffer = [0u8; 512];
        let mut got = 0;
        while !buffer[..got].ends_with(b"held") {
            let n = stream.read(&mut buffer[got..]).expect("an answer");
            assert!(n > 0, "closed before the answer");
            got += n;
        }
        assert!(buffer.starts_with(b"HTTP/1.1 200 OK\r\n"));
        stream
            .write_all(b"GET /Bob HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        read_hello(stream);
    }
    senders.clear();
    assert!(wait_until(|| server.connections() == 0));
    held
}

const CLIENTS: usize = 200;

/// 200 clients send a head and a 1 MiB body to a handler that does not read it: the
/// server holds what came in the read that brought the head (64 KiB at most), not the
/// bodies, which wait in the kernel. Once the handlers answer, the bodies are read and
/// dropped as they come, and each connection serves its next request; then descriptors
/// and heap are back.
#[test]
fn a_body_nobody_reads_stays_in_the_kernel_and_is_dropped_as_it_comes() {
    let _serial = serial();
    let server = ServerThread::start(Timeouts::default());
    let mut senders: Vec<Sender> = Vec::with_capacity(CLIENTS);
    hold_round(&server, &mut senders); // what grows once, as above
    std::thread::sleep(Duration::from_millis(50));
    let start = heap_in_use();
    let held = hold_round(&server, &mut senders);
    let left = heap_left_since(start);
    server.stop();
    eprintln!(
        "{CLIENTS} bodies held: {} bytes of heap ({} each), {} bytes sent by then, {left} left",
        held.heap,
        held.heap / CLIENTS as isize,
        held.sent
    );
    assert!(
        held.heap < (CLIENTS * 80 * 1024) as isize,
        "{} bytes held for {CLIENTS} bodies nobody read",
        held.heap
    );
    assert!(
        left <= LOOP_SLACK,
        "{left} bytes still held after the connections closed"
    );
}

/// A client that sends `GET /big`, reads a little of the 4 MiB answer, and resets the
/// connection (`SO_LINGER` 0, then close): the server survives and serves the next.
#[test]
fn a_reset_in_the_middle_of_an_answer_leaves_nothing_behind() {
    let _serial = serial();
    const RESETS: usize = 100;
    let server = ServerThread::start(Timeouts::default());
    let reset_mid_answer = || {
        let mut client = TcpStream::connect(server.address).expect("connect");
        client
            .write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buffer = [0u8; 4096];
        client
            .read_exact(&mut buffer)
            .expect("the answer's first bytes");
        socket2::SockRef::from(&client)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(client); // RST
    };
    // What grows once: the loop's tables, to more connections at a time than the resets
    // will ever have (when the server sees each reset is up to its thread).
    let mut clients = Vec::with_capacity(RESETS);
    idle_clients(&server, RESETS, &mut clients);
    clients.clear();
    for _ in 0..RESETS {
        reset_mid_answer();
    }
    assert!(wait_until(|| server.connections() == 0));
    let start = heap_in_use();
    let served_before = BIG_SERVED.load(Ordering::SeqCst);
    for _ in 0..RESETS {
        reset_mid_answer();
    }
    idle_clients(&server, 1, &mut clients); // the server still answers
    clients.clear();
    assert!(wait_until(|| server.connections() == 0));
    let left = heap_left_since(start);
    let served = BIG_SERVED.load(Ordering::SeqCst) - served_before;
    server.stop();
    assert_eq!(served, RESETS);
    assert!(
        left <= LOOP_SLACK,
        "{left} bytes still held after {RESETS} resets"
    );
}

/// A client that asks for sixteen 4 MiB answers at once and reads none: `drain` holds the
/// connection's task once the kernel's buffers are full, so the server neither handles
/// the rest nor buffers them (not 64 MiB); after the write timeout (60 s, virtual) it
/// cuts the client off, dropping what was left, and descriptors and heap are back.
#[test]
fn a_client_that_never_reads_is_held_by_drain_then_cut_off_by_the_write_timeout() -> PyResult<()> {
    let _serial = serial();
    const ASKED: usize = 16;
    let (handled, held, cut_off_after, left, connections) = run_with_clock(
        async {
            let event_loop = get_running_loop()?;
            let server = serve_with(app(), "127.0.0.1", 0, Timeouts::default()).await?;
            let address = SocketAddr::from(([127, 0, 0, 1], server.port()));
            let requests = b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n".repeat(ASKED);
            // A plain socket in the loop's thread: it never blocks, since it only sends
            // these few bytes, and never reads.
            let never_reads = |requests: &[u8]| -> PyResult<TcpStream> {
                let socket =
                    socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
                socket.set_recv_buffer_size(4096)?;
                socket.connect(&address.into())?;
                let mut stream = TcpStream::from(socket);
                stream.write_all(requests)?;
                Ok(stream)
            };
            let round = |requests: Vec<u8>| {
                let event_loop = event_loop.clone();
                async move {
                    let before = BIG_SERVED.load(Ordering::SeqCst);
                    let start = heap_in_use();
                    let client = never_reads(&requests)?;
                    drop(requests);
                    sleep(1.0).await?; // the server writes until the kernel takes no more
                    let handled = BIG_SERVED.load(Ordering::SeqCst) - before;
                    let held = heap_in_use() - start;
                    let waiting_since = event_loop.time();
                    while common::open_server_connections(address.port()) > 0 {
                        sleep(1.0).await?;
                        assert!(event_loop.time() - waiting_since < 1000.0, "never cut off");
                    }
                    let cut_off_after = event_loop.time() - waiting_since;
                    drop(client);
                    PyResult::Ok((handled, held, cut_off_after))
                }
            };
            round(requests.clone()).await?; // what grows once
            let start = heap_in_use();
            let (handled, held, cut_off_after) = round(requests).await?;
            sleep(100.0).await?; // past every timer, cancelled ones included
            let left = heap_in_use() - start;
            let connections = common::open_server_connections(address.port());
            server.shutdown().await?;
            Ok((handled, held, cut_off_after, left, connections))
        },
        Clock::new_virtual(),
    )?;
    eprintln!(
        "{handled} answers handled, {held} bytes held, cut off after {cut_off_after} s, {left} left"
    );
    assert!(handled < ASKED / 2, "{handled} of {ASKED} answers handled");
    assert!(
        held < 2 * BIG as isize,
        "{held} bytes held for a client that never reads"
    );
    assert!((59.0..=61.0).contains(&cut_off_after), "{cut_off_after}");
    assert_eq!(connections, 0);
    assert!(left <= 0, "{left} bytes still held");
    Ok(())
}

/// What a round of slowloris gave.
#[derive(Debug, Clone, PartialEq)]
struct Slowloris {
    /// Status lines the slow clients got, and after how long (virtual seconds).
    cut_off: Vec<(String, f64)>,
    /// Answers the others got right.
    served: usize,
    /// The others' 99th percentile of latency, in real milliseconds.
    p99_ms: f64,
}

/// A head sent a line every 10 s, from its first bytes at 0 s to 50 s: the server
/// answers `408` and closes at 60 s, the head timeout. It connects after `delay`.
async fn slow_client(port: u16, delay: f64) -> PyResult<(String, f64)> {
    let event_loop = get_running_loop()?;
    sleep(delay).await?;
    let (reader, writer) = open_connection("127.0.0.1", port).await?;
    let started = event_loop.time();
    writer.write(b"GET /Bob HTTP/1.1\r\n")?;
    for _ in 0..5 {
        sleep(10.0).await?;
        writer.write(b"X-Slow: yes\r\n")?;
    }
    let answer = reader.read(None).await?; // until the server closes
    let status = String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    Ok((status, event_loop.time() - started))
}

/// A keep-alive client that asks every 2 s for 70 s: the real time of each answer.
async fn busy_client(port: u16, name: usize) -> PyResult<Vec<Duration>> {
    let (reader, writer) = open_connection("127.0.0.1", port).await?;
    let request = format!("GET /c{name} HTTP/1.1\r\nHost: x\r\n\r\n");
    let expected = format!("<h1>Hello, c{name}</h1>");
    let mut latencies = Vec::with_capacity(35);
    for _ in 0..35 {
        let asked = Instant::now();
        writer.write(request.as_bytes())?;
        let head = reader.readuntil(b"\r\n\r\n").await?;
        let body = reader.readexactly(expected.len()).await?;
        latencies.push(asked.elapsed());
        assert!(head.starts_with(b"HTTP/1.1 200 OK\r\n"));
        assert_eq!(body, expected.as_bytes());
        sleep(2.0).await?;
    }
    writer.close();
    writer.wait_closed().await?;
    Ok(latencies)
}

/// 500 slowloris clients and 20 clients asking every 2 s, in one loop with the server
/// (virtual time: the 60 s head timeout takes no real time). Every slow head is cut off
/// at 60 s with `408`; the others are all answered, promptly in real time.
async fn slowloris_round(port: u16) -> PyResult<Slowloris> {
    let mut slow = Vec::with_capacity(500);
    for i in 0..500 {
        // Connecting over 10 s: all 500 hold their connections from then to 60 s.
        slow.push(create_task(slow_client(port, i as f64 * 0.02))?);
    }
    let mut busy = Vec::with_capacity(20);
    for name in 0..20 {
        busy.push(create_task(busy_client(port, name))?);
    }
    let cut_off = gather(slow).await?;
    let mut latencies: Vec<Duration> = gather(busy).await?.into_iter().flatten().collect();
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    Ok(Slowloris {
        cut_off,
        served: latencies.len(),
        p99_ms: p99.as_secs_f64() * 1e3,
    })
}

#[test]
fn slowloris_heads_are_cut_off_at_the_head_timeout_while_the_others_are_served() -> PyResult<()> {
    let _serial = serial();
    let (round, connections, left) = run_with_clock(
        async {
            let server = serve_with(app(), "127.0.0.1", 0, Timeouts::default()).await?;
            let port = server.port();
            drop(slowloris_round(port).await?); // what grows once
            sleep(100.0).await?;
            let start = heap_in_use();
            let round = slowloris_round(port).await?;
            let summary = (
                round
                    .cut_off
                    .iter()
                    .filter(|(status, after)| {
                        status == "HTTP/1.1 408 Request Timeout" && (after - 60.0).abs() < 1e-6
                    })
                    .count(),
                round.served,
                round.p99_ms,
            );
            drop(round);
            sleep(100.0).await?; // past every timer, cancelled ones included
            let connections = common::open_server_connections(port);
            let left = heap_in_use() - start;
            server.shutdown().await?;
            Ok((summary, connections, left))
        },
        Clock::new_virtual(),
    )?;
    let (cut_off, served, p99_ms) = round;
    eprintln!("{cut_off} cut off, {served} served, p99 {p99_ms:.2} ms, {left} bytes left");
    assert_eq!(cut_off, 500, "every slow head is answered 408 at 60 s");
    assert_eq!(served, 20 * 35);
    assert!(p99_ms < 50.0, "p99 {p99_ms} ms");
    assert_eq!(connections, 0);
    assert!(left <= 0, "{left} bytes still held");
    Ok(())
}
