//! `pycoro::web`: the aiohttp application of document 004, on pycoro's streams.
//!
//! Book: chapter "IO multiplexing".
//!
//! | Python (aiohttp)                                    | pycoro                                             |
//! |-----------------------------------------------------|----------------------------------------------------|
//! | `async def index(request): return web.Response(text=t, content_type='text/html')` | `async fn index(_: Request) -> PyResult<Response> { Ok(Response::text(t).content_type("text/html")) }` |
//! | `request.match_info.get('name', 'World')`           | `request.match_info("name").unwrap_or("World")`   |
//! | `app = web.Application()`                           | `let mut app = Application::new();`               |
//! | `app.add_routes([web.get('/', index), web.get('/{name}', hello)])` | `app.add_routes([get("/", index), get("/{name}", hello)]);` |
//! | `web.run_app(app)`                                  | `run_app(app, "0.0.0.0", 8080)`                   |
//!
//! HTTP/1.1 with keep-alive (and HTTP/1.0's, when asked), as RFC 9112 says; request heads
//! are parsed by `httparse` as they come, bodies have a `Content-Length` or are chunked,
//! and `Expect: 100-continue` is answered before the body is read. A body is read when
//! the handler asks for it ([`Request::read`]), or dropped as it comes once the handler
//! has answered without it. A request that is not
//! HTTP gets `400 Bad Request` (at once, not when 8 KiB have come), a head over 8 KiB or
//! 128 lines `431`, a body over 1 MiB `413`, an unknown path `404` and a known path with
//! another method `405`, each with aiohttp's body text; after an error the connection is
//! closed. Each connection is a task, so a client that connects and sends nothing
//! delays nobody else.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::HashMap;
use std::future::Future as StdFuture;
use std::pin::Pin;
use std::rc::Rc;

use slab::Slab;

use crate::clock::Clock;
use crate::event_loop::{EventLoop, Handle, get_running_loop};
use crate::exceptions::{IncompleteReadError, KeyboardInterrupt, PyResult, RuntimeError};
use crate::native::{Server, StreamReader, StreamWriter};

/// A request head larger than this is answered `431 Request Header Fields Too Large`.
pub const MAX_HEAD: usize = 8 * 1024;
/// A request head with more header lines than this is answered `431` too (aiohttp's
/// limit is 128 as well; it answers `400`).
pub const MAX_HEADERS: usize = 128;
/// A body larger than this is answered `413 Payload Too Large` (aiohttp's default
/// `client_max_size` is 1 MiB).
pub const MAX_BODY: usize = 1024 * 1024;

/// What aiohttp adds to a text response's content type.
const CHARSET: &str = "; charset=utf-8";

/// An HTTP request, as a handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    /// None: the request has no body.
    body: Option<Rc<Body>>,
    match_info: HashMap<String, String>,
}

/// aiohttp's `HTTPException`, for what [`Request::read`] raises when the body cannot be
/// read as framed (`400 Bad Request`) or is larger than [`MAX_BODY`] (`413`). The server
/// answers with this status and closes the connection, whatever the handler answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpError {
    /// The status the server answers with.
    pub status: u16,
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, reason(self.status))
    }
}

impl std::error::Error for HttpError {}

/// How a request's body is framed.
#[derive(Debug, Clone, Copy)]
enum Framing {
    Length(usize),
    Chunked,
}

/// How far a request's body has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyState {
    /// Nobody asked for it: it waits in the kernel (its first bytes perhaps in the
    /// connection's buffer).
    Unread,
    Reading,
    /// Read whole, kept or dropped: the next request comes after it.
    Read,
    /// Its framing is wrong, or it is too large: answer this status and close.
    Refused(u16),
    /// The connection failed, or the body timeout ran out, while it was read.
    Failed,
}

/// A request's body, read from the connection when the handler asks for it, within the
/// body timeout: a client that sends a megabyte costs nothing until then.
struct Body {
    reader: StreamReader,
    framing: Framing,
    connection: Rc<Connection>,
    timeout: f64,
    state: Cell<BodyState>,
    bytes: OnceCell<Vec<u8>>,
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Body")
            .field("framing", &self.framing)
            .field("state", &self.state.get())
            .finish_non_exhaustive()
    }
}

