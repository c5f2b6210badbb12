//! Generation 3 against tokio's current-thread runtime, in the same run: spawning and
//! completing 1,000,000 trivial tasks, 100,000 concurrent timers (both on virtual time:
//! pycoro's virtual clock, tokio's paused clock), a ping-pong of 1,000,000 messages
//! between two tasks over the same `futures` channels, and a task waking itself 1,000,000
//! times (the scheduler's part of the ping-pong). It also prints the memory each
//! suspended task takes, counted by a global allocator.
//!
//! `cargo bench --bench native`, then `python3 scripts/bench_ratios.py`.

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

use criterion::{Criterion, Throughput, criterion_group};
use futures::{SinkExt, StreamExt};
use pycoro::clock::Clock;
use pycoro::event_loop::EventLoop;
use pycoro::exceptions::PyResult;
use pycoro::native::{create_task, run_with_clock, sleep};

/// Counts allocations, to measure memory per suspended task (`stats_alloc` wraps the
/// system allocator; no `unsafe` here).
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn in_use() -> isize {
    let stats = GLOBAL.stats();
    stats.bytes_allocated as isize - stats.bytes_deallocated as isize
}

const TASKS: u64 = 1_000_000;
const TIMERS: u64 = 100_000;
const MESSAGES: u64 = 1_000_000;

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a tokio runtime")
}

fn spawn_and_complete(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn_1m_tasks");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(TASKS));
    group.bench_function("tokio", |b| {
        b.iter(|| {
            tokio_runtime().block_on(async {
                let handles: Vec<_> = (0..TASKS).map(|i| tokio::spawn(async move { i })).collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await.unwrap();
                }
                sum
            })
        })
    });
    group.bench_function("pycoro", |b| {
        b.iter(|| {
            run_with_clock(
                async {
                    let tasks = (0..TASKS)
                        .map(|i| create_task(async move { Ok(i) }))
                        .collect::<PyResult<Vec<_>>>()?;
                    let mut sum = 0;
                    for task in tasks {
                        sum += task.await?;
                    }
                    Ok(sum)
                },
                Clock::new_virtual(),
            )
            .unwrap()
        })
    });
    group.finish();
}

fn timers(c: &mut Criterion) {
    let mut group = c.benchmark_group("timers_100k");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(TIMERS));
    let delay = |i: u64| (i % 1000) as f64 / 1000.0;
    group.bench_function("tokio", |b| {
        b.iter(|| {
            tokio_runtime().block_on(async {
                let handles: Vec<_> = (0..TIMERS)
                    .map(|i| {
                        tokio::spawn(async move {
                            tokio::time::sleep(std::time::Duration::from_secs_f64(delay(i))).await
                        })
                    })
                    .collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            })
        })
    });
    group.bench_function("pycoro", |b| {
        b.iter(|| {
            run_with_clock(
                async move {
                    let tasks = (0..TIMERS)
                        .map(|i| create_task(sleep(delay(i))))
                        .collect::<PyResult<Vec<_>>>()?;
                    for task in tasks {
                        task.await?;
                    }
                    Ok(())
                },
                Clock::new_virtual(),
            )
            .unwrap()
        })
    });
    group.finish();
}

/// One player of the ping-pong: it returns a `PyResult`, as a pycoro task's coroutine
/// must, and both runtimes spawn this same function twice. (Two different coroutine
/// types, one per player, cost either runtime about 15%: each message then switches the
/// indirect call that polls a task between two targets.)
async fn play<S, R>(mut to_other: S, mut from_other: R, serve: bool) -> PyResult<u64>
where
    S: futures::Sink<u64> + Unpin,
    R: futures::Stream<Item = u64> + Unpin,
{
    let mut count = 0;
    if serve {
        let _ = to_other.send(0).await;
    }
    while let Some(n) = from_other.next().await {
        count += 1;
        if n >= MESSAGES {
            break;
        }
        if to_other.send(n + 1).await.is_err() {
            break;
        }
    }
    Ok(count)
}

