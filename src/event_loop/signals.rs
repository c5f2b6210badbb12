//! Ctrl+C (SIGINT) as Python's `KeyboardInterrupt`.
//!
//! While a loop runs `run_until_complete`, SIGINT stops it and `run_until_complete`
//! returns `Err(KeyboardInterrupt)`, leaving the loop and its tasks as they were, which
//! is what document 002's "cancel every task, stop, run_forever, close" program needs.
//! The signal is caught by `signal-hook` on a thread of its own, which queues the
//! interruption on the loop through its clock. With no loop running, SIGINT does what it
//! would have done without pycoro.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use signal_hook::consts::SIGINT;
use signal_hook::iterator::Signals;

use super::get_running_loop;
use crate::clock::Clock;

/// The clocks of the loops in `run_until_complete`, innermost last.
static ACTIVE: Mutex<Vec<Clock>> = Mutex::new(Vec::new());
/// The loop a program's own `send_sigint` meant (tests run many loops at once).
static TARGET: Mutex<Option<Clock>> = Mutex::new(None);
/// How many interruptions were queued on a loop.
static DELIVERED: AtomicU64 = AtomicU64::new(0);
static INSTALLED: OnceLock<bool> = OnceLock::new();
/// Held while a `send_sigint` waits for its interruption to be delivered.
static SENDING: Mutex<()> = Mutex::new(());

fn install() -> bool {
    *INSTALLED.get_or_init(|| {
        let Ok(mut signals) = Signals::new([SIGINT]) else {
            return false;
        };
        // The thread says when it runs: whatever it allocates as it starts is then
        // done before `install` returns, not at some later moment (a test that counts
        // the process's allocations saw that moment fall inside its count, under load).
        let (ready, started) = std::sync::mpsc::sync_channel(1);
        let spawned = std::thread::Builder::new()
            .name("pycoro-sigint".into())
            .spawn(move || {
                let _ = ready.send(());
                for _ in signals.forever() {
                    deliver();
                }
            })
            .is_ok();
        spawned && started.recv().is_ok()
    })
}

fn deliver() {
    let target = TARGET
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .or_else(|| {
            ACTIVE
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .last()
                .cloned()
        });
    match target {
        Some(clock) => {
            clock.call_in(Box::new(|| {
                if let Ok(event_loop) = get_running_loop() {
                    event_loop.interrupt();
                }
            }));
            DELIVERED.fetch_add(1, Ordering::SeqCst);
            clock.notify();
        }
        None => {
            let _ = signal_hook::low_level::emulate_default_handler(SIGINT);
        }
    }
}

/// Makes SIGINT interrupt the loop on `clock` until the guard is dropped.
pub(crate) fn interruptible(clock: &Clock) -> Interruptible {
    install();
    ACTIVE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(clock.clone());
    Interruptible
}

pub(crate) struct Interruptible;

impl Drop for Interruptible {
    fn drop(&mut self) {
        ACTIVE.lock().unwrap_or_else(PoisonError::into_inner).pop();
    }
}

/// `os.kill(os.getpid(), signal.SIGINT)` aimed at the loop on `clock`: raises a real
/// SIGINT, and returns once the interruption is queued on that loop, keeping the
/// virtual clock's turn meanwhile so that the trace stays exact.
pub fn send_sigint(clock: &Clock) -> io::Result<()> {
    // One at a time in the process: signal-hook folds the signals that arrive before its
    // thread looks into one, so two sent at once (two tests running Ctrl+C programs)
    // were one interruption, and the other sender waited for ever.
    let _one_at_a_time = SENDING.lock().unwrap_or_else(PoisonError::into_inner);
    let before = DELIVERED.load(Ordering::SeqCst);
    *TARGET.lock().unwrap_or_else(PoisonError::into_inner) = Some(clock.clone());
    signal_hook::low_level::raise(SIGINT)?;
    clock.wait_holding_turn(|| DELIVERED.load(Ordering::SeqCst) > before);
    Ok(())
}