impl Body {
    /// Reads the whole body within the body timeout, kept or dropped as it comes.
    async fn receive(&self, keep: bool) -> PyResult<Vec<u8>> {
        self.state.set(BodyState::Reading);
        let event_loop = get_running_loop()?;
        self.connection
            .wait_for_client(&event_loop, Wait::Body, self.timeout);
        let read = match self.framing {
            Framing::Length(length) => read_length(&self.reader, length, keep).await,
            Framing::Chunked => read_chunked(&self.reader, keep).await,
        };
        self.connection.deadline.set(None);
        match read {
            Ok(Ok(bytes)) => {
                self.state.set(BodyState::Read);
                Ok(bytes)
            }
            Ok(Err(status)) => {
                self.state.set(BodyState::Refused(status));
                Err(HttpError { status }.into())
            }
            Err(e) => {
                self.state.set(BodyState::Failed);
                Err(e)
            }
        }
    }
}

impl Request {
    /// `request.method`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// `request.path`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `request.match_info.get(name)`: the part of the path a `{name}` matched.
    pub fn match_info(&self, name: &str) -> Option<&str> {
        self.match_info.get(name).map(String::as_str)
    }

    /// `request.headers.get(name)`, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `await request.read()`: the body, read from the connection the first time it is
    /// asked for (later calls give the same bytes); empty if the request has none.
    /// [`HttpError`] if it is malformed or too large, `CancelledError` if it does not
    /// come within the body timeout.
    pub async fn read(&self) -> PyResult<&[u8]> {
        let Some(body) = &self.body else {
            return Ok(&[]);
        };
        if let Some(bytes) = body.bytes.get() {
            return Ok(bytes);
        }
        match body.state.get() {
            BodyState::Unread => {}
            BodyState::Refused(status) => return Err(HttpError { status }.into()),
            _ => return Err(RuntimeError::new("the request's body is being read already").into()),
        }
        let bytes = body.receive(true).await?;
        Ok(body.bytes.get_or_init(|| bytes))
    }
}

/// `web.Response`: a status, a content type and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Response {
    /// `web.Response(text=text)`: `200`, `text/plain; charset=utf-8`.
    ///
    /// ```
    /// use pycoro::web::Response;
    /// let r = Response::text("<h1>Hi</h1>").content_type("text/html");
    /// assert_eq!(r.header_content_type(), "text/html; charset=utf-8");
    /// ```
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            status: 200,
            content_type: "text/plain".into(),
            body: text.into().into_bytes(),
        }
    }

    /// `content_type=...`: the charset (utf-8) is added, as aiohttp adds it for text.
    pub fn content_type(mut self, content_type: &str) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// `status=...`.
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// The `Content-Type` header sent.
    pub fn header_content_type(&self) -> String {
        format!("{}{CHARSET}", self.content_type)
    }

    /// aiohttp's error responses: `404: Not Found`, as text.
    fn error(status: u16) -> Self {
        Self::text(format!("{status}: {}", reason(status))).status(status)
    }

    /// The response as sent, in the request's HTTP/1.x (`version` is its minor version):
    /// HTTP/1.1 keeps the connection unless told `Connection: close`, HTTP/1.0 closes it
    /// unless told `Connection: keep-alive`.
    fn to_bytes(&self, version: u8, keep_alive: bool) -> Vec<u8> {
        use std::io::Write as _;
        let mut bytes = Vec::with_capacity(128 + self.content_type.len() + self.body.len());
        let _ = write!(
            bytes,
            "HTTP/1.{version} {} {}\r\nContent-Type: {}{CHARSET}\r\nContent-Length: {}\r\nServer: pycoro\r\n{}\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len(),
            match (keep_alive, version) {
                (true, 1) => "",
                (true, _) => "Connection: keep-alive\r\n",
                (false, _) => "Connection: close\r\n",
            }
        );
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

fn reason(status: u16) -> &'static str {
    // Python's `http.HTTPStatus` phrases, which aiohttp sends.
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a Teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "Unknown",
    }
}

type Handler = Rc<dyn Fn(Request) -> Pin<Box<dyn StdFuture<Output = PyResult<Response>>>>>;

/// A route: a method, a path pattern (`/`, `/{name}`) and its handler.
pub struct Route {
    method: &'static str,
    pattern: Vec<Segment>,
    handler: Handler,
}

enum Segment {
    Literal(String),
    Variable(String),
}

/// `web.get(path, handler)`: a route for `GET` requests to `path`, where a segment
/// `{name}` matches any one segment that is not empty and is found in
/// `request.match_info(name)`.
pub fn get<H, F>(path: &str, handler: H) -> Route
where
    H: Fn(Request) -> F + 'static,
    F: StdFuture<Output = PyResult<Response>> + 'static,
{
    route("GET", path, handler)
}

