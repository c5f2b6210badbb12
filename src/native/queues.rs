//! asyncio's queues (`asyncio/queues.py`): [`Queue`], [`LifoQueue`] and
//! [`PriorityQueue`], for coordinating producer and consumer tasks.
//!
//! Book: chapter "asyncio's toolkit".
//!
//! CPython 3.11's, line for line. A task that must wait (`get` on an empty queue, `put`
//! on a full one) puts a future of the loop in the queue's line of getters or putters and
//! awaits it; `put_nowait` wakes the first getter, `get_nowait` the first putter. A getter
//! woken and then cancelled before it could take its item passes the wake-up on to the
//! next getter (and a putter to the next putter), so no item waits while a task could
//! take it. `task_done` and `join` count the items put and not yet processed.
//!
//! | Python                             | pycoro                                     |
//! |------------------------------------|--------------------------------------------|
//! | `q = asyncio.Queue(maxsize=100)`   | `let q = Queue::new(100);` (0: unbounded)  |
//! | `await q.put(item)`                | `q.put(item).await?`                       |
//! | `item = await q.get()`             | `let item = q.get().await?;`               |
//! | `q.put_nowait(item)`, `q.get_nowait()` | the same, raising `QueueFull`, `QueueEmpty` |
//! | `q.task_done()`, `await q.join()`  | `q.task_done()?`, `q.join().await?`        |
//!
//! A queue is shared by the tasks of one loop: cloning it shares it.
//!
//! ```
//! use pycoro::clock::Clock;
//! use pycoro::native::{Queue, create_task, run_with_clock, sleep};
//!
//! let total = run_with_clock(async {
//!     let q = Queue::new(2);
//!     let producer = q.clone();
//!     create_task(async move {
//!         for i in 1..=5 {
//!             producer.put(i).await?; // waits while two items are in the queue
//!         }
//!         Ok(())
//!     })?;
//!     let mut total = 0;
//!     for _ in 0..5 {
//!         total += q.get().await?;
//!         sleep(1.0).await?;
//!     }
//!     Ok(total)
//! }, Clock::new_virtual())?;
//! assert_eq!(total, 15);
//! # Ok::<(), pycoro::exceptions::Exception>(())
//! ```

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future as StdFuture;
use std::rc::Rc;

use super::locks::Event;
use super::waiters::{LoopBound, Waiters, wait_in_line};
use crate::exceptions::{PyResult, ValueError};
pub use crate::exceptions::{QueueEmpty, QueueFull};
use crate::trace::PyRepr;

/// How a queue keeps its items: the part `Queue`, `LifoQueue` and `PriorityQueue`
/// override in Python (`_init`, `_put`, `_get`).
trait Store<T>: Default {
    fn put(&mut self, item: T);
    fn get(&mut self) -> Option<T>;
    fn len(&self) -> usize;
    /// `list(self._queue)`, in its stored order.
    fn items(&self) -> Vec<&T>;
}

/// First in, first out: a `collections.deque`.
impl<T> Store<T> for VecDeque<T> {
    fn put(&mut self, item: T) {
        self.push_back(item);
    }

    fn get(&mut self) -> Option<T> {
        self.pop_front()
    }

    fn len(&self) -> usize {
        VecDeque::len(self)
    }

    fn items(&self) -> Vec<&T> {
        self.iter().collect()
    }
}

/// Last in, first out: a list.
struct Stack<T>(Vec<T>);

impl<T> Default for Stack<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> Store<T> for Stack<T> {
    fn put(&mut self, item: T) {
        self.0.push(item);
    }

