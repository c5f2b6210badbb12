//! asyncio's streams: `open_connection`, `start_server`, `StreamReader`, `StreamWriter`.
//!
//! Book: chapter "IO multiplexing".
//!
//! | Python                                         | pycoro                                              |
//! |------------------------------------------------|-----------------------------------------------------|
//! | `r, w = await asyncio.open_connection(h, p)`   | `let (r, w) = open_connection(h, p).await?;`        |
//! | `await r.readline()` / `read(n)` / `readexactly(n)` / `readuntil(b'x')` | the same names, `.await?` |
//! | `r.at_eof()`                                   | `r.at_eof()`                                        |
//! | `w.write(data)`; `await w.drain()`             | `w.write(data)?;` `w.drain().await?;`               |
//! | `w.close()`; `await w.wait_closed()`           | `w.close();` `w.wait_closed().await?;`              |
//! | `await asyncio.start_server(cb, h, p)`         | `start_server(cb, h, p).await?`                     |
//!
//! Sockets are non-blocking; a read or write that would block awaits the
//! reactor's readiness future, so the task sleeps until epoll says the
//! socket is ready. Reads go through the loop's one read buffer into the connection's
//! own, which grows as needed and is given back when emptied, if large: an idle
//! connection holds a few hundred bytes. Writes go out at once when the kernel takes them;
//! what it does not take is buffered and sent by a flusher task as the socket becomes
//! writable, and `drain` waits while more than 64 KiB are buffered (until 16 KiB are
//! left), asyncio's high- and low-water marks.

use std::cell::{Cell, RefCell};
use std::future::Future as StdFuture;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::rc::Rc;

use crate::event_loop::reactor::{READ_SIZE, Reactor};
use crate::event_loop::{EventLoop, Future, get_running_loop};
use crate::exceptions::{
    Exception, IncompleteReadError, LimitOverrunError, OSError, PyResult, RuntimeError, ValueError,
    clone_exception, os_error,
};

/// asyncio's default limit for `readuntil`/`readline`: 64 KiB.
pub const LIMIT: usize = 64 * 1024;
/// `drain` waits while more than this is buffered...
pub const HIGH_WATER: usize = 64 * 1024;
/// ...until no more than this is left.
pub const LOW_WATER: usize = 16 * 1024;
/// A connection's buffer, once emptied, keeps its allocation up to this size (the next
/// request reuses it); a larger one is given back.
const KEEP: usize = 4 * 1024;

/// Empties `buffer`'s first `n` bytes; a large buffer left empty is given back.
fn consume_front(buffer: &mut Vec<u8>, n: usize) {
    let n = n.min(buffer.len());
    if n == buffer.len() && buffer.capacity() > KEEP {
        *buffer = Vec::new();
    } else {
        buffer.drain(..n);
    }
}

/// One TCP connection, shared by its reader and its writer.
struct Connection {
    event_loop: EventLoop,
    reactor: Rc<Reactor>,
    key: usize,
    stream: TcpStream,
    incoming: RefCell<Vec<u8>>,
    /// The last read got less than it asked for: the kernel had nothing more.
    drained: Cell<bool>,
    eof: Cell<bool>,
    outgoing: RefCell<Vec<u8>>,
    flushing: Cell<bool>,
    drain_waiters: RefCell<Vec<Future<()>>>,
    write_error: RefCell<Option<Exception>>,
    closing: Cell<bool>,
    /// `write_eof` was called: shut the writing side once the buffer is sent.
    eof_pending: Cell<bool>,
    closed: Future<()>,
    /// A read that waited returns a pass after its data, as asyncio's streams do; off for
    /// the crate's own HTTP server, whose trace nobody compares pass by pass.
    asyncio_passes: bool,
}