/// `web.post(path, handler)`: a route for `POST` requests; the handler finds the body in
/// [`Request::read`].
pub fn post<H, F>(path: &str, handler: H) -> Route
where
    H: Fn(Request) -> F + 'static,
    F: StdFuture<Output = PyResult<Response>> + 'static,
{
    route("POST", path, handler)
}

fn route<H, F>(method: &'static str, path: &str, handler: H) -> Route
where
    H: Fn(Request) -> F + 'static,
    F: StdFuture<Output = PyResult<Response>> + 'static,
{
    // `/` is one empty segment, `/{name}` one variable: segments are what lies between
    // slashes, so `//Bob` and `/Bob/` have an empty one, and match neither (as in aiohttp).
    let pattern = path
        .strip_prefix('/')
        .unwrap_or(path)
        .split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Variable(name.to_string()),
                None => Segment::Literal(s.to_string()),
            },
        )
        .collect();
    Route {
        method,
        pattern,
        handler: Rc::new(move |request| Box::pin(handler(request))),
    }
}

impl Route {
    fn matches(&self, path: &str) -> Option<HashMap<String, String>> {
        let mut segments = path.strip_prefix('/')?.split('/');
        let mut found = HashMap::new();
        for pattern in &self.pattern {
            let segment = segments.next()?;
            match pattern {
                Segment::Literal(literal) if literal == segment => {}
                Segment::Literal(_) => return None,
                Segment::Variable(_) if segment.is_empty() => return None,
                Segment::Variable(name) => {
                    found.insert(name.clone(), percent_decode(segment));
                }
            }
        }
        segments.next().is_none().then_some(found)
    }
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `web.Application`: the routes, and how a request finds its handler.
#[derive(Default)]
pub struct Application {
    routes: Vec<Route>,
}

impl Application {
    /// `web.Application()`.
    pub fn new() -> Self {
        Self::default()
    }

    /// `app.add_routes([...])`: routes are tried in the order added.
    pub fn add_routes(&mut self, routes: impl IntoIterator<Item = Route>) {
        self.routes.extend(routes);
    }

    /// The response to `request`: its route's handler's, or `404`/`405`; a handler's
    /// exception is `500`, as aiohttp answers it.
    pub async fn handle(&self, mut request: Request) -> Response {
        let mut path_matched = false;
        for route in &self.routes {
            let Some(match_info) = route.matches(&request.path) else {
                continue;
            };
            path_matched = true;
            if route.method != request.method
                && !(route.method == "GET" && request.method == "HEAD")
            {
                continue;
            }
            request.match_info = match_info;
            return (route.handler)(request).await.unwrap_or_else(|e| {
                // aiohttp logs it ("Error handling request") and answers 500.
                if let Ok(event_loop) = crate::event_loop::get_running_loop() {
                    event_loop.call_exception_handler(crate::event_loop::ExceptionContext {
                        message: "Error handling request".to_owned(),
                        exception: Some(e),
                        future: None,
                        task: None,
                    });
                }
                Response::text("500 Internal Server Error\n\nServer got itself in trouble")
                    .status(500)
            });
        }
        Response::error(if path_matched { 405 } else { 404 })
    }
}

/// What reading the next request on a connection gave.
enum NextRequest {
    /// A request, the minor version of its HTTP/1.x (the answer's), and whether the
    /// connection stays open after it.
    Request(Request, u8, bool),
    /// The client closed the connection (between requests: not an error).
    Closed,
    /// Answer with this status and close.
    Refuse(u16),
}

/// A request head, parsed and owned: method, request target, HTTP/1.x minor version,
/// header lines.
struct Head {
    method: String,
    target: String,
    version: u8,
    headers: Vec<(String, String)>,
}

/// What the bytes received so far make of a head.
enum Parsed {
    /// A whole head, and how many bytes it took.
    Head(Head, usize),
    /// Not complete yet, and nothing wrong so far.
    Partial,
    /// Never a valid head: answer with this status.
    Refuse(u16),
}

fn parse_head(received: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let length = match parsed.parse(received) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => return Parsed::Refuse(431),
        Err(_) => return Parsed::Refuse(400),
    };
    let (Some(method), Some(target), Some(version)) = (parsed.method, parsed.path, parsed.version)
    else {
        return Parsed::Refuse(400);
    };
    let headers = parsed
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let head = Head {
        method: method.to_string(),
        target: target.to_string(),
        version,
        headers,
    };
    Parsed::Head(head, length)
}