    fn get(&mut self) -> Option<T> {
        self.0.pop()
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn items(&self) -> Vec<&T> {
        self.0.iter().collect()
    }
}

/// Smallest first: a list kept as a heap by Python's `heapq` algorithm, so that items
/// equal in order come out, and print, as they do in Python.
struct Heap<T>(Vec<T>);

impl<T> Default for Heap<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: Ord> Heap<T> {
    /// `heapq._siftdown`: the item at `pos` moves up towards `start` past larger parents.
    fn sift_down(&mut self, start: usize, mut pos: usize) {
        while pos > start {
            let parent = (pos - 1) >> 1;
            if self.0[pos] < self.0[parent] {
                self.0.swap(pos, parent);
                pos = parent;
            } else {
                break;
            }
        }
    }

    /// `heapq._siftup`: the item at `pos` goes down to a leaf by the smaller children,
    /// then back up to its place.
    fn sift_up(&mut self, mut pos: usize) {
        let (end, start) = (self.0.len(), pos);
        let mut child = 2 * pos + 1;
        while child < end {
            let right = child + 1;
            if right < end && self.0[child] >= self.0[right] {
                child = right;
            }
            self.0.swap(pos, child);
            pos = child;
            child = 2 * pos + 1;
        }
        self.sift_down(start, pos);
    }
}

impl<T: Ord> Store<T> for Heap<T> {
    /// `heapq.heappush`.
    fn put(&mut self, item: T) {
        self.0.push(item);
        self.sift_down(0, self.0.len() - 1);
    }

    /// `heapq.heappop`.
    fn get(&mut self) -> Option<T> {
        let last = self.0.pop()?;
        if self.0.is_empty() {
            return Some(last);
        }
        let smallest = std::mem::replace(&mut self.0[0], last);
        self.sift_up(0);
        Some(smallest)
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn items(&self) -> Vec<&T> {
        self.0.iter().collect()
    }
}

/// What the three queues share (Python's `Queue`, whose subclasses change the store).
struct Shared<T, S> {
    maxsize: usize,
    items: RefCell<S>,
    getters: Waiters,
    putters: Waiters,
    unfinished_tasks: Cell<usize>,
    finished: Event,
    event_loop: LoopBound,
    _items: std::marker::PhantomData<T>,
}

impl<T, S: Store<T>> Shared<T, S> {
    fn new(maxsize: usize) -> Rc<Self> {
        let finished = Event::new();
        finished.set();
        Rc::new(Self {
            maxsize,
            items: RefCell::default(),
            getters: Waiters::default(),
            putters: Waiters::default(),
            unfinished_tasks: Cell::new(0),
            finished,
            event_loop: LoopBound::default(),
            _items: std::marker::PhantomData,
        })
    }

    fn qsize(&self) -> usize {
        self.items.borrow().len()
    }

    fn empty(&self) -> bool {
        self.qsize() == 0
    }

    fn full(&self) -> bool {
        self.maxsize > 0 && self.qsize() >= self.maxsize
    }

    /// `_wakeup_next`: wakes the first waiter that is not done (a cancelled one goes).
    fn wakeup_next(waiters: &Waiters) {
        loop {
            let Some(waiter) = waiters.pop_front() else {
                return;
            };
            if !waiter.done() {
                waiter.wake();
                return;
            }
        }
    }

    /// `put`, its future holding the queue (so it is `'static`, as Python's coroutine).
    async fn put(self: Rc<Self>, item: T, what: impl Fn() -> String) -> PyResult<()> {
        while self.full() {
            let putter = self.putters.join(&self.event_loop, &what)?;
            wait_in_line(&self.putters, putter, |putter| {
                // Woken by `get_nowait` but cancelled before it could put: the next
                // putter gets the free slot.
                if !self.full() && putter.done() && !putter.cancelled() {
                    Self::wakeup_next(&self.putters);
                }
            })
            .await?;
        }
        self.put_nowait(item)
    }

    fn put_nowait(&self, item: T) -> PyResult<()> {
        if self.full() {
            return Err(QueueFull::default().into());
        }
        self.items.borrow_mut().put(item);
        self.unfinished_tasks.set(self.unfinished_tasks.get() + 1);
        self.finished.clear();
        Self::wakeup_next(&self.getters);
        Ok(())
    }