impl Connection {
    fn new(stream: TcpStream, asyncio_passes: bool) -> PyResult<Rc<Self>> {
        stream.set_nonblocking(true).map_err(os_error)?;
        let _ = stream.set_nodelay(true);
        let event_loop = get_running_loop()?;
        let reactor = event_loop.reactor()?;
        let key = reactor.register(&stream)?;
        Ok(Rc::new(Self {
            closed: event_loop.create_future(),
            event_loop,
            reactor,
            key,
            stream,
            incoming: RefCell::default(),
            drained: Cell::new(false),
            eof: Cell::new(false),
            outgoing: RefCell::default(),
            flushing: Cell::new(false),
            drain_waiters: RefCell::default(),
            write_error: RefCell::default(),
            closing: Cell::new(false),
            eof_pending: Cell::new(false),
            asyncio_passes,
        }))
    }

    async fn ready(&self, writable: bool) -> PyResult<()> {
        self.reactor
            .wait(&self.event_loop, self.key, writable)?
            .await
    }

    // ANCHOR: fill
    /// Reads what the socket has into `incoming`, waiting until it has something:
    /// `false` at the end of the stream.
    async fn fill(&self) -> PyResult<bool> {
        loop {
            if self.eof.get() {
                return Ok(false);
            }
            // The last read emptied the kernel's buffer: trying again would only say
            // `WouldBlock` (one wasted syscall per request); epoll will tell when more comes.
            // Unless the peer has ended the stream: that may have come in the edge that
            // brought the data, and no edge will come after it; only a read sees the end.
            if self.drained.replace(false) && !self.reactor.hung_up(self.key) {
                self.wait_readable().await?;
            }
            // Through the loop's read buffer, zeroed once: growing `incoming` by 64 KiB
            // of zeros for each read was a fifth of the web server's time, and a buffer
            // of that size for each connection was most of an idle connection's memory.
            let read = self
                .reactor
                .read(&self.stream, &mut self.incoming.borrow_mut());
            if let Ok(n) = read {
                self.drained.set(n > 0 && n < READ_SIZE);
            }
            match read {
                Ok(0) => {
                    self.eof.set(true);
                    return Ok(false);
                }
                Ok(_) => return Ok(true),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.wait_readable().await?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(os_error(e)),
            }
        }
    }

    // ANCHOR_END: fill

    /// Waits until the socket is readable, and then a pass more: asyncio's transport
    /// reads in the pass that finds the socket readable, and the reader's waiter wakes its
    /// task in the next.
    async fn wait_readable(&self) -> PyResult<()> {
        self.ready(false).await?;
        if self.asyncio_passes {
            super::sleep(0.0).await?;
        }
        Ok(())
    }

    /// The first `n` bytes received (fewer if fewer came). The buffer itself goes to the
    /// caller, and what follows is copied to a new one: the connection keeps no more
    /// than it holds.
    fn take(&self, n: usize) -> Vec<u8> {
        let mut buffer = self.incoming.borrow_mut();
        let at = n.min(buffer.len());
        let rest = buffer.split_off(at);
        std::mem::replace(&mut *buffer, rest)
    }

    /// Sends what the kernel takes of `data` now, and says how much that was. An error
    /// is kept for `drain` to raise, and counts as all sent: nothing more will go.
    fn send(&self, data: &[u8]) -> usize {
        let mut sent = 0;
        while sent < data.len() {
            match (&self.stream).write(&data[sent..]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.write_error.borrow_mut().get_or_insert(os_error(e));
                    return data.len();
                }
            }
        }
        sent
    }

    /// Sends what the kernel takes of the buffer now.
    fn flush_now(&self) {
        let mut outgoing = self.outgoing.borrow_mut();
        let sent = self.send(&outgoing);
        consume_front(&mut outgoing, sent);
    }

    fn wake_drainers(&self) {
        if self.outgoing.borrow().len() <= LOW_WATER || self.write_error.borrow().is_some() {
            for waiter in self.drain_waiters.take() {
                let _ = waiter.set_result(());
            }
        }
    }

    /// Sends the rest of `outgoing` as the socket becomes writable, in a task of its own
    /// (asyncio's transport does this in a writer callback).
    fn start_flusher(self: &Rc<Self>) -> PyResult<()> {
        if self.flushing.replace(true) {
            return Ok(());
        }
        let connection = self.clone();
        let flusher = self.event_loop.create_native_task(async move {
            loop {
                connection.flush_now();
                connection.wake_drainers();
                if connection.outgoing.borrow().is_empty() {
                    break;
                }
                if connection.ready(true).await.is_err() {
                    break;
                }
            }
            connection.flushing.set(false);
            if connection.eof_pending.get() {
                let _ = connection.stream.shutdown(Shutdown::Write);
            }
            if connection.closing.get() {
                connection.finish_close();
            }
            Ok(())
        })?;
        drop(flusher);
        Ok(())
    }

    fn finish_close(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
        self.reactor.deregister(self.key, &self.stream);
        let _ = self.closed.set_result(());
        *self.outgoing.borrow_mut() = Vec::new();
        self.wake_drainers();
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reactor.deregister(self.key, &self.stream);
    }
}

