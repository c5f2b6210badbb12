//! The IO reactor: epoll inside the event loop.
//!
//! Book: chapter "IO multiplexing".
//!
//! A task that would block on a socket registers its interest here and awaits a
//! [`Future`]; when the loop has nothing ready to run, it waits in `epoll_wait` for the
//! earliest of "a socket is ready", "a timer is due" (the wait's timeout) and "another
//! thread called in" (which writes to the reactor's eventfd: [`Notifier`]). Readiness
//! completes the futures, whose done callbacks schedule the waiting tasks: readiness
//! wakes a task, nothing polls. Sockets are registered edge-triggered, once, for both
//! directions.
//!
//! The reactor owns its epoll instance and its eventfd, and nobody else touches them:
//! it registers, waits and reads the flags through `rustix`'s safe calls, so it sees
//! `EPOLLRDHUP`, which it needs to know when the peer has ended the stream (see
//! [`Reactor::hung_up`]).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rustix::event::epoll;
use rustix::event::{EventfdFlags, eventfd};

use super::{EventLoop, Future};
use crate::exceptions::{PyResult, RuntimeError, os_error};

/// The key of the reactor's own eventfd among the sockets' keys (which count up from 0).
const NOTIFIER_KEY: u64 = u64::MAX;

/// How much one read of a socket takes at most: the size of the loop's read buffer.
pub(crate) const READ_SIZE: usize = 64 * 1024;

/// Wakes a loop waiting in `epoll_wait` from another thread: an eventfd the reactor
/// watches. Many wake-ups before the loop looks cost one write.
pub(crate) struct Notifier {
    eventfd: OwnedFd,
    /// Written to and not yet read back by the loop: another write would add nothing.
    pending: AtomicBool,
}

impl crate::clock::Notify for Notifier {
    fn notify(&self) {
        if !self.pending.swap(true, Ordering::AcqRel) {
            let _ = rustix::io::write(&self.eventfd, &1u64.to_ne_bytes());
        }
    }
}

impl Notifier {
    /// The loop saw the wake-up: the counter is read back to zero, and only then may
    /// the next wake-up write again (one that came in between found `pending` set, and
    /// what it queued is taken by the loop after this wait).
    fn clear(&self) {
        let mut count = [0u8; 8];
        let _ = rustix::io::read(&self.eventfd, &mut count);
        self.pending.store(false, Ordering::Release);
    }
}

/// The sockets a loop watches, and who waits for them.
pub(crate) struct Reactor {
    epoll: OwnedFd,
    notifier: Arc<Notifier>,
    sources: RefCell<HashMap<usize, Source>>,
    next_key: Cell<usize>,
    events: RefCell<Vec<epoll::Event>>,
    /// The loop's one read buffer, zeroed once: a socket is read into it and what came
    /// is copied to the connection's own buffer, so that an idle connection holds none.
    scratch: RefCell<Vec<u8>>,
}

struct Source {
    readers: Vec<Future<()>>,
    writers: Vec<Future<()>>,
    /// Readiness that arrived while nobody waited: the next waiter need not wait.
    readable: bool,
    writable: bool,
    /// The peer ended the stream or the connection failed (`EPOLLRDHUP`, `EPOLLHUP`,
    /// `EPOLLERR`): reading will not block again, and no new edge may ever come.
    hung_up: bool,
}

impl Source {
    /// Readiness came: the live waiters are woken. A waiter whose task was cancelled
    /// meanwhile does not count: the readiness is kept for the next one, or an edge
    /// would be lost.
    fn ready(&mut self, readable: bool, writable: bool, woken: &mut Vec<Future<()>>) {
        if readable {
            let live: Vec<_> = self.readers.drain(..).filter(|f| !f.done()).collect();
            self.readable = live.is_empty();
            woken.extend(live);
        }
        if writable {
            let live: Vec<_> = self.writers.drain(..).filter(|f| !f.done()).collect();
            self.writable = live.is_empty();
            woken.extend(live);
        }
    }
}

