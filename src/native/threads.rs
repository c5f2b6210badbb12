//! A loop running forever in another thread, fed from this one: document 002's
//! `start_loop`, `call_soon_threadsafe` and `run_coroutine_threadsafe`.
//!
//! A pycoro loop and its tasks are `Rc`s and never leave their thread, so the loop is
//! made inside its thread, and the other threads hold only a `Send` handle to it. A
//! coroutine cannot be sent either (its future holds `Rc`s once it runs), so
//! `run_coroutine_threadsafe` sends the call that makes it: Rust checks at compile time
//! what Python leaves to the programmer.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use crate::clock::Clock;
use crate::event_loop::{EventLoop, ThreadsafeHandle, get_running_loop, set_event_loop};
use crate::exceptions::{Exception, PyResult, RuntimeError, clone_exception};

use super::create_task;

/// `new_loop = asyncio.new_event_loop(); Thread(target=start_loop, args=(new_loop,)).start()`.
pub struct LoopThread {
    handle: ThreadsafeHandle,
    clock: Clock,
    finished: Arc<AtomicBool>,
    /// `loop.close()` was called (once the loop had stopped).
    closed: AtomicBool,
    thread: JoinHandle<PyResult<()>>,
}

impl LoopThread {
    /// Starts a thread whose loop runs forever (until `stop`), on `clock`.
    pub fn start(clock: Clock) -> Self {
        // Open now, not when the thread gets to it: the caller may call in at once.
        clock.open_incoming();
        let finished = Arc::new(AtomicBool::new(false));
        let (loop_clock, loop_finished) = (clock.clone(), finished.clone());
        let thread = std::thread::Builder::new()
            .name("pycoro-loop".into())
            .spawn(move || {
                let event_loop = EventLoop::new(loop_clock.clone());
                set_event_loop(Some(&event_loop)); // start_loop(loop)
                let result = event_loop.run_forever();
                let _ = event_loop.close();
                loop_finished.store(true, Ordering::SeqCst);
                loop_clock.notify();
                result
            })
            .expect("the OS refused a thread");
        Self {
            handle: ThreadsafeHandle::new(clock.clone()),
            clock,
            finished,
            closed: AtomicBool::new(false),
            thread,
        }
    }

    /// `loop.is_running()`: until the loop, stopped, has finished its last pass.
    pub fn is_running(&self) -> bool {
        !self.finished.load(Ordering::SeqCst)
    }

    /// `loop.is_closed()`: `close()` has been called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// `loop.close()`: `RuntimeError: Cannot close a running event loop` while it runs
    /// (stop it, and wait for that, first); closing twice does nothing, as in Python.
    ///
    /// ```
    /// use pycoro::clock::Clock;
    /// use pycoro::native::LoopThread;
    ///
    /// // On the real clock the loop waits for calls for ever, until it is stopped.
    /// let loop_thread = LoopThread::start(Clock::real());
    /// assert!(loop_thread.close().is_err()); // still running
    /// loop_thread.stop();
    /// loop_thread.wait_stopped();
    /// loop_thread.close()?;
    /// assert!(loop_thread.is_closed());
    /// loop_thread.join()?;
    /// # Ok::<(), pycoro::exceptions::Exception>(())
    /// ```
    pub fn close(&self) -> PyResult<()> {
        if self.is_running() {
            return Err(RuntimeError::new("Cannot close a running event loop").into());
        }
        self.closed.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Blocks this thread until the loop has stopped (after [`stop`](Self::stop)).
    pub fn wait_stopped(&self) {
        let finished = self.finished.clone();
        self.clock.block_until(|| finished.load(Ordering::SeqCst));
    }

    /// `loop.call_soon_threadsafe(callback)`: runs it in the loop's thread;
    /// `RuntimeError` once that loop has closed.
    pub fn call_soon_threadsafe(&self, callback: impl FnOnce() + Send + 'static) -> PyResult<()> {
        self.handle.call_soon_threadsafe(callback)
    }

    /// `loop.call_soon_threadsafe(loop.stop)`. Stopping a loop that has already
    /// closed does nothing.
    pub fn stop(&self) {
        let _ = self.call_soon_threadsafe(|| {
            if let Ok(event_loop) = get_running_loop() {
                event_loop.stop();
            }
        });
    }

    /// `t.join()`: waits for the loop's thread to end (it ends when the loop stops), and
    /// gives what `run_forever` gave.
    pub fn join(self) -> PyResult<()> {
        self.wait_stopped();
        self.thread
            .join()
            .unwrap_or_else(|_| Err(RuntimeError::new("the loop's thread panicked").into()))
    }
}

/// `concurrent.futures.Future`: a result another thread will set; `result()` blocks.
pub struct ConcurrentFuture<T> {
    slot: Arc<Mutex<Option<PyResult<T>>>>,
    clock: Clock,
    loop_finished: Arc<AtomicBool>,
}

impl<T: Clone> ConcurrentFuture<T> {
    /// `future.result()`: blocks this thread until the coroutine is done, and gives its
    /// result, or raises its exception; again at every call, as Python's does.
    pub fn result(&self) -> PyResult<T> {
        self.outcome(|outcome| match outcome {
            Ok(value) => Ok(value.clone()),
            Err(e) => Err(clone_exception(e)),
        })
    }

    /// `future.exception()`: blocks this thread until the coroutine is done, and gives
    /// the exception it raised, `None` if it returned.
    pub fn exception(&self) -> PyResult<Option<Exception>> {
        self.outcome(|outcome| Ok(outcome.as_ref().err().map(clone_exception)))
    }

    /// `future.done()`: the coroutine has finished (or its loop has stopped first).
    pub fn done(&self) -> bool {
        self.loop_finished.load(Ordering::SeqCst) || self.lock().is_some()
    }

    /// Blocks until done, then reads the outcome.
    fn outcome<R>(&self, read: impl FnOnce(&PyResult<T>) -> PyResult<R>) -> PyResult<R> {
        self.clock.block_until(|| self.done());
        match &*self.lock() {
            Some(outcome) => read(outcome),
            None => Err(RuntimeError::new("the loop stopped before the coroutine finished").into()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<PyResult<T>>> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `asyncio.run_coroutine_threadsafe(coro, loop)`: runs the coroutine that `make`
/// makes as a task of the loop in `loop_thread`, and returns a future this thread can
/// block on.
pub fn run_coroutine_threadsafe<T, F, C>(make: F, loop_thread: &LoopThread) -> ConcurrentFuture<T>
where
    T: Clone + Send + 'static,
    F: FnOnce() -> C + Send + 'static,
    C: std::future::Future<Output = PyResult<T>> + 'static,
{
    let slot = Arc::new(Mutex::new(None));
    let (task_slot, clock) = (slot.clone(), loop_thread.clock.clone());
    let queued = loop_thread.call_soon_threadsafe(move || {
        let fill = move |result: PyResult<T>| {
            *task_slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
            clock.notify();
        };
        match create_task(make()) {
            Ok(task) => task.add_done_callback(move |done| fill(done.result())),
            Err(e) => fill(Err(e)),
        }
    });
    if let Err(closed) = queued {
        // The future is done at once, with the loop's error: nothing to block on.
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(Err(closed));
    }
    ConcurrentFuture {
        slot,
        clock: loop_thread.clock.clone(),
        loop_finished: loop_thread.finished.clone(),
    }
}