/// Where `needle` first occurs in `haystack`: the first byte is looked for with
/// `position` (which the compiler vectorises), and only there is the rest compared.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(at) = haystack[from..].iter().position(|&b| b == first) {
        let start = from + at;
        if haystack[start + 1..].starts_with(rest) {
            return Some(start);
        }
        from = start + 1;
    }
    None
}

/// `asyncio.StreamReader`: reads from a connection. The futures of its reads hold the
/// connection, so `wait_for(reader.readline(), 1.0)` and `create_task` take them, as
/// they take Python's coroutines.
pub struct StreamReader(Rc<Connection>);

/// How a look for a separator ended.
enum Until {
    /// The data up to and including the separator.
    Found(Vec<u8>),
    /// The stream ended first: what was left.
    Ended(Vec<u8>),
    /// `LimitOverrunError(message, consumed)`: no separator within the limit, or one
    /// past it.
    Overrun {
        message: &'static str,
        consumed: usize,
    },
}

/// `asyncio.StreamWriter`: writes to a connection. The futures of `drain` and
/// `wait_closed` hold the connection, as the reader's do.
pub struct StreamWriter(Rc<Connection>);

impl StreamReader {
    /// `await reader.readline()`: a line with its `\n`, or what is left at the end of
    /// the stream (empty once it has ended). A line longer than the limit (64 KiB) is
    /// `ValueError`, and what was read of it is dropped, as asyncio's `readline` does
    /// with the `LimitOverrunError` of its `readuntil`.
    pub fn readline(&self) -> impl StdFuture<Output = PyResult<Vec<u8>>> + 'static {
        let reader = self.share();
        async move { reader.readline_here().await }
    }

    /// `readline`, borrowing the reader: what the crate's own servers call.
    pub(crate) async fn readline_here(&self) -> PyResult<Vec<u8>> {
        match self.read_until(b"\n").await? {
            Until::Found(line) | Until::Ended(line) => Ok(line),
            Until::Overrun { message, consumed } => {
                let mut buffer = self.0.incoming.borrow_mut();
                if buffer
                    .get(consumed..)
                    .is_some_and(|rest| rest.starts_with(b"\n"))
                {
                    buffer.drain(..=consumed);
                } else {
                    buffer.clear();
                }
                Err(ValueError::new(message).into())
            }
        }
    }

    /// `await reader.readuntil(separator)`: data up to and including `separator`.
    /// `IncompleteReadError` if the stream ends first, `LimitOverrunError` if the data
    /// before the separator is longer than the limit (64 KiB), read or not.
    pub fn readuntil(
        &self,
        separator: &[u8],
    ) -> impl StdFuture<Output = PyResult<Vec<u8>>> + 'static {
        let separator = separator.to_vec();
        let reader = self.share();
        async move { reader.readuntil_here(&separator).await }
    }

    /// `readuntil`, borrowing the reader: what the crate's own servers call.
    pub(crate) async fn readuntil_here(&self, separator: &[u8]) -> PyResult<Vec<u8>> {
        match self.read_until(separator).await? {
            Until::Found(chunk) => Ok(chunk),
            Until::Ended(partial) => Err(IncompleteReadError {
                partial,
                expected: None,
            }
            .into()),
            Until::Overrun { message, consumed } => {
                Err(LimitOverrunError::new(message, consumed).into())
            }
        }
    }

    /// asyncio's `readuntil` loop: looks for `separator` in what is buffered, from where
    /// the last look left off, and reads more until it is found, the stream ends, or more
    /// than the limit was searched.
    async fn read_until(&self, separator: &[u8]) -> PyResult<Until> {
        if separator.is_empty() {
            return Err(ValueError::new("Separator should be at least one-byte string").into());
        }
        let mut offset = 0;
        loop {
            let found = {
                let buffer = self.0.incoming.borrow();
                if buffer.len() < offset + separator.len() {
                    None
                } else if let Some(at) = find(&buffer[offset..], separator) {
                    Some(offset + at)
                } else {
                    offset = buffer.len() + 1 - separator.len();
                    if offset > LIMIT {
                        return Ok(Until::Overrun {
                            message: "Separator is not found, and chunk exceed the limit",
                            consumed: offset,
                        });
                    }
                    None
                }
            };
            if let Some(at) = found {
                if at > LIMIT {
                    return Ok(Until::Overrun {
                        message: "Separator is found, but chunk is longer than limit",
                        consumed: at,
                    });
                }
                return Ok(Until::Found(self.0.take(at + separator.len())));
            }
            if !self.0.fill().await? {
                return Ok(Until::Ended(self.0.take(usize::MAX)));
            }
        }
    }

    /// `await reader.read(n)`: up to `n` bytes, waiting for at least one (empty at the
    /// end of the stream); `None` reads everything up to the end (Python's `read(-1)`).
    pub fn read(&self, n: Option<usize>) -> impl StdFuture<Output = PyResult<Vec<u8>>> + 'static {
        let reader = self.share();
        async move { reader.read_here(n).await }
    }

    /// `read`, borrowing the reader: what the crate's own servers call.
    pub(crate) async fn read_here(&self, n: Option<usize>) -> PyResult<Vec<u8>> {
        match n {
            Some(0) => Ok(Vec::new()),
            Some(n) => {
                if self.0.incoming.borrow().is_empty() {
                    self.0.fill().await?;
                }
                Ok(self.0.take(n))
            }
            None => {
                while self.0.fill().await? {}
                Ok(self.0.take(usize::MAX))
            }
        }
    }

    /// `await reader.readexactly(n)`: exactly `n` bytes, or `IncompleteReadError` with
    /// what there was.
    pub fn readexactly(&self, n: usize) -> impl StdFuture<Output = PyResult<Vec<u8>>> + 'static {
        let reader = self.share();
        async move { reader.readexactly_here(n).await }
    }

    /// `readexactly`, borrowing the reader: what the crate's own servers call.
    pub(crate) async fn readexactly_here(&self, n: usize) -> PyResult<Vec<u8>> {
        while self.0.incoming.borrow().len() < n {
            if !self.0.fill().await? {
                let partial = self.0.take(usize::MAX);
                return Err(IncompleteReadError {
                    partial,
                    expected: Some(n),
                }
                .into());
            }
        }
        Ok(self.0.take(n))
    }

    /// `reader.at_eof()`: the stream has ended and everything has been read.
    pub fn at_eof(&self) -> bool {
        self.0.eof.get() && self.0.incoming.borrow().is_empty()
    }

    /// What has been received and not read yet, for a parser that looks before it takes
    /// (an HTTP head is parsed as it comes, so that a head that can never end is seen
    /// at once).
    pub(crate) fn buffered(&self) -> std::cell::Ref<'_, [u8]> {
        std::cell::Ref::map(self.0.incoming.borrow(), Vec::as_slice)
    }

    /// Receives more into the buffer, waiting until something comes: `false` at the end
    /// of the stream.
    pub(crate) async fn receive(&self) -> PyResult<bool> {
        self.0.fill().await
    }

    /// Drops the first `n` bytes of the buffer (what a parser has taken).
    pub(crate) fn consume(&self, n: usize) {
        consume_front(&mut self.0.incoming.borrow_mut(), n);
    }

    /// Another reader of the same connection (for a request's body, read later).
    pub(crate) fn share(&self) -> StreamReader {
        StreamReader(self.0.clone())
    }
}

