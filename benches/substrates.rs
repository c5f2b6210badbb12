//! Three ways to suspend a function, in one criterion group (`substrates`), same run:
//!
//! - `function_call`: the consumer's work as a plain call, the floor;
//! - `send_*`: one `send` round trip to the producer/consumer's consumer, per substrate;
//! - `create_resume_drop_*`: build a generator, run it to its first `yield`, drop it;
//! - `chain_of_3_*`: a `send` through three generators delegating with `yield from`;
//! - `thread_ping_pong`: the same round trip between two OS threads over std channels,
//!   what the documents compare coroutines with.
//!
//! `cargo bench --bench substrates`, then `python3 scripts/substrates_chart.py` for the
//! ratios, CPython's figure beside them, and the book's table and chart.
#![feature(coroutines)]

use std::hint::black_box;
use std::sync::mpsc;

use criterion::{Criterion, criterion_group, criterion_main};
use pycoro::exceptions::PyResult;
use pycoro::generators::{Generator, Step};
use pycoro::substrates::{GeneratorProtocol, corosensei, genawaiter};
use pycoro::{yield_, yield_from};

/// The consumer's work, as a subroutine.
#[inline(never)]
fn consume(n: u64) -> u64 {
    n.wrapping_mul(3).wrapping_add(1)
}

fn on_nightly() -> Generator<'static, u64, u64> {
    Generator::new(
        #[coroutine]
        |_| {
            let mut r = 0;
            loop {
                let n: Option<u64> = yield_!(r)?;
                r = n.unwrap_or(0).wrapping_mul(3).wrapping_add(1);
            }
        },
    )
}

fn on_genawaiter() -> genawaiter::Generator<'static, u64, u64> {
    genawaiter::Generator::new(|co| async move {
        let mut r = 0;
        loop {
            let n: Option<u64> = co.yield_(r).await?;
            r = n.unwrap_or(0).wrapping_mul(3).wrapping_add(1);
        }
    })
}

fn on_corosensei() -> corosensei::Generator<u64, u64> {
    corosensei::Generator::new(|co, _| {
        let mut r = 0;
        loop {
            let n: Option<u64> = co.suspend(r)?;
            r = n.unwrap_or(0).wrapping_mul(3).wrapping_add(1);
        }
    })
}

fn chain_nightly() -> Generator<'static, u64, u64> {
    let middle = || -> Generator<'static, u64, u64> {
        Generator::new(
            #[coroutine]
            |_| yield_from!(on_nightly()),
        )
    };
    Generator::new(
        #[coroutine]
        move |_| yield_from!(middle()),
    )
}

fn chain_genawaiter() -> genawaiter::Generator<'static, u64, u64> {
    let middle = || -> genawaiter::Generator<'static, u64, u64> {
        genawaiter::Generator::new(|co| async move {
            genawaiter::yield_from(&co, on_genawaiter()).await
        })
    };
    genawaiter::Generator::new(move |co| async move { genawaiter::yield_from(&co, middle()).await })
}

fn chain_corosensei() -> corosensei::Generator<u64, u64> {
    let middle = || -> corosensei::Generator<u64, u64> {
        corosensei::Generator::new(|co, _| corosensei::yield_from(co, on_corosensei()))
    };
    corosensei::Generator::new(move |co, _| corosensei::yield_from(co, middle()))
}

/// One `send` round trip, `b.iter` times, on a primed generator.
fn bench_send<G: GeneratorProtocol<Yield = u64, Send = u64>>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    g: G,
) {
    g.next().unwrap();
    group.bench_function(name, |b| {
        let mut n = 0u64;
        b.iter(|| {
            n = match g.send(black_box(n)) {
                Ok(Step::Yielded(r)) => r,
                _ => unreachable!("the consumer never stops"),
            };
            n
        })
    });
}

fn create_resume_drop<G: GeneratorProtocol<Yield = u64, Send = u64>>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    make: fn() -> G,
) {
    group.bench_function(name, |b| {
        b.iter(|| {
            let g = make();
            let first: PyResult<_> = g.next();
            black_box(first.is_ok());
        })
    });
}

fn thread_ping_pong(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let (to_consumer, inbox) = mpsc::channel::<u64>();
    let (to_producer, replies) = mpsc::channel::<u64>();
    let consumer = std::thread::spawn(move || {
        for n in inbox {
            if to_producer.send(consume(n)).is_err() {
                break;
            }
        }
    });
    group.bench_function("thread_ping_pong", |b| {
        let mut n = 0u64;
        b.iter(|| {
            to_consumer.send(black_box(n)).unwrap();
            n = replies.recv().unwrap();
            n
        })
    });
    drop(to_consumer);
    consumer.join().unwrap();
}

fn substrates(c: &mut Criterion) {
    let mut group = c.benchmark_group("substrates");
    group.bench_function("function_call", |b| {
        let mut n = 0u64;
        b.iter(|| {
            n = consume(black_box(n));
            n
        })
    });
    bench_send(&mut group, "send_nightly", on_nightly());
    bench_send(&mut group, "send_genawaiter", on_genawaiter());
    bench_send(&mut group, "send_corosensei", on_corosensei());
    create_resume_drop(&mut group, "create_resume_drop_nightly", on_nightly);
    create_resume_drop(&mut group, "create_resume_drop_genawaiter", on_genawaiter);
    create_resume_drop(&mut group, "create_resume_drop_corosensei", on_corosensei);
    bench_send(&mut group, "chain_of_3_nightly", chain_nightly());
    bench_send(&mut group, "chain_of_3_genawaiter", chain_genawaiter());
    bench_send(&mut group, "chain_of_3_corosensei", chain_corosensei());
    thread_ping_pong(&mut group);
    group.finish();
}

criterion_group!(benches, substrates);
criterion_main!(benches);
