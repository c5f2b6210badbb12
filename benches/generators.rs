//! Generation 1: the cost of one `send` round trip (producer sends an integer, the
//! consumer yields one back), beside a plain function call doing the same arithmetic.
//!
//! `cargo bench --bench generators`, then `python3 scripts/bench_ratios.py` for the ratio.
#![feature(coroutines, coroutine_trait)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pycoro::generators::{Generator, Step};
use pycoro::yield_;

/// The consumer's work, as a subroutine: the floor a coroutine switch is measured against.
#[inline(never)]
fn consume(n: u64) -> u64 {
    n.wrapping_mul(3).wrapping_add(1)
}

/// The same work as a generator: `r = yield r` with `r = n * 3 + 1`.
fn consumer() -> Generator<'static, u64, u64> {
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

fn send_round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("send_round_trip");
    group.bench_function("function_call", |b| {
        let mut n = 0u64;
        b.iter(|| {
            n = consume(black_box(n));
            n
        })
    });
    group.bench_function("generator_send", |b| {
        let g = consumer();
        g.next().unwrap();
        let mut n = 0u64;
        b.iter(|| {
            n = match g.send(black_box(n)) {
                Ok(Step::Yielded(r)) => r,
                _ => unreachable!("the consumer never stops"),
            };
            n
        })
    });
    group.bench_function("raw_coroutine_resume", |b| {
        use std::ops::{Coroutine, CoroutineState};
        use std::pin::Pin;
        let mut co: Pin<Box<dyn Coroutine<Option<u64>, Yield = u64, Return = ()>>> = Box::pin(
            #[coroutine]
            |_: Option<u64>| {
                let mut r = 0;
                loop {
                    let n: Option<u64> = yield r;
                    r = n.unwrap_or(0).wrapping_mul(3).wrapping_add(1);
                }
            },
        );
        co.as_mut().resume(None);
        let mut n = 0u64;
        b.iter(|| {
            n = match co.as_mut().resume(black_box(Some(n))) {
                CoroutineState::Yielded(r) => r,
                CoroutineState::Complete(()) => unreachable!(),
            };
            n
        })
    });
    group.finish();
}

criterion_group!(benches, send_round_trip);
criterion_main!(benches);
