//! Exercise 11, a solution: a bounded queue built from futures.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use pycoro::prelude::native::*;

// ANCHOR: queue
/// `put` waits while the queue holds `maxsize` items, `get` while it holds none.
struct Queue<T> {
    items: RefCell<VecDeque<T>>,
    maxsize: usize,
    getters: RefCell<VecDeque<Future<()>>>,
    putters: RefCell<VecDeque<Future<()>>>,
}

impl<T: std::fmt::Display> Queue<T> {
    fn new(maxsize: usize) -> Self {
        Queue {
            items: RefCell::default(),
            maxsize,
            getters: RefCell::default(),
            putters: RefCell::default(),
        }
    }

    async fn put(&self, out: &Out, item: T) -> PyResult<()> {
        while self.items.borrow().len() >= self.maxsize {
            pyprint!(out, "  queue: full, put({item}) waits");
            let waiter = get_running_loop()?.create_future();
            self.putters.borrow_mut().push_back(waiter.clone());
            waiter.await?;
        }
        self.items.borrow_mut().push_back(item);
        wake_one(&self.getters)
    }

    async fn get(&self, out: &Out) -> PyResult<T> {
        loop {
            if let Some(item) = self.items.borrow_mut().pop_front() {
                wake_one(&self.putters)?;
                return Ok(item);
            }
            pyprint!(out, "  queue: empty, get() waits");
            let waiter = get_running_loop()?.create_future();
            self.getters.borrow_mut().push_back(waiter.clone());
            waiter.await?;
        }
    }
}

/// Lets the first waiting task go on (on the loop's next pass).
fn wake_one(waiters: &RefCell<VecDeque<Future<()>>>) -> PyResult<()> {
    match waiters.borrow_mut().pop_front() {
        Some(waiter) => waiter.set_result(()),
        None => Ok(()),
    }
}
// ANCHOR_END: queue

/// An item, or the end: Python's `None`.
struct Item(Option<u32>);

impl std::fmt::Display for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(i) => write!(f, "{i}"),
            None => f.write_str("None"),
        }
    }
}

async fn producer(out: Out, queue: Rc<Queue<Item>>, n: u32) -> PyResult<()> {
    for i in 0..n {
        pyprint!(out, "producer: put {i}");
        queue.put(&out, Item(Some(i))).await?;
    }
    pyprint!(out, "producer: put None, the end");
    queue.put(&out, Item(None)).await
}

async fn consumer(out: Out, queue: Rc<Queue<Item>>) -> PyResult<()> {
    while let Item(Some(item)) = queue.get(&out).await? {
        pyprint!(out, "consumer: got {item}");
    }
    pyprint!(out, "consumer: done");
    Ok(())
}

async fn main_(out: Out) -> PyResult<()> {
    let queue = Rc::new(Queue::new(2));
    let tasks = vec![
        create_task(consumer(out.clone(), queue.clone()))?,
        create_task(producer(out.clone(), queue, 5))?,
    ];
    gather(tasks).await?;
    Ok(())
}

/// `asyncio.run(main())`.
pub fn run(out: &Out, clock: &Clock) -> PyResult<()> {
    run_with_clock(main_(out.clone()), clock.clone())
}