/// Reads the next request head, parsing what has come each time more comes: a head is
/// refused as soon as its bytes cannot be HTTP (bytes of a TLS handshake, say), not once
/// 8 KiB have come (or never, if they never do).
async fn read_head(
    reader: &StreamReader,
    mut head_started: impl FnMut(),
) -> PyResult<Result<Head, NextRequest>> {
    loop {
        let parsed = {
            let received = reader.buffered();
            match parse_head(&received) {
                Parsed::Partial if received.len() > MAX_HEAD => Parsed::Refuse(431),
                parsed => parsed,
            }
        };
        match parsed {
            Parsed::Head(_, length) if length > MAX_HEAD => {
                return Ok(Err(NextRequest::Refuse(431)));
            }
            Parsed::Head(head, length) => {
                reader.consume(length);
                return Ok(Ok(head));
            }
            Parsed::Refuse(status) => return Ok(Err(NextRequest::Refuse(status))),
            Parsed::Partial => {
                if !reader.buffered().is_empty() {
                    head_started();
                }
            }
        }
        if !reader.receive().await? {
            let nothing = reader.buffered().is_empty();
            return Ok(Err(if nothing {
                NextRequest::Closed
            } else {
                NextRequest::Refuse(400)
            }));
        }
    }
}

/// The values of the header lines named `name` (case-insensitively).
fn values<'a>(headers: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim_matches([' ', '\t']))
}

/// Whether a header that is a comma-separated list (`Connection: close, TE`) has `token`,
/// case-insensitively, in any of its lines.
fn has_token(headers: &[(String, String)], name: &str, token: &str) -> bool {
    values(headers, name)
        .flat_map(|v| v.split(','))
        .any(|t| t.trim_matches([' ', '\t']).eq_ignore_ascii_case(token))
}

/// The body's length from `Content-Length` (RFC 9112, 6.3): digits only, and the same
/// value on every line that gives one; `Err` is the status to refuse with.
fn content_length(headers: &[(String, String)]) -> Result<usize, u16> {
    let mut length = None;
    for value in values(headers, "content-length") {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(400);
        }
        // Digits only, so a failure to parse is an overflow: far too large a body.
        let n = value.parse::<usize>().unwrap_or(usize::MAX);
        if length.is_some_and(|l| l != n) {
            return Err(400);
        }
        length = Some(n);
    }
    match length.unwrap_or(0) {
        n if n > MAX_BODY => Err(413),
        n => Ok(n),
    }
}

/// A body of `length` bytes, kept or dropped as it comes; `Err(400)` if the stream ends
/// first.
async fn read_length(
    reader: &StreamReader,
    length: usize,
    keep: bool,
) -> PyResult<Result<Vec<u8>, u16>> {
    if keep {
        return match reader.readexactly_here(length).await {
            Ok(body) => Ok(Ok(body)),
            Err(e) if e.is::<IncompleteReadError>() => Ok(Err(400)),
            Err(e) => Err(e),
        };
    }
    Ok(if skip(reader, length).await? {
        Ok(Vec::new())
    } else {
        Err(400)
    })
}

/// Drops the next `n` bytes as they come, holding none: `false` if the stream ends first.
async fn skip(reader: &StreamReader, mut n: usize) -> PyResult<bool> {
    loop {
        let have = reader.buffered().len().min(n);
        reader.consume(have);
        n -= have;
        if n == 0 {
            return Ok(true);
        }
        if !reader.receive().await? {
            return Ok(false);
        }
    }
}

/// A line of chunked framing, with its CRLF; `Err` is the status to refuse with (the
/// stream ended, or no CRLF within 64 KiB).
async fn read_line(reader: &StreamReader) -> PyResult<Result<Vec<u8>, u16>> {
    match reader.readuntil_here(b"\r\n").await {
        Ok(line) => Ok(Ok(line)),
        Err(e) if e.is::<IncompleteReadError>() => Ok(Err(400)),
        Err(e) if e.is::<crate::exceptions::LimitOverrunError>() => Ok(Err(400)),
        Err(e) => Err(e),
    }
}

