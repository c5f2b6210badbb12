//! Generation 2: what delegation costs per level (and what it costs bare coroutines, the
//! floor), and what one task step costs the loop.
//!
//! `cargo bench --bench yield_from`, then `python3 scripts/bench_ratios.py`.
#![feature(coroutines, coroutine_trait)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pycoro::clock::Clock;
use pycoro::event_loop::{EventLoop, get_running_loop};
use pycoro::generators::{Generator, Step};
use pycoro::yield_from::{Coroutine, coroutine, sleep};
use pycoro::{yield_, yield_from};

/// The consumer: `r = yield r` with `r = n * 3 + 1`.
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

/// `def delegator(sub): return (yield from sub)`.
fn delegator(sub: Generator<'static, u64, u64>) -> Generator<'static, u64, u64> {
    Generator::new(
        #[coroutine]
        move |_| yield_from!(sub),
    )
}

fn send_loop(b: &mut criterion::Bencher<'_>, g: Generator<'static, u64, u64>) {
    g.next().unwrap();
    let mut n = 0u64;
    b.iter(|| {
        n = match g.send(black_box(n)) {
            Ok(Step::Yielded(r)) => r,
            _ => unreachable!("the consumer never stops"),
        };
        n
    })
}

fn delegation(c: &mut Criterion) {
    let mut group = c.benchmark_group("delegation");
    group.bench_function("direct_send", |b| send_loop(b, consumer()));
    // "A 3-level chain": outer -> middle -> inner, three generators.
    group.bench_function("chain_of_3_generators", |b| {
        send_loop(b, delegator(delegator(consumer())))
    });
    // Three delegating levels above the consumer: four generators.
    group.bench_function("chain_of_4_generators", |b| {
        send_loop(b, delegator(delegator(delegator(consumer()))))
    });
    group.finish();
}

// ANCHOR: bare
/// The floor: the same chains of bare `std::ops::Coroutine`s, boxed as `Generator` boxes
/// its body, with no Python rules at all. Whatever pycoro does, each level of a chain
/// costs at least one resume of a boxed coroutine.
mod bare {
    use std::ops::{Coroutine, CoroutineState};
    use std::pin::Pin;

    pub type Boxed = Pin<Box<dyn Coroutine<u64, Yield = u64, Return = ()>>>;

    pub fn consumer() -> Boxed {
        Box::pin(
            #[coroutine]
            |_: u64| {
                let mut r = 0u64;
                loop {
                    let n: u64 = yield r;
                    r = n.wrapping_mul(3).wrapping_add(1);
                }
            },
        )
    }

    pub fn delegator(mut sub: Boxed) -> Boxed {
        Box::pin(
            #[coroutine]
            move |mut n| {
                while let CoroutineState::Yielded(r) = sub.as_mut().resume(n) {
                    n = yield r;
                }
            },
        )
    }
}

// ANCHOR_END: bare

fn bare_coroutines(c: &mut Criterion) {
    use std::ops::CoroutineState;
    let mut group = c.benchmark_group("bare_coroutines");
    for (name, delegators) in [("direct_resume", 0), ("chain_of_3_coroutines", 2)] {
        group.bench_function(name, |b| {
            let mut g = bare::consumer();
            for _ in 0..delegators {
                g = bare::delegator(g);
            }
            let mut n = 0u64;
            b.iter(|| {
                n = match g.as_mut().resume(black_box(n)) {
                    CoroutineState::Yielded(r) => r,
                    CoroutineState::Complete(()) => unreachable!("the consumer never stops"),
                };
                n
            })
        });
    }
    group.finish();
}

/// A task that takes `steps` steps, each a `sleep(0)`: one pass of the loop each.
fn stepper(steps: u64) -> Coroutine<()> {
    coroutine(
        #[coroutine]
        move |_| {
            for _ in 0..steps {
                yield_from!(sleep(0.0))?;
            }
            Ok(())
        },
    )
}

fn loop_steps(c: &mut Criterion) {
    const TASKS: u64 = 100;
    const STEPS: u64 = 100;
    let mut group = c.benchmark_group("loop_task_step");
    group.throughput(Throughput::Elements(TASKS * STEPS));
    group.bench_function("100_tasks_x_100_sleep0", |b| {
        b.iter(|| {
            let event_loop = EventLoop::new(Clock::new_virtual());
            let main: Coroutine<()> = coroutine(
                #[coroutine]
                |_| {
                    let event_loop = get_running_loop()?;
                    let tasks: Vec<_> = (0..TASKS)
                        .map(|_| event_loop.create_task(stepper(STEPS)))
                        .collect::<Result<_, _>>()?;
                    for task in tasks {
                        yield_from!(task)?;
                    }
                    Ok(())
                },
            );
            event_loop.run_until_complete(main).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, delegation, bare_coroutines, loop_steps);
criterion_main!(benches);
