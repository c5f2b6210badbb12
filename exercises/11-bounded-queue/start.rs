//! Exercise 11: write the bounded queue's `put` and `get`, which wait on futures while
//! the queue is full or empty. Check yourself with `cargo run -- exercises 11 start`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use pycoro::prelude::native::*;

/// `put` waits while the queue holds `maxsize` items, `get` while it holds none.
struct Queue<T> {
    items: RefCell<VecDeque<T>>,
    maxsize: usize,
    /// The futures of the tasks waiting to get: one is set when an item arrives.
    getters: RefCell<VecDeque<Future<()>>>,
    /// The futures of the tasks waiting to put: one is set when an item leaves.
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

    /// While the queue is full, prints `  queue: full, put(ITEM) waits` and waits.
    async fn put(&self, out: &Out, item: T) -> PyResult<()> {
        todo!()
    }

    /// While the queue is empty, prints `  queue: empty, get() waits` and waits.
    async fn get(&self, out: &Out) -> PyResult<T> {
        todo!()
    }
}

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