/// A chunked body, decoded (RFC 9112, 7.1): chunks of a hexadecimal size (extensions
/// after `;` ignored), a last chunk of size 0, and trailer lines, which are dropped;
/// the chunks kept, or dropped as they come. `Err` is the status to refuse with: `400`
/// for a framing error, `413` past 1 MiB.
async fn read_chunked(reader: &StreamReader, keep: bool) -> PyResult<Result<Vec<u8>, u16>> {
    let mut body = Vec::new();
    let mut total = 0;
    loop {
        let line = match read_line(reader).await? {
            Ok(line) => line,
            Err(status) => return Ok(Err(status)),
        };
        let line = &line[..line.len() - 2];
        let size = line.split(|&b| b == b';').next().unwrap_or_default();
        let size = size.trim_ascii_end(); // BWS before `;`
        if size.is_empty() || !size.iter().all(u8::is_ascii_hexdigit) {
            return Ok(Err(400));
        }
        let size = size.iter().try_fold(0usize, |n, &digit| {
            let digit = (digit as char).to_digit(16)? as usize;
            n.checked_mul(16)?.checked_add(digit)
        });
        let Some(size) = size.filter(|&size| total + size <= MAX_BODY) else {
            return Ok(Err(413));
        };
        if size == 0 {
            break;
        }
        total += size;
        let data = if keep { size } else { 0 };
        if !keep && !skip(reader, size).await? {
            return Ok(Err(400));
        }
        let chunk = match reader.readexactly_here(data + 2).await {
            Ok(chunk) => chunk,
            Err(e) if e.is::<IncompleteReadError>() => return Ok(Err(400)),
            Err(e) => return Err(e),
        };
        if !chunk.ends_with(b"\r\n") {
            return Ok(Err(400));
        }
        body.extend_from_slice(&chunk[..data]);
    }
    let mut trailers = 0;
    loop {
        let line = match read_line(reader).await? {
            Ok(line) => line,
            Err(status) => return Ok(Err(status)),
        };
        if line == b"\r\n" {
            return Ok(Ok(body));
        }
        trailers += line.len();
        if trailers > MAX_HEAD {
            return Ok(Err(431));
        }
    }
}

/// Reads the next request's head; `head_started` is called when its first bytes have
/// come and more are awaited. The body is left to be read when the handler asks, within
/// `body_timeout`.
async fn read_request(
    reader: &StreamReader,
    writer: &StreamWriter,
    connection: &Rc<Connection>,
    body_timeout: f64,
    head_started: impl FnMut(),
) -> PyResult<NextRequest> {
    let head = match read_head(reader, head_started).await? {
        Ok(head) => head,
        Err(refused) => return Ok(refused),
    };
    let headers = head.headers;
    let http11 = head.version == 1;
    // RFC 9112, 3.2: an HTTP/1.1 request has one Host line, and no request has two.
    let hosts = values(&headers, "host").count();
    if hosts > 1 || (http11 && hosts == 0) {
        return Ok(NextRequest::Refuse(400));
    }
    // RFC 9112, 9.3: `close` ends the connection; HTTP/1.0 keeps it only when asked.
    let keep_alive = !has_token(&headers, "connection", "close")
        && (http11 || has_token(&headers, "connection", "keep-alive"));
    // RFC 9112, 6.1 and 6.3: a body is chunked when Transfer-Encoding ends in `chunked`;
    // with a Content-Length too, the framing is ambiguous (request smuggling): refused.
    let chunked = values(&headers, "transfer-encoding").next().is_some();
    let framing = if chunked {
        let codings: Vec<&str> = values(&headers, "transfer-encoding")
            .flat_map(|v| v.split(','))
            .map(|c| c.trim_matches([' ', '\t']))
            .collect();
        let ends_chunked = codings
            .last()
            .is_some_and(|c| c.eq_ignore_ascii_case("chunked"));
        if !http11 || !ends_chunked || values(&headers, "content-length").next().is_some() {
            return Ok(NextRequest::Refuse(400));
        }
        if codings.len() > 1 {
            return Ok(NextRequest::Refuse(501)); // gzip, say: not decoded here
        }
        Framing::Chunked
    } else {
        match content_length(&headers) {
            Ok(length) => Framing::Length(length),
            Err(status) => return Ok(NextRequest::Refuse(status)),
        }
    };
    // RFC 9110, 10.1.1: a client that sent `Expect: 100-continue` waits for this before
    // it sends the body (for a while); an HTTP/1.0 request's expectation is ignored.
    if let Some(expect) = values(&headers, "expect").next()
        && http11
    {
        if !expect.eq_ignore_ascii_case("100-continue") {
            return Ok(NextRequest::Refuse(417));
        }
        if !matches!(framing, Framing::Length(0)) {
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
    }
    let body = match framing {
        Framing::Length(0) => None,
        framing => Some(Rc::new(Body {
            reader: reader.share(),
            framing,
            connection: connection.clone(),
            timeout: body_timeout,
            state: Cell::new(BodyState::Unread),
            bytes: OnceCell::new(),
        })),
    };
    // The query is not part of the path, and a fragment is not even part of the request
    // target (RFC 9112, 3.2); a client that sends one anyway does not get it in the path.
    let target = head.target.as_str();
    let path = target
        .split(['?', '#'])
        .next()
        .unwrap_or(target)
        .to_string();
    Ok(NextRequest::Request(
        Request {
            method: head.method,
            path,
            headers,
            body,
            match_info: HashMap::new(),
        },
        head.version,
        keep_alive,
    ))
}

/// How long the server waits for a client, in seconds on the loop's clock.
///
/// ```
/// let timeouts = pycoro::web::Timeouts::default();
/// assert_eq!((timeouts.keepalive, timeouts.head), (75.0, 60.0));
/// assert_eq!((timeouts.body, timeouts.write), (60.0, 60.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeouts {
    /// A connection that waits for a request (its first, or the next after an answer)
    /// is closed when none starts within this: aiohttp's `keepalive_timeout`, 75 s.
    pub keepalive: f64,
    /// A request head must be complete this long after its first bytes came, or the
    /// answer is `408 Request Timeout` and the connection closes: a client that sends a
    /// byte now and then (slowloris) holds a connection no longer. aiohttp has no such
    /// limit; 60 s, as nginx's `client_header_timeout`.
    pub head: f64,
    /// A body must have come whole this long after the server began to read it (for the
    /// handler, or to drop it once the handler has answered), or the answer is `408`
    /// and the connection closes. 60 s, as nginx's `client_body_timeout`; aiohttp bounds
    /// the reading of a body nobody read by its `lingering_time` (10 s).
    pub body: f64,
    /// A client that does not take an answer (more than 64 KiB of it left to send, and
    /// not down to 16 KiB within this) is cut off, and what was left unsent is dropped.
    /// 60 s, as nginx's `send_timeout`; aiohttp has no such limit.
    pub write: f64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            keepalive: 75.0,
            head: 60.0,
            body: 60.0,
            write: 60.0,
        }
    }
}

