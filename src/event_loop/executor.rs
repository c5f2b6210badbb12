//! [`ThreadPool`]: the default executor behind `run_in_executor`, like Python's
//! `concurrent.futures.ThreadPoolExecutor`.
//!
//! A job's result reaches the loop through the clock's thread-safe queue
//! (`call_soon_threadsafe`); the loop's futures are `Rc`s that never leave their thread,
//! so `on_loop_thread` parks the completion on the loop's thread and hands the job a
//! `Send` ticket to it.

use std::any::Any;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;

use crate::clock::{Clock, Ticket};
use crate::exceptions::{PyResult, RuntimeError};

type Job = Box<dyn FnOnce() + Send>;

/// A pool of worker threads started on demand, at most `max_workers`.
pub struct ThreadPool {
    shared: Arc<Shared>,
    clock: Clock,
}

struct Shared {
    state: Mutex<PoolState>,
    work: Condvar,
    max_workers: usize,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<(Ticket, Job)>,
    workers: usize,
    /// Workers blocked waiting for a job.
    waiting: usize,
    shutdown: bool,
}

/// Python's default: `min(32, os.cpu_count() + 4)` workers.
pub fn default_max_workers() -> usize {
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    (cpus + 4).min(32)
}

impl ThreadPool {
    /// A pool whose jobs take turns on `clock` when it is virtual.
    pub fn new(clock: Clock, max_workers: usize) -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Mutex::default(),
                work: Condvar::new(),
                max_workers: max_workers.max(1),
            }),
            clock,
        }
    }

    /// Runs `job` on a worker thread.
    /// A panicking job is the job's problem (its caller turns it into an exception);
    /// the worker survives it.
    pub fn submit(&self, job: impl FnOnce() + Send + 'static) {
        let job = move || {
            let _ = catch_unwind(AssertUnwindSafe(job));
        };
        let ticket = self.clock.ticket();
        let mut state = self.shared.lock();
        state.queue.push_back((ticket, Box::new(job)));
        if state.waiting >= state.queue.len() {
            // A waiting worker will take it.
            self.clock.thread_starting();
            drop(state);
            self.shared.work.notify_one();
        } else if state.workers < self.shared.max_workers {
            state.workers += 1;
            self.clock.thread_starting();
            drop(state);
            let (shared, clock) = (self.shared.clone(), self.clock.clone());
            thread::Builder::new()
                .name("pycoro-executor".into())
                .spawn(move || worker(&shared, &clock))
                .expect("the OS refused a thread");
        }
        // Otherwise every worker is busy: the first to finish takes it.
    }

    /// How many worker threads exist.
    pub fn workers(&self) -> usize {
        self.shared.lock().workers
    }

    /// `executor.shutdown(wait=False)`: workers finish the queued jobs, then exit.
    pub fn shutdown(&self) {
        self.shared.lock().shutdown = true;
        self.shared.work.notify_all();
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A worker: takes a job, runs it in its turn, and before giving up the turn takes the
/// next queued job if there is one (so on a virtual clock the hand-over is part of the
/// turn, and deterministic), or else waits for work.
fn worker(shared: &Shared, clock: &Clock) {
    let mut next = None;
    loop {
        let (ticket, job) = match next.take() {
            Some(job) => job,
            None => {
                let mut state = shared.lock();
                loop {
                    if let Some(job) = state.queue.pop_front() {
                        break job;
                    }
                    if state.shutdown {
                        state.workers -= 1;
                        return;
                    }
                    state.waiting += 1;
                    state = shared
                        .work
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                    state.waiting -= 1;
                }
            }
        };
        clock.run_turn(ticket, job, || {
            if let Some(queued) = shared.lock().queue.pop_front() {
                clock.thread_starting();
                next = Some(queued);
            }
        });
    }
}

type Parked = Box<dyn FnOnce(Box<dyn Any + Send>)>;

std::thread_local! {
    static PARKED: RefCell<(u64, HashMap<u64, Parked>)> = RefCell::new((0, HashMap::new()));
}

/// A `Send` handle to a callback that must run on the loop's thread.
pub(crate) struct Deliver<T> {
    id: u64,
    clock: Clock,
    _value: std::marker::PhantomData<fn(T)>,
}

/// Parks `deliver` on this (the loop's) thread and returns a handle that another thread
/// uses to call it with a value, through the clock's thread-safe queue.
pub(crate) fn on_loop_thread<T: Send + 'static>(
    clock: &Clock,
    deliver: impl FnOnce(T) + 'static,
) -> Deliver<T> {
    let id = PARKED.with(|parked| {
        let mut parked = parked.borrow_mut();
        parked.0 += 1;
        let id = parked.0;
        let parked_fn: Parked = Box::new(move |value| {
            let value = *value
                .downcast::<T>()
                .expect("a Deliver<T> only ever sends a T");
            deliver(value);
        });
        parked.1.insert(id, parked_fn);
        id
    });
    Deliver {
        id,
        clock: clock.clone(),
        _value: std::marker::PhantomData,
    }
}

impl<T: Send + 'static> Deliver<T> {
    /// Calls the parked callback with `value`, on the loop's thread, soon.
    pub(crate) fn send(self, value: T) {
        let id = self.id;
        self.clock.call_in(Box::new(move || {
            let parked = PARKED.with(|parked| parked.borrow_mut().1.remove(&id));
            if let Some(deliver) = parked {
                deliver(Box::new(value));
            }
        }));
    }
}

/// Runs `f`, turning a panic into a `RuntimeError` (Python would see an exception).
#[inline]
pub(crate) fn catch_panic<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("Box<dyn Any>");
        Err(RuntimeError::new(format!("panic: {message}")).into())
    })
}