impl Reactor {
    pub(crate) fn new() -> PyResult<Self> {
        let failed = |e: rustix::io::Errno| RuntimeError::new(format!("epoll: {e}"));
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC).map_err(failed)?;
        let eventfd = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK).map_err(failed)?;
        // Level-triggered: reported at every wait until the loop reads it back.
        epoll::add(
            &epoll,
            &eventfd,
            epoll::EventData::new_u64(NOTIFIER_KEY),
            epoll::EventFlags::IN,
        )
        .map_err(failed)?;
        Ok(Self {
            epoll,
            notifier: Arc::new(Notifier {
                eventfd,
                pending: AtomicBool::new(false),
            }),
            sources: RefCell::default(),
            next_key: Cell::new(0),
            events: RefCell::new(Vec::with_capacity(1024)),
            scratch: RefCell::new(vec![0; READ_SIZE]),
        })
    }

    /// What wakes this reactor's wait from another thread (the clock's notifier).
    pub(crate) fn notifier(&self) -> Arc<Notifier> {
        self.notifier.clone()
    }

    /// Reads what `source` has, [`READ_SIZE`] bytes at most, and appends it to `into`.
    pub(crate) fn read(
        &self,
        mut source: impl std::io::Read,
        into: &mut Vec<u8>,
    ) -> std::io::Result<usize> {
        let mut scratch = self.scratch.borrow_mut();
        let read = source.read(&mut scratch)?;
        into.extend_from_slice(&scratch[..read]);
        Ok(read)
    }

    /// Starts watching `fd` for both directions, edge-triggered: epoll reports each
    /// time the socket becomes readable or writable, and the interest never has to be
    /// set again (one `epoll_ctl` per socket, not one per wait). The key names it from
    /// now on.
    pub(crate) fn register(&self, fd: impl AsFd) -> PyResult<usize> {
        let key = self.next_key.get();
        self.next_key.set(key + 1);
        use epoll::EventFlags as F;
        epoll::add(
            &self.epoll,
            fd,
            epoll::EventData::new_u64(key as u64),
            F::IN | F::OUT | F::RDHUP | F::ET,
        )
        .map_err(|e| os_error(e.into()))?;
        self.sources.borrow_mut().insert(
            key,
            Source {
                readers: Vec::new(),
                writers: Vec::new(),
                readable: false,
                writable: false,
                hung_up: false,
            },
        );
        Ok(key)
    }

    /// Stops watching `key`, the socket `fd`: who still waits is woken (and will find
    /// the socket closed).
    pub(crate) fn deregister(&self, key: usize, fd: impl AsFd) {
        let Some(source) = self.sources.borrow_mut().remove(&key) else {
            return;
        };
        let _ = epoll::delete(&self.epoll, fd);
        for waiter in source.readers.into_iter().chain(source.writers) {
            let _ = waiter.set_result(());
        }
    }

    // ANCHOR: wait
    /// A future that is done when `key`'s socket is readable (or writable). Call it
    /// only after the socket said `WouldBlock`: with edge-triggered epoll, readiness
    /// that is already there is not reported again. Readiness that came while nobody
    /// waited makes the future done at once (the caller tries again, and may wait anew).
    pub(crate) fn wait(
        &self,
        event_loop: &EventLoop,
        key: usize,
        writable: bool,
    ) -> PyResult<Future<()>> {
        let future = event_loop.create_future();
        let mut sources = self.sources.borrow_mut();
        let Some(source) = sources.get_mut(&key) else {
            future.set_result(())?; // closed: the caller will see it
            return Ok(future);
        };
        let (ready, waiters) = if writable {
            (&mut source.writable, &mut source.writers)
        } else {
            (&mut source.readable, &mut source.readers)
        };
        if std::mem::take(ready) {
            future.set_result(())?;
        } else {
            waiters.push(future.clone());
        }
        Ok(future)
    }

    // ANCHOR_END: wait
    /// Whether any socket is watched: then the loop waits in epoll, not on its clock.
    pub(crate) fn is_watching(&self) -> bool {
        !self.sources.borrow().is_empty()
    }

    // ANCHOR: poll
    /// Waits up to `timeout` (None: until something happens) for readiness or a
    /// notification, and completes the futures of the sockets that are ready.
    pub(crate) fn poll(&self, timeout: Option<Duration>) -> PyResult<()> {
        let mut events = self.events.borrow_mut();
        events.clear();
        // Longer waits than a day are cut short: the loop simply waits again.
        let timeout = timeout.map(|t| {
            let t = t.min(Duration::from_secs(86_400));
            rustix::event::Timespec {
                tv_sec: t.as_secs() as i64,
                tv_nsec: t.subsec_nanos().into(),
            }
        });
        let spare = rustix::buffer::spare_capacity(&mut *events);
        match epoll::wait(&self.epoll, spare, timeout.as_ref()) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => return Ok(()),
            Err(e) => return Err(os_error(e.into())),
        }
        let mut ready = Vec::new();
        {
            let mut sources = self.sources.borrow_mut();
            for event in events.iter() {
                let key = event.data.u64();
                if key == NOTIFIER_KEY {
                    self.notifier.clear(); // another thread called in
                    continue;
                }
                let Some(source) = sources.get_mut(&(key as usize)) else {
                    continue;
                };
                let flags = event.flags;
                use epoll::EventFlags as F;
                source.hung_up |= flags.intersects(F::RDHUP | F::HUP | F::ERR);
                let readable = flags.intersects(F::IN | F::PRI | F::RDHUP | F::HUP | F::ERR);
                let writable = flags.intersects(F::OUT | F::HUP | F::ERR);
                source.ready(readable, writable, &mut ready);
            }
        }
        for future in ready {
            let _ = future.set_result(());
        }
        Ok(())
    }

    /// Whether `key`'s peer has ended the stream (or the connection failed). Then a
    /// read that got less than it asked for does not prove the kernel has nothing
    /// more: the end of the stream may have come in the same edge as the data, and
    /// will only be seen by reading again.
    pub(crate) fn hung_up(&self, key: usize) -> bool {
        self.sources.borrow().get(&key).is_none_or(|s| s.hung_up)
    }
    // ANCHOR_END: poll
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    use super::Reactor;
    use crate::clock::Clock;
    use crate::event_loop::EventLoop;

    /// Edge-triggered epoll reports readiness once: if the only waiter was cancelled, the
    /// readiness must be kept for the next waiter, or that one would wait for ever.
    #[test]
    fn readiness_that_only_a_cancelled_waiter_waited_for_goes_to_the_next_waiter() {
        let event_loop = EventLoop::new(Clock::new_virtual());
        let reactor = Reactor::new().unwrap();
        let (mine, mut peer) = UnixStream::pair().unwrap();
        mine.set_nonblocking(true).unwrap();
        let key = reactor.register(&mine).unwrap();
        let abandoned = reactor.wait(&event_loop, key, false).unwrap();
        abandoned.cancel();
        peer.write_all(b"data").unwrap();
        reactor.poll(Some(Duration::from_secs(5))).unwrap();
        let next = reactor.wait(&event_loop, key, false).unwrap();
        assert!(
            next.done(),
            "the readiness was given to the cancelled waiter and lost"
        );
        reactor.deregister(key, &mine);
    }

    /// Data and the end of the stream that arrive together are one edge: the reactor keeps
    /// that the peer hung up, so that a reader does not wait for another edge.
    #[test]
    fn an_edge_that_brings_the_end_of_the_stream_marks_the_socket_hung_up() {
        let event_loop = EventLoop::new(Clock::new_virtual());
        let reactor = Reactor::new().unwrap();
        let (mine, mut peer) = UnixStream::pair().unwrap();
        mine.set_nonblocking(true).unwrap();
        let key = reactor.register(&mine).unwrap();
        let waiting = reactor.wait(&event_loop, key, false).unwrap();
        peer.write_all(b"data").unwrap();
        reactor.poll(Some(Duration::from_secs(5))).unwrap();
        assert!(waiting.done());
        assert!(!reactor.hung_up(key), "data alone is no hang-up");
        let waiting = reactor.wait(&event_loop, key, false).unwrap();
        peer.write_all(b"more").unwrap();
        peer.shutdown(std::net::Shutdown::Write).unwrap();
        reactor.poll(Some(Duration::from_secs(5))).unwrap();
        assert!(waiting.done());
        assert!(
            reactor.hung_up(key),
            "the end of the stream came in the same edge"
        );
        reactor.deregister(key, &mine);
    }

    /// Another thread's wake-up ends a wait that has no timeout; wake-ups that came
    /// before the loop looked end one wait, not the next (the eventfd was read back).
    #[test]
    fn another_threads_notification_ends_one_wait() {
        use crate::clock::Notify;
        let reactor = Reactor::new().unwrap();
        let notifier = reactor.notifier();
        let waking = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            notifier.notify();
        });
        reactor.poll(None).unwrap();
        waking.join().unwrap();
        reactor.notifier().notify();
        reactor.notifier().notify(); // a second one before the loop looks adds nothing
        reactor.poll(None).unwrap();
        let started = std::time::Instant::now();
        reactor.poll(Some(Duration::from_millis(50))).unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(40),
            "the wake-up was reported twice"
        );
        reactor.notifier().notify();
        reactor.poll(None).unwrap(); // and the next wake-up still comes through
    }
}
