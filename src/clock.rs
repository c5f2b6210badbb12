//! [`Clock`]: the time an event loop lives in, real or virtual, and the one place
//! where other threads reach the loop (`call_soon_threadsafe`).
//!
//! The examples run on the real clock: `sleep(1)` takes a second. The tests run on a
//! virtual clock: when the loop has nothing ready, time jumps to the next timer, so a
//! trace that mentions seconds is exact and no test ever waits.
//!
//! Threads make the virtual clock harder: an executor job that calls `time.sleep(1)`
//! must not take a real second, and two jobs must not race to print. So on the virtual
//! clock, threads that pycoro starts (executor workers) *take turns*: one runs at a time,
//! in the order they were submitted, and only while the loop waits; a job's
//! [`Clock::sleep`] hands the turn on, and time moves only when nobody can run. The
//! result is one deterministic interleaving, the one CPython shows in practice.
//!
//! ```
//! use pycoro::clock::Clock;
//! let clock = Clock::new_virtual();
//! assert_eq!(clock.time(), 0.0);
//! clock.sleep(1.5); // on the virtual clock, from a thread that is not taking turns: instant
//! assert_eq!(clock.time(), 1.5);
//! ```

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A callback sent to the loop's thread from another thread.
pub(crate) type Incoming = Box<dyn FnOnce() + Send>;

/// What wakes a loop that waits for its sockets (the reactor's eventfd), when another
/// thread calls in.
pub(crate) trait Notify: Send + Sync {
    fn notify(&self);
}

/// The latest moment a clock can name: about 584 years (virtual time is kept in
/// nanoseconds in a `u64`). Later deadlines, infinite ones included, mean this.
pub(crate) const END_OF_TIME: Duration = Duration::from_nanos(u64::MAX);

/// `time` in nanoseconds, at most `u64::MAX` ([`END_OF_TIME`]): what the loop's timers
/// and the virtual clock compare.
pub(crate) fn nanoseconds(time: Duration) -> u64 {
    u64::try_from(time.as_nanos()).unwrap_or(u64::MAX)
}

/// `seconds` as a duration from now: negative is 0, NaN is 0, too many is [`END_OF_TIME`].
pub(crate) fn seconds_to_duration(seconds: f64) -> Duration {
    if seconds.is_nan() {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(seconds.max(0.0))
        .unwrap_or(END_OF_TIME)
        .min(END_OF_TIME)
}

/// A loop's clock. Cloning shares it.
#[derive(Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

struct Inner {
    started: Option<Instant>, // None: virtual
    state: Mutex<State>,
    changed: Condvar,
    /// `State::virtual_now` in nanoseconds, readable without the lock: the loop asks
    /// the time at every pass.
    virtual_nanos: AtomicU64,
    /// No other thread has ever called in or taken a turn: a loop pass that need not
    /// wait has nothing to look at under the lock.
    quiet: AtomicBool,
    /// Threads waiting on `changed`. Waking a condvar is a system call even when
    /// nobody waits, and a loop on its own tells it at every pass: without this count,
    /// futex calls were half the time of a ping-pong between two tasks.
    waiting: AtomicUsize,
}

impl Inner {
    /// `changed.notify_all()`, if anybody waits. Callers change the state under the
    /// lock first; a waiter counts itself under the same lock before it sleeps, so
    /// either it saw the change or it is counted here.
    fn notify_all(&self) {
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.changed.notify_all();
        }
    }
}

#[derive(Default)]
struct State {
    virtual_now: Duration,
    /// Callbacks from other threads (`call_soon_threadsafe`), in arrival order.
    incoming: VecDeque<Incoming>,
    /// The loop on this clock was closed: other threads can no longer call in.
    closed: bool,
    /// The loop's epoll, when it watches sockets: it waits there, not on the condvar.
    notifier: Option<Arc<dyn Notify>>,
    turns: Turns,
}

/// On the virtual clock: which simulated thread may run. Tickets are handed out in
/// submission order, and a ticket's number decides its place in every queue.
#[derive(Default)]
struct Turns {
    next_ticket: u64,
    /// Threads handed a job that have not yet asked for their turn.
    starting: usize,
    /// Threads waiting for their turn, by ticket.
    runnable: BTreeSet<u64>,
    /// The thread whose turn it is.
    running: Option<u64>,
    /// Threads in `Clock::sleep`: (wake-up time, ticket).
    sleepers: BTreeMap<(Duration, u64), ()>,
    /// The loop is running callbacks: no thread takes a turn until it waits again, so
    /// the loop and its threads never run at the same time.
    loop_busy: bool,
    /// Threads waiting in `block_until` for something the loop will do.
    blocked: BTreeSet<u64>,
    /// Blocked threads told to look again (`notify`): until they have, nobody else
    /// moves, or the loop could decide there is nothing left while one is waking.
    rechecking: BTreeSet<u64>,
}