    /// `get`, its future holding the queue.
    async fn get(self: Rc<Self>, what: impl Fn() -> String) -> PyResult<T> {
        while self.empty() {
            let getter = self.getters.join(&self.event_loop, &what)?;
            wait_in_line(&self.getters, getter, |getter| {
                // Woken by `put_nowait` but cancelled before it could take the item:
                // the next getter takes it.
                if !self.empty() && getter.done() && !getter.cancelled() {
                    Self::wakeup_next(&self.getters);
                }
            })
            .await?;
        }
        self.get_nowait()
    }

    fn get_nowait(&self) -> PyResult<T> {
        let item = self.items.borrow_mut().get();
        let Some(item) = item else {
            return Err(QueueEmpty::default().into());
        };
        Self::wakeup_next(&self.putters);
        Ok(item)
    }

    fn task_done(&self) -> PyResult<()> {
        let unfinished = self.unfinished_tasks.get();
        if unfinished == 0 {
            return Err(ValueError::new("task_done() called too many times").into());
        }
        self.unfinished_tasks.set(unfinished - 1);
        if unfinished == 1 {
            self.finished.set();
        }
        Ok(())
    }

    /// `join`, its future holding the queue.
    async fn join(self: Rc<Self>) -> PyResult<()> {
        if self.unfinished_tasks.get() > 0 {
            self.finished.wait().await?;
        }
        Ok(())
    }