/// What a connection waits for from its client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// A request to start.
    Idle,
    /// A request head to end.
    Head,
    /// A request body to end.
    Body,
    /// The client to take the answer.
    Write,
}

/// One connection, as its task and its timer share it.
#[derive(Default)]
struct Connection {
    /// Its place in the server's table of connections.
    key: Cell<usize>,
    /// It is handling a request right now.
    busy: Cell<bool>,
    /// When the present wait for the client runs out, and which wait it is. Set at each
    /// wait, cleared when it ends: a request costs two `Cell` writes, not a timer.
    deadline: Cell<Option<(f64, Wait)>>,
    /// The pending timer, and when it fires: at most one per connection. When it fires
    /// before the deadline (which moved on), it is set again for the deadline; a
    /// deadline earlier than it gets a timer of its own, and this one is cancelled.
    timer: RefCell<Option<(f64, Handle)>>,
    /// The wait that ran out, if one has.
    expired: Cell<Option<Wait>>,
    /// The connection's task, which the timer cancels (let go when it ends).
    task: RefCell<Option<crate::native::TaskRef>>,
}

impl Connection {
    /// Waits for the client until `timeout` seconds from now.
    fn wait_for_client(self: &Rc<Self>, event_loop: &EventLoop, wait: Wait, timeout: f64) {
        let when = event_loop.time() + timeout;
        self.deadline.set(Some((when, wait)));
        let sooner = (self.timer.borrow().as_ref()).is_none_or(|(at, _)| *at > when);
        if sooner {
            self.arm(event_loop, when);
        }
    }

    fn arm(self: &Rc<Self>, event_loop: &EventLoop, when: f64) {
        let connection = Rc::downgrade(self);
        let timer_loop = event_loop.clone();
        let timer = event_loop.call_at(when, move || {
            if let Some(connection) = connection.upgrade() {
                connection.check(&timer_loop, when);
            }
        });
        // An error: the loop is closing, nothing left to time.
        if let Some((_, earlier)) = self.timer.replace(timer.ok().map(|t| (when, t))) {
            earlier.cancel();
        }
    }