fn ping_pong(c: &mut Criterion) {
    let mut group = c.benchmark_group("ping_pong_1m");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(MESSAGES));
    group.bench_function("tokio", |b| {
        b.iter(|| {
            tokio_runtime().block_on(async {
                let (ping_tx, ping_rx) = futures::channel::mpsc::channel(1);
                let (pong_tx, pong_rx) = futures::channel::mpsc::channel(1);
                let a = tokio::spawn(play(ping_tx, pong_rx, true));
                let b = tokio::spawn(play(pong_tx, ping_rx, false));
                a.await.unwrap().unwrap() + b.await.unwrap().unwrap()
            })
        })
    });
    group.bench_function("pycoro", |b| {
        b.iter(|| {
            run_with_clock(
                async {
                    let (ping_tx, ping_rx) = futures::channel::mpsc::channel(1);
                    let (pong_tx, pong_rx) = futures::channel::mpsc::channel(1);
                    let a = create_task(play(ping_tx, pong_rx, true))?;
                    let b = create_task(play(pong_tx, ping_rx, false))?;
                    Ok(a.await? + b.await?)
                },
                Clock::new_virtual(),
            )
            .unwrap()
        })
    });
    group.finish();
}

/// A task that wakes itself and yields, 1,000,000 times: one wake-up and one step each,
/// the scheduler's own cost with no channel around it (the ping-pong's share of it).
fn wake_and_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("self_wake_1m");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(MESSAGES));
    fn yielder(times: u64) -> impl Future<Output = u64> {
        let mut left = times;
        std::future::poll_fn(move |cx| {
            if left == 0 {
                return std::task::Poll::Ready(times);
            }
            left -= 1;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        })
    }
    group.bench_function("tokio", |b| {
        b.iter(|| {
            tokio_runtime().block_on(async { tokio::spawn(yielder(MESSAGES)).await.unwrap() })
        })
    });
    group.bench_function("pycoro", |b| {
        b.iter(|| {
            run_with_clock(
                async { create_task(async { Ok(yielder(MESSAGES).await) })?.await },
                Clock::new_virtual(),
            )
            .unwrap()
        })
    });
    group.finish();
}

/// Bytes in use per task suspended in a one-second sleep, for each runtime.
fn memory_per_suspended_task() {
    const N: usize = 100_000;
    let rt = tokio_runtime();
    let tokio_bytes = rt.block_on(async {
        let baseline = in_use();
        let handles: Vec<_> = (0..N)
            .map(|_| tokio::spawn(tokio::time::sleep(std::time::Duration::from_secs(1))))
            .collect();
        tokio::task::yield_now().await; // let every task start and suspend
        let used = in_use() - baseline;
        for handle in handles {
            handle.abort();
        }
        used
    });
    drop(rt);
    let event_loop = EventLoop::new(Clock::new_virtual());
    let pycoro_bytes = event_loop
        .run_until_complete(
            event_loop
                .create_native_task(async {
                    let baseline = in_use();
                    // Exactly N handles, as tokio's `collect` from a range makes (collecting
                    // `PyResult`s cannot know the length, and would count Vec's slack).
                    let mut tasks = Vec::with_capacity(N);
                    for _ in 0..N {
                        tasks.push(create_task(sleep(1.0))?);
                    }
                    sleep(0.0).await?; // let every task start and suspend
                    let used = in_use() - baseline;
                    for task in &tasks {
                        task.cancel();
                    }
                    Ok(used)
                })
                .unwrap(),
        )
        .unwrap();
    println!(
        "memory per suspended task: tokio {} bytes, pycoro {} bytes ({:.2}x)",
        tokio_bytes / N as isize,
        pycoro_bytes / N as isize,
        pycoro_bytes as f64 / tokio_bytes as f64
    );
}

criterion_group!(
    benches,
    spawn_and_complete,
    timers,
    ping_pong,
    wake_and_step
);

fn main() {
    memory_per_suspended_task();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
