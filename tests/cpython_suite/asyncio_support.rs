//! What the carried `test_asyncio` tests share: `IsolatedAsyncioTestCase`'s fresh loop
//! (on the virtual clock), and the few asyncio calls the tests make as statements.
#![allow(dead_code)] // each test module uses part of it

use std::cell::Cell;
use std::rc::Rc;

pub use pycoro::clock::Clock;
pub use pycoro::contextlib::async_with;
pub use pycoro::event_loop::get_running_loop;
pub use pycoro::exceptions::{
    BrokenBarrierError, CancelledError, Exception, PyResult, QueueEmpty, QueueFull, RuntimeError,
    TimeoutError, ValueError,
};
pub use pycoro::native::{
    Barrier, BoundedSemaphore, Condition, Event, LifoQueue, Lock, PriorityQueue, Queue, Semaphore,
    Task, create_task, gather, gather_return_exceptions, run_with_clock, sleep, wait, wait_for,
};

/// `IsolatedAsyncioTestCase`: each test's coroutine runs on a loop of its own (here on
/// the virtual clock: `sleep(0.01)` takes no real time), which is closed afterwards.
pub fn run<T: Clone + 'static>(test: impl Future<Output = PyResult<T>> + 'static) -> PyResult<T> {
    run_with_clock(test, Clock::new_virtual())
}

/// `await asyncio.sleep(0)`: every other ready task takes one step.
pub async fn sleep0() -> PyResult<()> {
    sleep(0.0).await
}

/// `self.assertRaises(E)`: `result` is an `Err` holding an `E`.
#[track_caller]
pub fn assert_raises<E: std::fmt::Display + std::fmt::Debug + Send + Sync + 'static, T>(
    result: PyResult<T>,
) {
    match result {
        Ok(_) => panic!(
            "{} not raised",
            std::any::type_name::<E>()
                .rsplit("::")
                .next()
                .unwrap_or("?")
        ),
        Err(e) => assert!(
            e.is::<E>(),
            "expected {}, got {}",
            std::any::type_name::<E>(),
            pycoro::exceptions::format_exception_only(&e)
        ),
    }
}

/// `loop.call_soon(f)` on the running loop.
pub fn call_soon(f: impl FnOnce() + 'static) -> PyResult<()> {
    get_running_loop()?.call_soon(f).map(drop)
}

/// `loop.call_later(delay, f)` on the running loop.
pub fn call_later(delay: f64, f: impl FnOnce() + 'static) -> PyResult<()> {
    get_running_loop()?.call_later(delay, f).map(drop)
}

/// A Python variable that closures share (`nonlocal x`).
#[derive(Clone, Default)]
pub struct Shared<T: Copy>(Rc<Cell<T>>);

impl<T: Copy> Shared<T> {
    pub fn new(value: T) -> Self {
        Self(Rc::new(Cell::new(value)))
    }

    pub fn get(&self) -> T {
        self.0.get()
    }

    pub fn set(&self, value: T) {
        self.0.set(value)
    }
}

impl Shared<usize> {
    /// `x += 1`, giving the new value.
    pub fn incr(&self) -> usize {
        self.0.set(self.0.get() + 1);
        self.0.get()
    }
}

/// A list the tasks of a test append to (`result = []`).
#[derive(Clone)]
pub struct List<T>(Rc<std::cell::RefCell<Vec<T>>>);

impl<T> Default for List<T> {
    fn default() -> Self {
        Self(Rc::default())
    }
}

impl<T: Clone> List<T> {
    pub fn push(&self, item: T) {
        self.0.borrow_mut().push(item);
    }

    pub fn get(&self) -> Vec<T> {
        self.0.borrow().clone()
    }

    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }
}

/// `[asyncio.create_task(coro()) for _ in range(n)]`.
pub fn make_tasks<T: Clone + 'static, F: Future<Output = PyResult<T>> + 'static>(
    n: usize,
    mut coro: impl FnMut() -> F,
) -> PyResult<Vec<Task<T>>> {
    (0..n).map(|_| create_task(coro())).collect()
}