impl StreamWriter {
    /// `writer.write(data)`: sends what the kernel takes now and buffers the rest.
    /// `RuntimeError: Cannot call write() after write_eof()`, as asyncio's transport
    /// raises; the connection's errors surface in [`drain`](Self::drain). Writing after
    /// `close` is ignored.
    pub fn write(&self, data: &[u8]) -> PyResult<()> {
        if self.0.eof_pending.get() {
            return Err(RuntimeError::new("Cannot call write() after write_eof()").into());
        }
        if self.0.closing.get() || self.0.write_error.borrow().is_some() {
            return Ok(());
        }
        // Straight from `data` when nothing waits before it: only what the kernel does
        // not take now is copied.
        let sent = if self.0.flushing.get() || !self.0.outgoing.borrow().is_empty() {
            0
        } else {
            self.0.send(data)
        };
        if sent < data.len() {
            self.0
                .outgoing
                .borrow_mut()
                .extend_from_slice(&data[sent..]);
            if let Err(e) = self.0.start_flusher() {
                self.0.write_error.borrow_mut().get_or_insert(e);
            }
        }
        Ok(())
    }

    /// `await writer.drain()`: waits while the buffer is above the high-water mark, and
    /// raises what writing ran into (`ConnectionResetError`, `BrokenPipeError`).
    pub fn drain(&self) -> impl StdFuture<Output = PyResult<()>> + 'static {
        let writer = StreamWriter(self.0.clone());
        async move { writer.drain_here().await }
    }

    /// `drain`, borrowing the writer: what the crate's own servers call.
    pub(crate) async fn drain_here(&self) -> PyResult<()> {
        if self.0.outgoing.borrow().len() > HIGH_WATER && self.0.write_error.borrow().is_none() {
            let waiter = self.0.event_loop.create_future();
            self.0.drain_waiters.borrow_mut().push(waiter.clone());
            waiter.await?;
        }
        match &*self.0.write_error.borrow() {
            Some(e) => Err(clone_exception(e)),
            None => Ok(()),
        }
    }

    /// How many bytes are buffered, not yet taken by the kernel.
    pub fn buffered(&self) -> usize {
        self.0.outgoing.borrow().len()
    }

    /// `writer.close()`: closes the connection once the buffer is sent. As asyncio's
    /// transport does, the closing itself happens on the loop's next pass (`call_soon`),
    /// so `wait_closed` gives the other tasks a turn, and traces match CPython's.
    pub fn close(&self) {
        if self.0.closing.replace(true) {
            return;
        }
        if !self.0.flushing.get() {
            let connection = self.0.clone();
            let scheduled = self
                .0
                .event_loop
                .call_soon(move || connection.finish_close());
            if scheduled.is_err() {
                self.0.finish_close(); // the loop is closed: close now
            }
        }
    }

    /// `writer.transport.abort()`: closes the connection now; what is buffered and not
    /// sent is dropped. For a peer that does not read what it is sent.
    pub fn abort(&self) {
        self.0.closing.set(true);
        self.0.finish_close();
    }

    /// `writer.write_eof()`: no more data will be written; the peer reads the end of the
    /// stream once the buffer is sent, and can still answer.
    pub fn write_eof(&self) {
        if self.0.eof_pending.replace(true) {
            return;
        }
        if !self.0.flushing.get() {
            let _ = self.0.stream.shutdown(Shutdown::Write);
        }
    }

    /// `writer.is_closing()`.
    pub fn is_closing(&self) -> bool {
        self.0.closing.get()
    }

    /// `await writer.wait_closed()`: until the connection is closed.
    pub fn wait_closed(&self) -> impl StdFuture<Output = PyResult<()>> + 'static {
        let writer = StreamWriter(self.0.clone());
        async move { writer.wait_closed_here().await }
    }

    /// `wait_closed`, borrowing the writer: what the crate's own servers call.
    pub(crate) async fn wait_closed_here(&self) -> PyResult<()> {
        self.0.closed.clone().await
    }

    /// `writer.get_extra_info('peername')`.
    pub fn peername(&self) -> PyResult<SocketAddr> {
        self.0.stream.peer_addr().map_err(os_error)
    }
}

