//! Async generators (PEP 525) against the `async-stream` crate on tokio's current-thread
//! runtime, in the same run: 1,000,000 items of a generator iterated by `async for`
//! (`while let Some(x) = stream.next().await`), summed. The baseline is `try_stream!`,
//! a stream whose body may fail, as a Python async generator's may raise: both give
//! `Result<u64, Exception>` items. Both are streams of their body's own type (`impl
//! Stream` for `try_stream!`, `AsyncGenerator::typed` for pycoro); `pycoro_named` is
//! pycoro's generator under its name, `AsyncGenerator<u64>`, its body boxed.
//!
//! `cargo bench --bench async_generators`, then `python3 scripts/bench_ratios.py`.

use criterion::{Criterion, Throughput, criterion_group};
use futures::{Stream, StreamExt};
use pycoro::clock::Clock;
use pycoro::exceptions::PyResult;
use pycoro::native::{AsyncGenBody, AsyncGenerator, run_with_clock};

const ITEMS: u64 = 1_000_000;

// ANCHOR: counter
// async def counter(n):
//     for i in range(n):
//         yield i
fn counter(n: u64) -> AsyncGenerator<u64, (), impl AsyncGenBody> {
    AsyncGenerator::typed(async move |co| {
        for i in 0..n {
            co.yield_(i).await?;
        }
        Ok(())
    })
}
// ANCHOR_END: counter

// The same generator under a name of its own: its body boxed.
fn named_counter(n: u64) -> AsyncGenerator<u64> {
    AsyncGenerator::new(async move |co| {
        for i in 0..n {
            co.yield_(i).await?;
        }
        Ok(())
    })
}

/// `sum([i async for i in items])`, on pycoro's loop.
fn sum_on_pycoro(mut items: impl Stream<Item = PyResult<u64>> + Unpin + 'static) -> u64 {
    run_with_clock(
        async move {
            let mut sum = 0;
            while let Some(i) = items.next().await {
                sum += std::hint::black_box(i?);
            }
            Ok(sum)
        },
        Clock::new_virtual(),
    )
    .unwrap()
}

/// `sum([i async for i in items])` with async-stream's `try_stream!` on tokio.
fn sum_on_tokio(n: u64) -> u64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let items = async_stream::try_stream! {
            for i in 0..n {
                yield i;
            }
        };
        let mut items = std::pin::pin!(items);
        let mut sum = 0;
        while let Some(i) = items.next().await {
            let i: PyResult<u64> = i;
            sum += std::hint::black_box(i.unwrap());
        }
        sum
    })
}

fn iterate_1m_items(c: &mut Criterion) {
    let mut group = c.benchmark_group("async_generator_1m_items");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(ITEMS));
    group.bench_function("tokio", |b| b.iter(|| sum_on_tokio(ITEMS)));
    group.bench_function("pycoro", |b| b.iter(|| sum_on_pycoro(counter(ITEMS))));
    group.bench_function("pycoro_named", |b| {
        b.iter(|| sum_on_pycoro(named_counter(ITEMS)))
    });
    group.finish();
}

criterion_group!(benches, iterate_1m_items);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