    /// The timer set for `fired` has fired (the others were cancelled). The deadline is
    /// compared with that time, not with the clock's: a clock that reads a hair before
    /// a time it has reached (seconds as `f64`, timers in nanoseconds) would set the
    /// timer again and again for a moment already there.
    fn check(self: &Rc<Self>, event_loop: &EventLoop, fired: f64) {
        self.timer.take();
        match self.deadline.get() {
            None => {}
            Some((when, _)) if when > fired => self.arm(event_loop, when),
            Some((_, wait)) => {
                self.expired.set(Some(wait));
                if let Some(task) = &*self.task.borrow() {
                    task.cancel();
                }
            }
        }
    }

    /// The connection is over: its timer is cancelled, which lets go of what it holds.
    fn end(&self) {
        if let Some((_, timer)) = self.timer.take() {
            timer.cancel();
        }
        self.task.borrow_mut().take();
    }
}

/// Writes `bytes` and waits while the client has more than 64 KiB of them left to take,
/// for no longer than `timeout`: whether all went well.
async fn send_answer(
    writer: &StreamWriter,
    bytes: Vec<u8>,
    connection: &Rc<Connection>,
    event_loop: &EventLoop,
    timeout: f64,
) -> bool {
    if writer.write(&bytes).is_err() {
        return false; // the server never ends a connection's writing before its answers
    }
    drop(bytes); // not held while the client takes its time
    if writer.buffered() > crate::native::streams::HIGH_WATER {
        connection.wait_for_client(event_loop, Wait::Write, timeout);
    }
    let drained = writer.drain_here().await;
    connection.deadline.set(None);
    drained.is_ok()
}

/// Serves one connection: requests one after another while the client keeps it alive,
/// and waits for each no longer than `state.timeouts` say.
async fn serve_connection(
    app: Rc<Application>,
    state: Rc<ServerState>,
    connection: Rc<Connection>,
    reader: StreamReader,
    writer: StreamWriter,
) -> PyResult<()> {
    let event_loop = get_running_loop()?;
    *connection.task.borrow_mut() = crate::native::current_task();
    let timeouts = state.timeouts;
    loop {
        if state.stopping.get() {
            break;
        }
        connection.wait_for_client(&event_loop, Wait::Idle, timeouts.keepalive);
        let read = read_request(&reader, &writer, &connection, timeouts.body, || {
            if connection
                .deadline
                .get()
                .is_some_and(|(_, w)| w == Wait::Idle)
            {
                connection.wait_for_client(&event_loop, Wait::Head, timeouts.head);
            }
        })
        .await;
        connection.deadline.set(None);
        let incoming = match read {
            Ok(incoming) => incoming,
            // The head took too long: say so. An idle connection just closes (RFC 9112,
            // 9.8), and so does one the client reset.
            Err(_) if connection.expired.get() == Some(Wait::Head) => NextRequest::Refuse(408),
            Err(_) => break,
        };
        match incoming {
            NextRequest::Closed => break,
            NextRequest::Refuse(status) => {
                let answer = Response::error(status).to_bytes(1, false);
                send_answer(&writer, answer, &connection, &event_loop, timeouts.write).await;
                break;
            }
            NextRequest::Request(request, version, keep_alive) => {
                let body = request.body.clone();
                connection.busy.set(true);
                let head_only = request.method == "HEAD";
                let response = app.handle(request).await;
                connection.busy.set(false);
                // What reading the body ran into decides, whatever the handler answered.
                let body_state = body.as_ref().map(|body| body.state.get());
                let refused = match (connection.expired.get(), body_state) {
                    (Some(Wait::Body), _) => Some(408),
                    (_, Some(BodyState::Refused(status))) => Some(status),
                    (_, Some(BodyState::Failed)) => break, // the client reset, say
                    _ => None,
                };
                let (response, keep_alive) = match refused {
                    Some(status) => (Response::error(status), false),
                    None => (response, keep_alive && !state.stopping.get()),
                };
                let mut bytes = response.to_bytes(version, keep_alive);
                if head_only {
                    bytes.truncate(bytes.len() - response.body.len());
                }
                drop(response);
                let sent =
                    send_answer(&writer, bytes, &connection, &event_loop, timeouts.write).await;
                if !sent || !keep_alive {
                    break;
                }
                // A body the handler did not read is read now and dropped: the next
                // request comes after it.
                if let Some(body) = body {
                    let dropped = match body.state.get() {
                        BodyState::Read => true,
                        BodyState::Unread => body.receive(false).await.is_ok(),
                        _ => false, // still being read by a task the handler left behind
                    };
                    if !dropped {
                        break;
                    }
                }
            }
        }
    }
    connection.end();
    state
        .connections
        .borrow_mut()
        .try_remove(connection.key.get());
    if connection.expired.get() == Some(Wait::Write) {
        writer.abort(); // it does not read: what is left will never go
    } else {
        writer.close();
    }
    let _ = writer.wait_closed_here().await;
    Ok(())
}