fn resolve(host: &str, port: u16) -> PyResult<SocketAddr> {
    (host, port)
        .to_socket_addrs()
        .map_err(os_error)?
        .next()
        .ok_or_else(|| OSError::new(format!("no address for {host}")).into())
}

/// `await asyncio.open_connection(host, port)`: connects without blocking the loop.
/// A port nobody listens on is `ConnectionRefusedError`, in Python's words.
pub async fn open_connection(host: &str, port: u16) -> PyResult<(StreamReader, StreamWriter)> {
    let address = resolve(host, port)?;
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(address),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )
    .map_err(os_error)?;
    socket.set_nonblocking(true).map_err(os_error)?;
    // asyncio's `OSError(err, f'Connect call failed {address}')`: the errno's class, with
    // `errno` and `strerror`.
    let connect_failed = |e: io::Error| match e.raw_os_error() {
        Some(errno) => OSError::from_errno(
            errno,
            format!(
                "Connect call failed ('{}', {})",
                address.ip(),
                address.port()
            ),
        ),
        None => os_error(e),
    };
    let in_progress = match socket.connect(&address.into()) {
        Ok(()) => false,
        Err(e)
            if e.kind() == io::ErrorKind::WouldBlock || e.raw_os_error() == Some(EINPROGRESS) =>
        {
            true
        }
        Err(e) => return Err(connect_failed(e)),
    };
    let connection = Connection::new(socket.into(), true)?;
    if in_progress {
        connection.ready(true).await?;
        if let Some(e) = connection.stream.take_error().map_err(os_error)? {
            return Err(connect_failed(e));
        }
    }
    // asyncio's passes: the connect's future wakes the task, then the transport is made
    // and its waiter (`connection_made` first) is set with `call_soon`s.
    loop_passes(if in_progress { 3 } else { 2 }).await?;
    Ok((StreamReader(connection.clone()), StreamWriter(connection)))
}

