//! What the generator rule tests share: a log that generator bodies write to, so a
//! test can say exactly which lines of a body ran.
#![allow(dead_code)] // each test crate uses part of it

use std::cell::RefCell;
use std::rc::Rc;

/// A shared list of events, cheap to clone into a generator body.
#[derive(Clone, Default)]
pub struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn push(&self, event: impl Into<String>) {
        self.0.borrow_mut().push(event.into());
    }

    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}

/// Runs its closure when dropped: a Rust `finally`.
pub struct Finally<F: FnMut()>(pub F);

impl<F: FnMut()> Drop for Finally<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

/// What the unraisable hook reports while `f` runs (`sys.unraisablehook`), and `f`'s value.
pub fn unraisable_reports<T>(f: impl FnOnce() -> T) -> (Vec<String>, T) {
    let reports = Rc::new(RefCell::new(Vec::new()));
    let sink = reports.clone();
    let previous = pycoro::exceptions::set_unraisable_hook(Some(Box::new(move |u| {
        sink.borrow_mut().push(u.to_string())
    })));
    let value = f();
    pycoro::exceptions::set_unraisable_hook(previous);
    (reports.take(), value)
}

/// A small deterministic generator (xorshift64): the same "random" run every time.
pub fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// The server's sockets for its connections on `port` that are still open in this
/// process: its descriptors (`/proc/self/fd`) that are TCP sockets with `port` as their
/// local port and not listening (`/proc/self/net/tcp`). Other tests' sockets, which run
/// in parallel in the same process, do not count.
pub fn open_server_connections(port: u16) -> usize {
    let inodes: std::collections::HashSet<String> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            Some(
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_string(),
            )
        })
        .collect();
    let table = std::fs::read_to_string("/proc/self/net/tcp").unwrap();
    let local_port = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|fields| fields[1].ends_with(&local_port) && fields[3] != "0A")
        .filter(|fields| inodes.contains(fields[9]))
        .count()
}

/// Runs `main` on a fresh loop on the virtual clock: the async generator tests' `asyncio.run`.
pub fn on_a_loop<T: Clone + 'static>(
    main: impl std::future::Future<Output = pycoro::exceptions::PyResult<T>> + 'static,
) -> pycoro::exceptions::PyResult<T> {
    pycoro::native::run_with_clock(main, pycoro::clock::Clock::new_virtual())
}

/// The outcome was `StopAsyncIteration`.
pub fn is_stop_async_iteration<T>(result: pycoro::exceptions::PyResult<T>) -> bool {
    matches!(result, Err(e) if e.is::<pycoro::native::StopAsyncIteration>())
}

/// `traceback.format_exception_only` of the exception raised, or `no exception`.
pub fn message<T>(result: pycoro::exceptions::PyResult<T>) -> String {
    match result {
        Ok(_) => "no exception".to_owned(),
        Err(e) => pycoro::exceptions::format_exception_only(&e),
    }
}