#[derive(Default)]
struct ServerState {
    stopping: Cell<bool>,
    timeouts: Timeouts,
    /// Each open connection's task, and the connection (busy or not).
    connections: RefCell<Slab<(crate::native::Task<()>, Rc<Connection>)>>,
}

/// An application being served: `serve(app, host, port)` starts it.
pub struct AppServer {
    server: Server,
    state: Rc<ServerState>,
}

/// Serves `app` on `host:port` (port 0 picks a free one) in the running loop.
pub async fn serve(app: Application, host: &str, port: u16) -> PyResult<AppServer> {
    serve_with(app, host, port, Timeouts::default()).await
}

/// [`serve`] with other [`Timeouts`] than aiohttp's.
pub async fn serve_with(
    app: Application,
    host: &str,
    port: u16,
    timeouts: Timeouts,
) -> PyResult<AppServer> {
    let app = Rc::new(app);
    let state = Rc::new(ServerState {
        timeouts,
        ..ServerState::default()
    });
    let handler_state = state.clone();
    let server = crate::native::streams::listen(
        move |reader, writer| {
            let (app, state) = (app.clone(), handler_state.clone());
            async move {
                let connection = Rc::new(Connection::default());
                let served =
                    serve_connection(app, state.clone(), connection.clone(), reader, writer);
                let task = crate::native::create_task(served)?;
                let mut connections = state.connections.borrow_mut();
                connection.key.set(connections.vacant_key());
                connections.insert((task, connection));
                Ok(())
            }
        },
        host,
        port,
        false,
    )
    .await?;
    Ok(AppServer { server, state })
}

impl AppServer {
    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// Stops gracefully: no new connections; requests being handled finish and are
    /// answered (with `Connection: close`); idle keep-alive connections are closed.
    pub async fn shutdown(&self) -> PyResult<()> {
        self.server.close();
        self.state.stopping.set(true);
        let connections: Vec<_> = self.state.connections.borrow_mut().drain().collect();
        for (task, connection) in &connections {
            if !connection.busy.get() {
                task.cancel(); // idle: waiting for a request that may never come
            }
        }
        for (task, _) in connections {
            let _ = task.await; // a busy one answers, then sees `stopping` and ends
        }
        Ok(())
    }
}

/// `web.run_app(app, host=..., port=...)`: serves until Ctrl+C, then shuts down
/// gracefully, printing what aiohttp prints.
pub fn run_app(app: Application, host: &str, port: u16) -> PyResult<()> {
    run_app_with(
        app,
        host,
        port,
        crate::trace::Out::stdout(),
        Clock::real(),
        Timeouts::default(),
        |_| {},
    )
}

/// [`run_app`] with the banner printed to `out`, on `clock` (the loop's; Ctrl+C can
/// be aimed at it with [`send_sigint`](crate::event_loop::signals::send_sigint)), with `timeouts`
/// (aiohttp's `run_app(app, keepalive_timeout=...)`), and `started(port)` called once
/// it listens (a test learns the port of a server on port 0 this way).
pub fn run_app_with(
    app: Application,
    host: &str,
    port: u16,
    out: crate::trace::Out,
    clock: Clock,
    timeouts: Timeouts,
    started: impl FnOnce(u16),
) -> PyResult<()> {
    let event_loop = EventLoop::new(clock);
    let host_name = host.to_string();
    let server = event_loop.run_until_complete(event_loop.create_native_task(async move {
        Ok(Rc::new(serve_with(app, &host_name, port, timeouts).await?))
    })?)?;
    crate::pyprint!(
        out,
        "======== Running on http://{host}:{} ========",
        server.port()
    );
    crate::pyprint!(out, "(Press CTRL+C to quit)");
    started(server.port());
    // Until Ctrl+C: run_until_complete raises KeyboardInterrupt, and the loop is
    // still there to shut the server down gracefully.
    let forever = event_loop.create_future::<()>();
    let interrupted = event_loop.run_until_complete(forever);
    let stopping = server.clone();
    let shutdown = event_loop.create_native_task(async move { stopping.shutdown().await })?;
    event_loop.run_until_complete(shutdown)?;
    event_loop.cancel_all_tasks()?;
    event_loop.close()?;
    match interrupted {
        Err(e) if e.is::<KeyboardInterrupt>() => Ok(()),
        other => other,
    }
}