impl Turns {
    /// No thread runs, is about to, or might be.
    fn settled(&self) -> bool {
        self.running.is_none()
            && self.starting == 0
            && self.runnable.is_empty()
            && self.rechecking.is_empty()
    }
}

/// Why a virtual-clock loop cannot wait: nothing is scheduled, no thread can call in,
/// so time could only stand still for ever.
#[derive(Debug)]
pub(crate) struct NothingToWaitFor;

/// A simulated thread's place in line (virtual clock), or nothing (real clock).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(Option<u64>);

std::thread_local! {
    // The ticket of the job this thread is running, on a virtual clock.
    static MY_TICKET: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

impl Clock {
    /// Wall-clock time, starting at 0 now.
    pub fn real() -> Self {
        Self::with_start(Some(Instant::now()))
    }

    /// Virtual time, starting at 0 and moving only when the loop has nothing to do.
    pub fn new_virtual() -> Self {
        Self::with_start(None)
    }

    fn with_start(started: Option<Instant>) -> Self {
        Self {
            inner: Arc::new(Inner {
                started,
                state: Mutex::default(),
                changed: Condvar::new(),
                waiting: AtomicUsize::new(0),
                virtual_nanos: AtomicU64::new(0),
                quiet: AtomicBool::new(true),
            }),
        }
    }

    /// Whether two handles are the same clock.
    pub(crate) fn same(&self, other: &Clock) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Whether time is virtual.
    pub fn is_virtual(&self) -> bool {
        self.inner.started.is_none()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a few counters and queues, consistent after every statement:
        // a panicking thread cannot leave it half-changed.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves virtual time (under the lock), where `now` reads it too.
    fn set_virtual_now(&self, state: &mut State, now: Duration) {
        state.virtual_now = now;
        let nanos = nanoseconds(now);
        self.inner.virtual_nanos.store(nanos, Ordering::Release);
    }

    fn wait<'g>(&self, guard: MutexGuard<'g, State>) -> MutexGuard<'g, State> {
        self.inner.waiting.fetch_add(1, Ordering::SeqCst);
        let guard = self
            .inner
            .changed
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner);
        self.inner.waiting.fetch_sub(1, Ordering::SeqCst);
        guard
    }

    /// Time since the clock started.
    pub fn now(&self) -> Duration {
        match self.inner.started {
            Some(started) => started.elapsed(),
            None => Duration::from_nanos(self.inner.virtual_nanos.load(Ordering::Acquire)),
        }
    }

    /// Nanoseconds since the clock started (at most `u64::MAX`): what the loop compares
    /// its timers with at every pass, with no `Duration` made and taken apart.
    pub(crate) fn now_nanos(&self) -> u64 {
        match self.inner.started {
            Some(started) => nanoseconds(started.elapsed()),
            None => self.inner.virtual_nanos.load(Ordering::Acquire),
        }
    }

    /// Seconds since the clock started, as `loop.time()`.
    pub fn time(&self) -> f64 {
        self.now().as_secs_f64()
    }

    /// `time.time()`: seconds since the Unix epoch on the real clock; on the virtual
    /// clock, virtual seconds (a test cannot depend on the date).
    pub fn wall_time(&self) -> f64 {
        match self.inner.started {
            Some(_) => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
            None => self.time(),
        }
    }

    /// `time.sleep(seconds)`: blocks the calling thread.
    ///
    /// On the virtual clock a thread taking turns (an executor job) gives up its turn
    /// until virtual time reaches the wake-up; any other thread (the loop's own, say)
    /// blocks the whole simulated world, so time simply moves on.
    pub fn sleep(&self, seconds: f64) {
        let duration = seconds_to_duration(seconds);
        if self.inner.started.is_some() {
            std::thread::sleep(duration);
            return;
        }
        let mut state = self.lock();
        let wake = state.virtual_now + duration;
        match MY_TICKET.get() {
            None => self.set_virtual_now(&mut state, wake),
            Some(ticket) => {
                state.turns.running = None;
                state.turns.sleepers.insert((wake, ticket), ());
                self.inner.notify_all();
                drop(state);
                self.take_turn(ticket);
            }
        }
    }

    /// Queues `callback` for the loop's thread and wakes the loop
    /// (`call_soon_threadsafe`); `false`, and the callback dropped, if the loop is closed.
    pub(crate) fn call_in(&self, callback: Incoming) -> bool {
        let mut state = self.lock();
        if state.closed {
            return false;
        }
        self.inner.quiet.store(false, Ordering::Release);
        state.incoming.push_back(callback);
        if let Some(notifier) = &state.notifier {
            notifier.notify();
        }
        drop(state);
        self.inner.notify_all();
        true
    }

    /// Where the loop waits when it watches sockets: `call_in` wakes it there too.
    pub(crate) fn set_notifier(&self, notifier: Option<Arc<dyn Notify>>) {
        self.lock().notifier = notifier;
    }

    /// What other threads have called in so far, without waiting.
    pub(crate) fn take_incoming(&self) -> Vec<Incoming> {
        self.lock().incoming.drain(..).collect()
    }

    /// A loop starts on this clock: other threads may call in.
    pub(crate) fn open_incoming(&self) {
        self.lock().closed = false;
    }

    /// The loop on this clock closes: from now on other threads are refused, and what
    /// they queued that never ran is dropped here. Returns how many callbacks that was.
    /// Checked and set under one lock, so a callback is either refused or counted.
    pub(crate) fn close_incoming(&self) -> usize {
        let mut state = self.lock();
        state.closed = true;
        let never_ran = std::mem::take(&mut state.incoming);
        drop(state);
        never_ran.len()
    }

    /// No other thread has ever called in or taken a turn: a loop with something ready
    /// has nothing to hear from anyone and no time to move, so it need not look.
    pub(crate) fn is_quiet(&self) -> bool {
        self.inner.quiet.load(Ordering::Acquire)
    }

    /// The loop waits until `deadline` (None: for ever) or until another thread calls
    /// in, and returns what was called in. On the virtual clock this is where time
    /// moves and where simulated threads get their turns.
    pub(crate) fn wait_for_events(
        &self,
        deadline: Option<Duration>,
    ) -> Result<Vec<Incoming>, NothingToWaitFor> {
        // A loop alone on its clock with something ready: no thread to hear from and
        // no time to move.
        if self.is_quiet() && deadline.is_some_and(|d| d <= self.now()) {
            return Ok(Vec::new());
        }
        let mut state = self.lock();
        if let Some(started) = self.inner.started {
            loop {
                if !state.incoming.is_empty() {
                    return Ok(state.incoming.drain(..).collect());
                }
                match deadline {
                    None => state = self.wait(state),
                    Some(deadline) => {
                        let now = started.elapsed();
                        if now >= deadline {
                            return Ok(Vec::new());
                        }
                        self.inner.waiting.fetch_add(1, Ordering::SeqCst);
                        state = self
                            .inner
                            .changed
                            .wait_timeout(state, deadline - now)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0;
                        self.inner.waiting.fetch_sub(1, Ordering::SeqCst);
                    }
                }
            }
        }
        // The loop waits: threads may take turns now (see `take_turn`).
        state.turns.loop_busy = false;
        self.inner.notify_all();
        let events = loop {
            if !state.turns.settled() {
                state = self.wait(state);
                continue;
            }
            // Nobody can run: now the loop may look at what came in, or move time.
            if !state.incoming.is_empty() {
                break Ok(state.incoming.drain(..).collect());
            }
            let next_sleeper = state.turns.sleepers.keys().next().map(|&(at, _)| at);
            match (next_sleeper, deadline) {
                (Some(at), Some(deadline)) if at > deadline => {
                    let now = state.virtual_now.max(deadline);
                    self.set_virtual_now(&mut state, now);
                    break Ok(Vec::new());
                }
                (Some(at), _) => {
                    let now = state.virtual_now.max(at);
                    self.set_virtual_now(&mut state, now);
                    let now = state.virtual_now;
                    while let Some(entry) = state.turns.sleepers.first_entry() {
                        if entry.key().0 > now {
                            break;
                        }
                        let (_, ticket) = *entry.key();
                        entry.remove();
                        state.turns.runnable.insert(ticket);
                    }
                }
                (None, Some(deadline)) => {
                    let now = state.virtual_now.max(deadline);
                    self.set_virtual_now(&mut state, now);
                    break Ok(Vec::new());
                }
                (None, None) => break Err(NothingToWaitFor),
            }
            self.inner.notify_all(); // sleepers became runnable
        };
        // The loop runs its callbacks now; no thread runs beside it.
        state.turns.loop_busy = events.is_ok();
        events
    }

    /// The loop starts running: a thread that enters the turns from now on waits until
    /// the loop waits. Until a thread has, a pass that need not wait skips the lock (see
    /// `wait_for_events`), so the loop must already count as busy then.
    pub(crate) fn loop_started(&self) {
        if self.inner.started.is_none() {
            self.lock().turns.loop_busy = true;
        }
    }

    /// The loop has stopped running: threads no longer wait for it to be idle.
    pub(crate) fn loop_stopped(&self) {
        if self.inner.started.is_none() {
            self.lock().turns.loop_busy = false;
            self.inner.notify_all();
        }
    }

    /// Makes the calling thread take part in the virtual clock's turns, as the main
    /// thread of a program with a loop in another thread does: it runs only while no
    /// other thread does and the loop is idle, and gives its turn up while it waits in
    /// [`Clock::block_until`] or sleeps. Its trace is then deterministic. The guard
    /// leaves the turns. On the real clock this does nothing.
    ///
    /// Such a thread must wait through the clock: blocked anywhere else (on a channel's
    /// `recv`, a `Mutex`, a `Condvar`: Python's `threading.Event().wait()`), it keeps
    /// its turn, and the loop, whose turn never comes, cannot run what it waits for.
    /// `clock.block_until(|| flag.load(Ordering::SeqCst))`, with the flag set from the
    /// loop's thread (and [`Clock::notify`] after), is the same wait in its turn.
    pub fn enter_thread(&self) -> ThreadTurn {
        if self.inner.started.is_some() {
            return ThreadTurn(None);
        }
        let ticket = {
            let mut state = self.lock();
            self.inner.quiet.store(false, Ordering::Release);
            let ticket = state.turns.next_ticket;
            state.turns.next_ticket += 1;
            state.turns.runnable.insert(ticket);
            ticket
        };
        self.take_turn(ticket);
        MY_TICKET.set(Some(ticket));
        ThreadTurn(Some(self.clone()))
    }

    /// Blocks the calling thread until `ready()` holds, giving up its turn meanwhile.
    /// Whatever makes `ready()` true must call [`Clock::notify`] afterwards.
    pub fn block_until(&self, ready: impl Fn() -> bool) {
        let mut state = self.lock();
        let ticket = if self.inner.started.is_none() {
            MY_TICKET.get()
        } else {
            None
        };
        let Some(ticket) = ticket else {
            while !ready() {
                state = self.wait(state);
            }
            return;
        };
        state.turns.running = None;
        state.turns.blocked.insert(ticket);
        self.inner.notify_all();
        loop {
            let is_ready = ready();
            state.turns.rechecking.remove(&ticket);
            if is_ready {
                state.turns.blocked.remove(&ticket);
                state.turns.runnable.insert(ticket);
                break;
            }
            self.inner.notify_all(); // it has looked: the loop may go on
            state = self.wait(state);
        }
        drop(state);
        self.take_turn(ticket);
    }

    /// Starts a thread that takes part in the turns (a timer thread of a program): on
    /// the virtual clock it runs only in its turn, and its `sleep`s take virtual time.
    pub fn spawn<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> std::thread::JoinHandle<T> {
        let ticket = self.ticket();
        self.thread_starting();
        let clock = self.clone();
        std::thread::spawn(move || clock.run_turn(ticket, f, || {}))
    }

    /// Waits until `ready()` holds *keeping* the turn, so nothing else moves meanwhile
    /// (for a signal that another thread delivers). Wake it with [`Clock::notify`].
    pub(crate) fn wait_holding_turn(&self, ready: impl Fn() -> bool) {
        let mut state = self.lock();
        while !ready() {
            state = self.wait(state);
        }
    }

    /// Wakes the threads waiting in [`Clock::block_until`] to look again.
    pub fn notify(&self) {
        let mut state = self.lock();
        let turns = &mut state.turns;
        let blocked = turns.blocked.clone();
        turns.rechecking.extend(blocked);
        self.inner.notify_all();
    }

    /// A place in line for a job about to be handed to a thread (virtual clock).
    pub(crate) fn ticket(&self) -> Ticket {
        if self.inner.started.is_some() {
            return Ticket(None);
        }
        let mut state = self.lock();
        self.inner.quiet.store(false, Ordering::Release);
        let ticket = state.turns.next_ticket;
        state.turns.next_ticket += 1;
        Ticket(Some(ticket))
    }

    /// A thread is being handed a job; until it asks for its turn, time must not move.
    pub(crate) fn thread_starting(&self) {
        if self.inner.started.is_none() {
            self.lock().turns.starting += 1;
        }
    }

    /// Runs `job` as the thread holding `ticket`: on the virtual clock, waits for its
    /// turn first and keeps it until `job` returns. `before_release` runs while the
    /// turn is still held (a worker picks its next job there, deterministically).
    pub(crate) fn run_turn<R>(
        &self,
        ticket: Ticket,
        job: impl FnOnce() -> R,
        before_release: impl FnOnce(),
    ) -> R {
        let Ticket(Some(ticket)) = ticket else {
            let result = job();
            before_release();
            return result;
        };
        {
            let mut state = self.lock();
            state.turns.starting -= 1;
            state.turns.runnable.insert(ticket);
            self.inner.notify_all();
        }
        self.take_turn(ticket);
        MY_TICKET.set(Some(ticket));
        // The turn is handed back even if the job panics, or every other thread waits for ever.
        let _release = ReleaseTurn(self);
        let result = job();
        before_release();
        result
    }

    /// Blocks until `ticket` may run: nobody else runs, the loop is idle (waiting or
    /// gone), no thread is about to join the line, and none in it has an older ticket.
    fn take_turn(&self, ticket: u64) {
        let mut state = self.lock();
        loop {
            let turns = &mut state.turns;
            // `starting == 0`: every thread about to join the line has, so "first in
            // line" means the same thing on every run.
            if turns.running.is_none()
                && !turns.loop_busy
                && turns.starting == 0
                && turns.rechecking.is_empty()
                && turns.runnable.first() == Some(&ticket)
            {
                turns.runnable.remove(&ticket);
                turns.running = Some(ticket);
                return;
            }
            state = self.wait(state);
        }
    }
}