/// How many connections the kernel keeps waiting for `accept` (asyncio's default is 100,
/// std's 128; Linux caps it at `net.core.somaxconn`, 4096).
const BACKLOG: i32 = 1024;

/// Linux's `EINPROGRESS`: a non-blocking `connect` has started.
const EINPROGRESS: i32 = 115;

/// `asyncio.Server`: what `start_server` returns.
pub struct Server {
    listener: Rc<Listener>,
}

struct Listener {
    /// `None` once the server is closed: the socket is closed with it, so that the
    /// kernel refuses new connections instead of queueing them for no one.
    socket: RefCell<Option<TcpListener>>,
    port: u16,
    reactor: Rc<Reactor>,
    key: usize,
    closed: Future<()>,
    accepting: RefCell<Option<super::Task<()>>>,
}

impl Listener {
    /// Stops listening: the socket leaves the reactor and is closed.
    fn close_socket(&self) {
        if let Some(socket) = self.socket.borrow_mut().take() {
            self.reactor.deregister(self.key, &socket);
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.close_socket();
    }
}

/// `await asyncio.start_server(handler, host, port)`: listens (port 0 picks a free
/// one), and runs `handler(reader, writer)` as a task for each connection accepted.
pub async fn start_server<H, F>(handler: H, host: &str, port: u16) -> PyResult<Server>
where
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: StdFuture<Output = PyResult<()>> + 'static,
{
    listen(handler, host, port, true).await
}

/// `start_server`, with asyncio's passes (`asyncio_passes`) or without them (the crate's
/// HTTP server, for which they would be work and nothing else).
pub(crate) async fn listen<H, F>(
    handler: H,
    host: &str,
    port: u16,
    asyncio_passes: bool,
) -> PyResult<Server>
where
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: StdFuture<Output = PyResult<()>> + 'static,
{
    let address = resolve(host, port)?;
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(address),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )
    .map_err(os_error)?;
    socket.set_reuse_address(true).map_err(os_error)?;
    socket.bind(&address.into()).map_err(os_error)?;
    // Room for a burst of connections: with std's 128, 500 clients connecting at once
    // were partly refused by the kernel before the loop could accept them.
    socket.listen(BACKLOG).map_err(os_error)?;
    let socket = TcpListener::from(socket);
    socket.set_nonblocking(true).map_err(os_error)?;
    let event_loop = get_running_loop()?;
    let reactor = event_loop.reactor()?;
    let key = reactor.register(&socket)?;
    let port = socket.local_addr().map_or(0, |a| a.port());
    let listener = Rc::new(Listener {
        socket: RefCell::new(Some(socket)),
        port,
        reactor,
        key,
        closed: event_loop.create_future(),
        accepting: RefCell::default(),
    });
    let accepting = listener.clone();
    let task = event_loop.create_native_task(async move {
        // Seconds to wait before accepting again after a failure (0: none failed).
        let mut backoff: f64 = 0.0;
        loop {
            let accepted = match accepting.socket.borrow().as_ref() {
                Some(socket) => socket.accept(),
                None => return Ok(()), // closed
            };
            match accepted {
                Ok((stream, _)) => {
                    backoff = 0.0;
                    let connection = match Connection::new(stream, asyncio_passes) {
                        Ok(connection) => connection,
                        Err(e) => {
                            crate::exceptions::write_unraisable(
                                "accepting a connection failed",
                                "<Server>",
                                &e,
                            );
                            continue;
                        }
                    };
                    let served =
                        handler(StreamReader(connection.clone()), StreamWriter(connection));
                    // asyncio's passes: the accepted socket's transport is made in a task,
                    // whose `connection_made` creates the handler's.
                    drop(super::create_task(async move {
                        if asyncio_passes {
                            loop_passes(2).await?;
                        }
                        served.await
                    })?);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    accepting
                        .reactor
                        .wait(&get_running_loop()?, accepting.key, false)?
                        .await?;
                }
                // Interrupted, or a client that gave up before it was accepted: go on.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                    ) => {}
                Err(e) => {
                    // Out of file descriptors, say (EMFILE): the connection waits in the
                    // backlog. Said once, not at every try, and tried again after a wait
                    // that doubles from 0.1 s to asyncio's 1 s (ACCEPT_RETRY_DELAY).
                    if backoff == 0.0 {
                        crate::exceptions::write_unraisable(
                            "socket.accept() failed",
                            "<Server>",
                            &os_error(e),
                        );
                    }
                    backoff = (backoff * 2.0).clamp(0.1, 1.0);
                    super::sleep(backoff).await?;
                }
            }
        }
    })?;
    *listener.accepting.borrow_mut() = Some(task);
    // asyncio's passes: `create_server` gathers the address lookup (a task, the gather's
    // callback, the wake-up), then `start_serving` sleeps once.
    if asyncio_passes {
        loop_passes(4).await?;
    }
    Ok(Server { listener })
}

/// `n` passes of the loop, as asyncio's streams take them between their awaits: a
/// program that prints from both ends of a connection prints in CPython's order.
async fn loop_passes(n: usize) -> PyResult<()> {
    for _ in 0..n {
        super::sleep(0.0).await?;
    }
    Ok(())
}

impl Server {
    /// The port it listens on (`server.sockets[0].getsockname()[1]`).
    pub fn port(&self) -> u16 {
        self.listener.port
    }

    /// `server.close()`: stops accepting and closes the listening socket, so a client
    /// connecting afterwards gets `ConnectionRefusedError`; connections already accepted
    /// go on.
    pub fn close(&self) {
        if let Some(task) = self.listener.accepting.borrow_mut().take() {
            task.cancel();
        }
        self.listener.close_socket();
        let _ = self.listener.closed.set_result(());
    }

    /// `await server.wait_closed()`.
    pub fn wait_closed(&self) -> impl StdFuture<Output = PyResult<()>> + 'static {
        self.listener.closed.clone().into_future()
    }
}
