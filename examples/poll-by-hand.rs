//! An `async fn` polled by hand: no executor, only `poll` with a waker that does nothing.
//!
//! `python/toy/await-by-hand.py` drives a native coroutine with `send(None)`; this is the
//! same program in Rust. What differs is what comes up when the coroutine cannot go on:
//! in Python the future itself, out of `send`; in Rust only `Poll::Pending`, while the
//! future stays down there, holding the waker it was given. Then the same coroutine
//! written as rustc lowers it: a `#[coroutine]` resumed with the poll's waker, whose
//! every `.await` is a loop that polls and yields on `Pending`. Both print the same
//! trace (`tests/by_hand.rs` checks it).
//!
//!     cargo run --example poll-by-hand
#![feature(coroutines, coroutine_trait)]

use std::cell::RefCell;
use std::future::Future;
use std::ops::{Coroutine, CoroutineState};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use pycoro::{pyprint, trace::Out};

// ANCHOR: handmade
/// A future completed by hand: the Python file's `Future`, with a waker where Python
/// has nothing (Python's future comes up to the driver itself).
#[derive(Clone)]
struct Handmade(Rc<RefCell<Slot>>);

struct Slot {
    name: &'static str,
    result: Option<i32>,
    waker: Option<Waker>,
}

impl Handmade {
    fn new(name: &'static str) -> Self {
        Handmade(Rc::new(RefCell::new(Slot {
            name,
            result: None,
            waker: None,
        })))
    }

    fn name(&self) -> &'static str {
        self.0.borrow().name
    }

    fn set_result(&self, out: &Out, value: i32) {
        let mut slot = self.0.borrow_mut();
        pyprint!(
            out,
            "{}: set_result({value}), and wake the waker it keeps",
            slot.name
        );
        slot.result = Some(value);
        if let Some(waker) = slot.waker.take() {
            waker.wake(); // whoever polls us: poll again
        }
    }
}

impl Future for Handmade {
    type Output = i32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<i32> {
        let mut slot = self.0.borrow_mut();
        match slot.result {
            Some(value) => Poll::Ready(value),
            None => {
                // Keep the waker: it is how `set_result` will reach whoever polls us.
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
// ANCHOR_END: handmade

// ANCHOR: coroutines
async fn leaf(out: Out, future: Handmade) -> i32 {
    pyprint!(out, "leaf: await {}", future.name());
    let value = future.await;
    pyprint!(out, "leaf: got {value}");
    value * 2
}

async fn middle(out: Out, future: Handmade) -> i32 {
    pyprint!(out, "middle: await leaf");
    let value = leaf(out.clone(), future).await;
    pyprint!(out, "middle: leaf returned {value}");
    value + 1
}
// ANCHOR_END: coroutines

// ANCHOR: drive
/// Polls `coro` by hand, as the Python driver sends: once, then after `f` is done.
fn drive(out: &Out, f: &Handmade, coro: impl Future<Output = i32>) {
    let mut coro = pin!(coro); // polled in place from now on: it must never move
    let mut cx = Context::from_waker(Waker::noop()); // nobody to wake: we poll again anyway
    pyprint!(out, "driver: poll");
    if coro.as_mut().poll(&mut cx).is_pending() {
        pyprint!(out, "driver: poll returned Pending");
    }
    f.set_result(out, 20);
    pyprint!(out, "driver: poll again");
    if let Poll::Ready(value) = coro.as_mut().poll(&mut cx) {
        pyprint!(out, "driver: Ready({value})");
    }
}

/// The `async fn`s, driven by hand.
pub fn run(out: &Out) {
    let f = Handmade::new("f");
    drive(out, &f, middle(out.clone(), f.clone()));
}
// ANCHOR_END: drive

// ANCHOR: lowered
/// An `async` body as rustc lowers it: a coroutine, resumed with the waker of each
/// poll. `Yielded(())` is `Pending`, `Complete(v)` is `Ready(v)`.
struct Lowered<C>(Pin<Box<C>>);

impl<T, C: Coroutine<Waker, Yield = (), Return = T>> Future for Lowered<C> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.get_mut().0.as_mut().resume(cx.waker().clone()) {
            CoroutineState::Yielded(()) => Poll::Pending,
            CoroutineState::Complete(value) => Poll::Ready(value),
        }
    }
}

/// `future.await` written out: poll; on `Pending`, yield, and be resumed with the next
/// poll's waker; on `Ready(v)`, `v` is the value of the `.await`.
macro_rules! await_ {
    ($waker:ident, $future:expr) => {{
        let mut future = pin!($future);
        loop {
            match future.as_mut().poll(&mut Context::from_waker(&$waker)) {
                Poll::Ready(value) => break value,
                Poll::Pending => $waker = yield,
            }
        }
    }};
}

fn leaf_lowered(out: Out, future: Handmade) -> impl Future<Output = i32> {
    Lowered(Box::pin(
        #[coroutine]
        static move |mut waker: Waker| {
            pyprint!(out, "leaf: await {}", future.name());
            let value = await_!(waker, future);
            pyprint!(out, "leaf: got {value}");
            value * 2
        },
    ))
}

fn middle_lowered(out: Out, future: Handmade) -> impl Future<Output = i32> {
    Lowered(Box::pin(
        #[coroutine]
        static move |mut waker: Waker| {
            pyprint!(out, "middle: await leaf");
            let value = await_!(waker, leaf_lowered(out.clone(), future));
            pyprint!(out, "middle: leaf returned {value}");
            value + 1
        },
    ))
}

/// The lowered coroutines, driven by the same hand.
pub fn run_lowered(out: &Out) {
    let f = Handmade::new("f");
    drive(out, &f, middle_lowered(out.clone(), f.clone()));
}
// ANCHOR_END: lowered

fn main() {
    let out = Out::stdout();
    run(&out);
    pyprint!(out, "--- the same, lowered by hand");
    run_lowered(&out);
}
