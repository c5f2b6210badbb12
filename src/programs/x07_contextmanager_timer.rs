//! x07-contextmanager-timer: a timer made with `@contextmanager`. Its generator's `yield`
//! splits it in two: before it, `__enter__` (read the clock); after it, `__exit__` (read it
//! again, say how long the block took). An exception raised in the `with` block is thrown
//! in at the `yield`, where the timer sees it, and lets it through or suppresses it. The
//! clock is a fake one that only the work moves, so that every run prints the same times.

use std::cell::Cell;
use std::rc::Rc;

use crate::contextlib::{GeneratorContextManager, contextmanager, with};
use crate::exceptions::{Exception, ExceptionExt, KeyError, PyResult, ValueError, exception_repr};
use crate::generators::Generator;
use crate::trace::Out;
use crate::{pyprint, yield_};

// ANCHOR: program
// now = 0.0
//
// def work(seconds):
//     global now
//     now += seconds
/// Python's global `now`, and `work`, the only thing that moves it.
#[derive(Clone, Default)]
struct FakeClock(Rc<Cell<f64>>);

impl FakeClock {
    fn now(&self) -> f64 {
        self.0.get()
    }

    fn work(&self, seconds: f64) {
        self.0.set(self.0.get() + seconds);
    }
}

// ANCHOR: timer
// @contextmanager
// def timer(name, suppressing=()):
//     start = now
//     print('[%s] start at %.1f' % (name, start))
//     try:
//         yield start
//     except suppressing as e:
//         print('[%s] %r suppressed' % (name, e))
//     except Exception as e:
//         print('[%s] %r goes on' % (name, e))
//         raise
//     finally:
//         print('[%s] took %.1f s' % (name, now - start))
fn timer(
    out: &Out,
    clock: &FakeClock,
    name: &'static str,
    suppressing: fn(&Exception) -> bool,
) -> GeneratorContextManager<f64> {
    let (out, clock) = (out.clone(), clock.clone());
    contextmanager(Generator::new(
        #[coroutine]
        move |_| {
            let start = clock.now();
            pyprint!(out, "[{name}] start at {start:.1}");
            // The with block runs here; if it raises, its exception comes back here.
            let ended = match yield_!(start) {
                Err(e) if suppressing(&e) => {
                    pyprint!(out, "[{name}] {} suppressed", exception_repr(&e));
                    Ok(()) // the generator ends normally: the with goes on after the block
                }
                Err(e) if e.isinstance::<Exception>() => {
                    pyprint!(out, "[{name}] {} goes on", exception_repr(&e));
                    Err(e) // raise: the with raises it again
                }
                // The block ended; or a BaseException, which `except Exception` lets by.
                other => other.map(drop),
            };
            // finally: (however the block ended)
            pyprint!(out, "[{name}] took {:.1} s", clock.now() - start);
            ended
        },
    ))
}
// ANCHOR_END: timer

// ANCHOR: main
fn main(out: &Out) -> PyResult<()> {
    let clock = FakeClock::default();
    let nothing: fn(&Exception) -> bool = |_| false; // suppressing=()
    // with timer('load') as start:
    //     work(0.5)
    //     print('[main] loaded, from %.1f to %.1f' % (start, now))
    with(timer(out, &clock, "load", nothing), |start| {
        clock.work(0.5);
        pyprint!(out, "[main] loaded, from {start:.1} to {:.1}", clock.now());
        Ok(())
    })?;
    // try:
    //     with timer('parse'):
    //         work(0.2)
    //         raise ValueError('bad row 3')
    // except ValueError as e:
    //     print('[main] caught %r' % e)
    let parsed = with(timer(out, &clock, "parse", nothing), |_| {
        clock.work(0.2);
        Err::<(), _>(ValueError::new("bad row 3").into())
    });
    match parsed {
        Err(e) if e.isinstance::<ValueError>() => {
            pyprint!(out, "[main] caught {}", exception_repr(&e))
        }
        other => {
            other?;
        }
    }
    // with timer('lookup', suppressing=KeyError):
    //     work(0.1)
    //     {}['missing']
    let key_error: fn(&Exception) -> bool = |e| e.isinstance::<KeyError>();
    with(timer(out, &clock, "lookup", key_error), |_| {
        clock.work(0.1);
        Err::<(), _>(KeyError::new("missing").into())
    })?;
    pyprint!(out, "[main] after lookup, at {:.1}", clock.now());
    Ok(())
}
// ANCHOR_END: main

/// Runs the program, printing its trace to `out`.
pub fn run(out: &Out) -> PyResult<()> {
    main(out)
}
// ANCHOR_END: program
