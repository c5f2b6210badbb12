//! asyncio's toolkit against tokio's `sync` module, on the current-thread runtime, in the
//! same run: 1,000,000 items through a bounded queue (maxsize 100) between two tasks,
//! against `tokio::sync::mpsc::channel(100)`; 100 tasks taking a `Lock` 10,000 times
//! each, against `tokio::sync::Mutex`; and the same with a `Semaphore(10)`, against
//! tokio's. A task holds the lock (or its unit) across one yield (`sleep(0)`,
//! `tokio::task::yield_now()`), so the others really wait for it: each acquisition but
//! the first of a round is handed over by the task releasing it, in the order the
//! tasks asked.
//!
//! `cargo bench --bench toolkit`, then `python3 scripts/bench_ratios.py`.

use criterion::{Criterion, Throughput, criterion_group};
use pycoro::clock::Clock;
use pycoro::exceptions::PyResult;
use pycoro::native::{Lock, Queue, Semaphore, create_task, gather, run_with_clock, sleep};

const ITEMS: u64 = 1_000_000;
const TASKS: u64 = 100;
const ROUNDS: u64 = 10_000;

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
}

fn queue(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue_1m_items");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(ITEMS));
    group.bench_function("tokio", |b| {
        b.iter(|| {
            tokio_runtime().block_on(async {
                let (tx, mut rx) = tokio::sync::mpsc::channel(100);
                let producer = tokio::spawn(async move {
                    for i in 0..ITEMS {
                        tx.send(i).await.unwrap();
                    }
                });
                let consumer = tokio::spawn(async move {
                    let mut sum = 0;
                    for _ in 0..ITEMS {
                        sum += rx.recv().await.unwrap();
                    }
                    sum
                });
                producer.await.unwrap();
                consumer.await.unwrap()
            })
        })
    });
    group.bench_function("pycoro", |b| {
        b.iter(|| {
            run_with_clock(
                async {
                    let q = Queue::new(100);
                    let producer = {
                        let q = q.clone();
                        create_task(async move {
                            for i in 0..ITEMS {
                                q.put(i).await?;
                            }
                            Ok(0)
                        })?
                    };
                    let consumer = create_task(async move {
                        let mut sum = 0;
                        for _ in 0..ITEMS {
                            sum += q.get().await?;
                        }
                        Ok(sum)
                    })?;
                    producer.await?;
                    consumer.await
                },
                Clock::new_virtual(),
            )
            .unwrap()
        })
    });
    group.finish();
}

/// `TASKS` tasks on the current runtime, each running `body` `ROUNDS` times, awaited.
async fn tokio_tasks<F: Future<Output = ()> + Send + 'static>(
    body: impl Fn() -> F + Clone + Send + 'static,
) {
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let body = body.clone();
            tokio::spawn(async move {
                for _ in 0..ROUNDS {
                    body().await;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
}

/// The same on pycoro: `TASKS` tasks, each running `body` `ROUNDS` times, gathered.
async fn pycoro_tasks<F: Future<Output = PyResult<()>> + 'static>(
    body: impl Fn() -> F + Clone + 'static,
) -> PyResult<()> {
    let tasks = (0..TASKS)
        .map(|_| {
            let body = body.clone();
            create_task(async move {
                for _ in 0..ROUNDS {
                    body().await?;
                }
                Ok(())
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    gather(tasks).await.map(drop)
}

fn lock(c: &mut Criterion) {
    let mut group = c.benchmark_group("lock_100_tasks_10k");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(TASKS * ROUNDS));
    group.bench_function("tokio", |b| {
        b.iter(|| {
            tokio_runtime().block_on(async {
                let mutex = std::sync::Arc::new(tokio::sync::Mutex::new(0u64));
                tokio_tasks(move || {
                    let mutex = mutex.clone();
                    async move {
                        let mut guard = mutex.lock().await;
                        tokio::task::yield_now().await;
                        *guard += 1;
                    }
                })
                .await
            })
        })
    });
    group.bench_function("pycoro", |b| {
        b.iter(|| {
            run_with_clock(
                async {
                    let lock = Lock::new();
                    pycoro_tasks(move || {
                        let lock = lock.clone();
                        async move {
                            let _guard = lock.acquire().await?;
                            sleep(0.0).await
                        }
                    })
                    .await
                },
                Clock::new_virtual(),
            )
            .unwrap()
        })
    });
    group.finish();
}

fn semaphore(c: &mut Criterion) {
    let mut group = c.benchmark_group("semaphore_100_tasks_10k");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(TASKS * ROUNDS));
    group.bench_function("tokio", |b| {
        b.iter(|| {
            tokio_runtime().block_on(async {
                let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(10));
                tokio_tasks(move || {
                    let sem = sem.clone();
                    async move {
                        let _permit = sem.acquire().await.unwrap();
                        tokio::task::yield_now().await;
                    }
                })
                .await
            })
        })
    });
    group.bench_function("pycoro", |b| {
        b.iter(|| {
            run_with_clock(
                async {
                    let sem = Semaphore::new(10);
                    pycoro_tasks(move || {
                        let sem = sem.clone();
                        async move {
                            let _permit = sem.acquire().await?;
                            sleep(0.0).await
                        }
                    })
                    .await
                },
                Clock::new_virtual(),
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, queue, lock, semaphore);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