    /// `_format`: `maxsize=0 _queue=[1, 2] _getters[1] tasks=2`.
    fn format(&self) -> String
    where
        T: PyRepr,
    {
        let mut result = format!("maxsize={}", self.maxsize);
        let items = self.items.borrow();
        if items.len() > 0 {
            result += &format!(" _queue={}", items.items().py_repr());
        }
        let (getters, putters) = (self.getters.borrow().len(), self.putters.borrow().len());
        if getters > 0 {
            result += &format!(" _getters[{getters}]");
        }
        if putters > 0 {
            result += &format!(" _putters[{putters}]");
        }
        if self.unfinished_tasks.get() > 0 {
            result += &format!(" tasks={}", self.unfinished_tasks.get());
        }
        result
    }
}

/// The three queues are one type each, with the same methods (Python's subclasses).
macro_rules! queues {
    ($($(#[$doc:meta])* $name:ident<T $(: $bound:ident)?>($store:ty);)*) => {$(
        $(#[$doc])*
        pub struct $name<T $(: $bound)?>(Rc<Shared<T, $store>>);

        impl<T $(: $bound)?> Clone for $name<T> {
            fn clone(&self) -> Self {
                Self(self.0.clone())
            }
        }

        impl<T $(: $bound)?> $name<T> {
            #[doc = concat!("`asyncio.", stringify!($name), "(maxsize)`: `put` waits while `maxsize` items are in it; 0 is no limit.")]
            pub fn new(maxsize: usize) -> Self {
                Self(Shared::new(maxsize))
            }

            /// `id(q)`: the same number for every handle to the same queue.
            pub fn id(&self) -> usize {
                Rc::as_ptr(&self.0) as usize
            }

            /// `q.maxsize`.
            pub fn maxsize(&self) -> usize {
                self.0.maxsize
            }

            /// `q.qsize()`: how many items are in it.
            pub fn qsize(&self) -> usize {
                self.0.qsize()
            }

            /// `q.empty()`.
            pub fn empty(&self) -> bool {
                self.0.empty()
            }

            /// `q.full()`: `maxsize` items are in it (never, if `maxsize` is 0).
            pub fn full(&self) -> bool {
                self.0.full()
            }

            /// `await q.put(item)`: puts it at once if there is room (no suspension),
            /// else waits for a free slot, in the order the putters came. The future
            /// holds the queue (it is `'static`), so it can be given to `wait_for` or
            /// `create_task` as Python's coroutine is.
            pub fn put(&self, item: T) -> impl StdFuture<Output = PyResult<()>> + 'static
            where
                T: 'static,
            {
                let id = self.id();
                self.0.clone().put(item, move || Self::describe(id))
            }

            /// `q.put_nowait(item)`: `QueueFull` (and the item is dropped) if there is
            /// no room; else it is in, and the first getter waiting is woken.
            pub fn put_nowait(&self, item: T) -> PyResult<()> {
                self.0.put_nowait(item)
            }

            /// `await q.get()`: an item at once if there is one (no suspension), else
            /// waits for one, in the order the getters came. The future holds the queue,
            /// as `put`'s does.
            pub fn get(&self) -> impl StdFuture<Output = PyResult<T>> + 'static
            where
                T: 'static,
            {
                let id = self.id();
                self.0.clone().get(move || Self::describe(id))
            }

            /// `q.get_nowait()`: an item, or `QueueEmpty`; wakes the first putter waiting.
            pub fn get_nowait(&self) -> PyResult<T> {
                self.0.get_nowait()
            }

            /// `q.task_done()`: one item taken out has been processed;
            /// `ValueError: task_done() called too many times` past the items put.
            pub fn task_done(&self) -> PyResult<()> {
                self.0.task_done()
            }

            /// `await q.join()`: waits until every item put has been taken out and
            /// processed (a `task_done` for each). The future holds the queue.
            pub fn join(&self) -> impl StdFuture<Output = PyResult<()>> + 'static
            where
                T: 'static,
            {
                self.0.clone().join()
            }

            /// How many tasks wait to get (`len(q._getters)`).
            pub fn getters(&self) -> usize {
                self.0.getters.borrow().len()
            }

            /// How many tasks wait to put (`len(q._putters)`).
            pub fn putters(&self) -> usize {
                self.0.putters.borrow().len()
            }

            /// Names the queue in the error of a queue used on two loops.
            fn describe(id: usize) -> String {
                format!(concat!("<", stringify!($name), " at {:#x}>"), id)
            }
        }

        impl<T: PyRepr $(+ $bound)?> $name<T> {
            /// `repr(q)`: `str(q)` with the queue's address, as `id(q)` gives it.
            pub fn repr(&self) -> String {
                format!(
                    concat!("<", stringify!($name), " at {:#x} {}>"),
                    self.id(),
                    self.0.format()
                )
            }
        }

        #[doc = concat!("`str(q)`: `<", stringify!($name), " maxsize=0 _queue=[1, 2] tasks=2>`.")]
        impl<T: PyRepr $(+ $bound)?> fmt::Display for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!("<", stringify!($name), " {}>"), self.0.format())
            }
        }
    )*};
}

queues! {
    /// `asyncio.Queue`: first in, first out. Cloning shares it.
    Queue<T>(VecDeque<T>);
    /// `asyncio.LifoQueue`: last in, first out. Cloning shares it.
    ///
    /// ```
    /// let q = pycoro::native::LifoQueue::new(0);
    /// for i in [1, 3, 2] {
    ///     q.put_nowait(i)?;
    /// }
    /// assert_eq!([q.get_nowait()?, q.get_nowait()?, q.get_nowait()?], [2, 3, 1]);
    /// # Ok::<(), pycoro::exceptions::Exception>(())
    /// ```
    LifoQueue<T>(Stack<T>);
    /// `asyncio.PriorityQueue`: smallest first (a `(priority, data)` tuple orders by
    /// priority). Cloning shares it.
    ///
    /// ```
    /// let q = pycoro::native::PriorityQueue::new(0);
    /// for item in [(2, "b"), (1, "a"), (3, "c")] {
    ///     q.put_nowait(item)?;
    /// }
    /// assert_eq!(q.get_nowait()?, (1, "a"));
    /// # Ok::<(), pycoro::exceptions::Exception>(())
    /// ```
    PriorityQueue<T: Ord>(Heap<T>);
}