struct ReleaseTurn<'c>(&'c Clock);

impl Drop for ReleaseTurn<'_> {
    fn drop(&mut self) {
        MY_TICKET.set(None);
        let mut state = self.0.lock();
        state.turns.running = None;
        self.0.inner.notify_all();
    }
}

/// A thread's part in the virtual clock's turns ([`Clock::enter_thread`]).
pub struct ThreadTurn(Option<Clock>);

impl Drop for ThreadTurn {
    fn drop(&mut self) {
        if let Some(clock) = &self.0 {
            MY_TICKET.set(None);
            let mut state = clock.lock();
            state.turns.running = None;
            clock.inner.notify_all();
        }
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_virtual() { "virtual" } else { "real" };
        write!(f, "<{kind} clock at {:.3}s>", self.time())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_virtual_loop_jumps_to_its_deadline_at_once() {
        let clock = Clock::new_virtual();
        let incoming = clock.wait_for_events(Some(Duration::from_secs(5))).unwrap();
        assert!(incoming.is_empty());
        assert_eq!(clock.time(), 5.0);
    }

    #[test]
    fn a_virtual_loop_with_nothing_to_wait_for_says_so() {
        assert!(Clock::new_virtual().wait_for_events(None).is_err());
    }

    #[test]
    fn absurd_delays_mean_the_end_of_time_not_a_panic() {
        assert_eq!(seconds_to_duration(-1.0), Duration::ZERO);
        assert_eq!(seconds_to_duration(f64::NAN), Duration::ZERO);
        assert_eq!(seconds_to_duration(f64::INFINITY), END_OF_TIME);
        assert_eq!(seconds_to_duration(1e30), END_OF_TIME);
        let clock = Clock::new_virtual();
        clock.sleep(f64::INFINITY); // time.sleep(inf) on the loop's thread: time jumps
        assert_eq!(clock.now(), END_OF_TIME);
        clock.sleep(1.0); // and stays at its end
        assert_eq!(clock.now(), END_OF_TIME);
    }

    #[test]
    fn the_time_read_without_the_lock_follows_the_time_moved_under_it() {
        let clock = Clock::new_virtual();
        clock.sleep(1.5);
        assert_eq!(clock.time(), 1.5);
        assert_eq!(
            clock
                .wait_for_events(Some(Duration::from_secs(3)))
                .unwrap()
                .len(),
            0
        );
        assert_eq!(clock.time(), 3.0);
    }
}
