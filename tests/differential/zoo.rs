//! The generator zoo, pycoro side: each member is the function of the same name in
//! `python/differential/zoo.py`, with the same log lines.

use pycoro::exceptions::{
    Exception, GeneratorExit, KeyError, Raise, StopIteration, TypeError, ValueError,
    exception_name, raise,
};
use pycoro::generators::Generator;
use pycoro::yield_from::iter;
use pycoro::{try_, yield_, yield_from};

use crate::common::Log;

pycoro::py_exception!(
    /// `class MyError(Exception)`, the zoo's own exception.
    pub MyError(Exception)
);

/// Every zoo member yields ints, is sent ints, and returns an int or None.
pub type Zoo = Generator<'static, i64, i64, Option<i64>>;

/// Builds a zoo member around the log its body writes to.
pub type MakeZoo = fn(Log) -> Zoo;

/// Python's `str()` of an int or None.
pub fn py(value: Option<i64>) -> String {
    value.map_or("None".to_string(), |v| v.to_string())
}

fn z00_simple(_log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        |_| {
            yield_!(1)?;
            yield_!(2)?;
            Ok(Some(3))
        },
    )
}

fn z01_try_except(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            loop {
                try_! {
                    try {
                        let x = yield_!(1)?;
                        log.push(format!("got {}", py(x)));
                    }
                    except ValueError as e {
                        log.push(format!("caught ValueError {e}"));
                        yield_!(2)?;
                    }
                }
            }
        },
    )
}

fn z02_try_finally(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            let body = match yield_!(1) {
                Ok(_) => yield_!(2).map(drop),
                Err(e) => Err(e),
            };
            log.push("finally");
            body?;
            Ok(Some(4))
        },
    )
}

fn z03_yield_in_except(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            try_! {
                try {
                    yield_!(1)?;
                }
                except ValueError as _e {
                    let x = yield_!(2)?;
                    log.push(format!("in except got {}", py(x)));
                }
            }
            Ok(Some(5))
        },
    )
}

fn z04_yield_in_finally(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            try_! {
                try {
                    yield_!(1)?;
                }
                finally {
                    log.push("finally");
                    yield_!(2)?;
                    log.push("after yield in finally");
                }
            }
            Ok(None)
        },
    )
}

fn z05_return_in_finally(_log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        |_| {
            if yield_!(1).is_ok() {
                let _ = yield_!(2);
            }
            // `finally: return 6` swallows whatever was raised, GeneratorExit included.
            Ok(Some(6))
        },
    )
}

fn z06_catch_exit_return(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            let body = match yield_!(1) {
                Ok(_) => yield_!(2).map(drop),
                Err(e) => Err(e),
            };
            match body {
                Ok(()) => Ok(Some(8)),
                Err(e) if e.is::<GeneratorExit>() => {
                    log.push("exit caught");
                    Ok(Some(7))
                }
                Err(e) => Err(e),
            }
        },
    )
}

fn z07_catch_exit_yield(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            loop {
                match yield_!(1) {
                    Err(e) if e.is::<GeneratorExit>() => log.push("ignoring GeneratorExit"),
                    other => {
                        other?;
                    }
                }
            }
        },
    )
}

fn z08_reraise_different(_log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        |_| {
            try_! {
                try {
                    yield_!(1)?;
                }
                except ValueError as e {
                    raise(TypeError::new(format!("converted {e}")))?;
                }
            }
            yield_!(2)?;
            Ok(None)
        },
    )
}

fn sub_echo(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            let x = yield_!(10)?;
            log.push(format!("sub got {}", py(x)));
            let y = yield_!(11)?;
            log.push(format!("sub got {}", py(y)));
            Ok(Some(12))
        },
    )
}

fn z09_yield_from_1(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            let r = yield_from!(sub_echo(log.clone()))?;
            log.push(format!("outer got {}", py(r)));
            yield_!(r.unwrap_or(-1))?;
            Ok(None)
        },
    )
}

fn middle_catches(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            let r = try_! {
                try {
                    yield_from!(sub_echo(log.clone()))?
                }
                except ValueError as e {
                    log.push(format!("middle caught {e}"));
                    yield_!(20)?
                }
            };
            Ok(r)
        },
    )
}

fn z10_yield_from_2(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            let r = yield_from!(middle_catches(log.clone()))?;
            log.push(format!("top got {}", py(r)));
            Ok(r)
        },
    )
}

fn z11_yield_from_3(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            let r = match yield_from!(z10_yield_from_2(log.clone())) {
                Ok(r) => r,
                Err(e) if e.is::<TypeError>() => {
                    log.push(format!("z11 caught {e}"));
                    Some(-1)
                }
                Err(e) => return Err(e),
            };
            log.push(format!("z11 got {}", py(r)));
            yield_!(30)?;
            Ok(None)
        },
    )
}

fn z12_plain_iterator(_log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        |_| {
            yield_from!(iter(0..3))?;
            Ok(Some(9))
        },
    )
}

fn sub_returns_on_throw(_log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        |_| match yield_!(1) {
            Ok(_) => Ok(Some(0)),
            Err(e) if e.is::<ValueError>() => Ok(Some(42)),
            Err(e) => Err(e),
        },
    )
}

fn z13_sub_returns_on_throw(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            let r = yield_from!(sub_returns_on_throw(log.clone()))?;
            log.push(format!("outer got {}", py(r)));
            yield_!(r.unwrap_or(-1))?;
            Ok(None)
        },
    )
}

fn z14_raises_stop_iteration(_log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        |_| {
            yield_!(1)?;
            Err(StopIteration::new("inside").into())
        },
    )
}

fn z15_echo(_log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        |_| {
            let mut x: Option<i64> = None;
            loop {
                x = yield_!(x.unwrap_or(-1))?;
            }
        },
    )
}

// ANCHOR: z16_except_else_finally
fn z16_except_else_finally(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            let mut x = None;
            try_! {
                try {
                    x = yield_!(1)?;
                }
                except (ValueError, MyError) as e {
                    log.push(format!("except {}", exception_name(&e)));
                    yield_!(2)?;
                }
                else {
                    log.push(format!("else {}", py(x)));
                }
                finally {
                    log.push("finally");
                }
            }
            yield_!(3)?;
            Ok(None)
        },
    )
}
// ANCHOR_END: z16_except_else_finally

fn sub_close_raises(_log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        |_| {
            try_! {
                try {
                    yield_!(1)?;
                }
                except GeneratorExit as _e {
                    raise(ValueError::new("sub close failed"))?;
                }
            }
            Ok(None)
        },
    )
}

fn z17_sub_close_raises(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            try_! {
                try {
                    yield_from!(sub_close_raises(log.clone()))?;
                }
                except ValueError as e {
                    log.push(format!("outer caught {e}"));
                    yield_!(2)?;
                }
            }
            Ok(None)
        },
    )
}

fn z18_raise_from(_log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        |_| {
            try_! {
                try {
                    yield_!(1)?;
                }
                except ValueError as e {
                    raise(TypeError::new("from v").raise_from(e))?;
                }
            }
            yield_!(2)?;
            Ok(None)
        },
    )
}

fn z19_raise_from_none(_log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        |_| {
            try_! {
                try {
                    yield_!(1)?;
                }
                except (ValueError, TypeError) as _e {
                    raise(KeyError::new("k").raise_from(None))?;
                }
            }
            yield_!(2)?;
            Ok(None)
        },
    )
}

// ANCHOR: z20_raise_in_finally
fn z20_raise_in_finally(log: Log) -> Zoo {
    Generator::new(
        #[coroutine]
        move |_| {
            try_! {
                try {
                    yield_!(1)?;
                    yield_!(2)?;
                }
                finally {
                    log.push("finally raises");
                    raise(MyError::new("from finally"))?;
                }
            }
            Ok(None)
        },
    )
}
// ANCHOR_END: z20_raise_in_finally

/// The zoo, in the order of Python's `ZOO`: `(name, constructor)`.
pub static ZOO: &[(&str, MakeZoo)] = &[
    ("z00_simple", z00_simple),
    ("z01_try_except", z01_try_except),
    ("z02_try_finally", z02_try_finally),
    ("z03_yield_in_except", z03_yield_in_except),
    ("z04_yield_in_finally", z04_yield_in_finally),
    ("z05_return_in_finally", z05_return_in_finally),
    ("z06_catch_exit_return", z06_catch_exit_return),
    ("z07_catch_exit_yield", z07_catch_exit_yield),
    ("z08_reraise_different", z08_reraise_different),
    ("z09_yield_from_1", z09_yield_from_1),
    ("z10_yield_from_2", z10_yield_from_2),
    ("z11_yield_from_3", z11_yield_from_3),
    ("z12_plain_iterator", z12_plain_iterator),
    ("z13_sub_returns_on_throw", z13_sub_returns_on_throw),
    ("z14_raises_stop_iteration", z14_raises_stop_iteration),
    ("z15_echo", z15_echo),
    ("z16_except_else_finally", z16_except_else_finally),
    ("z17_sub_close_raises", z17_sub_close_raises),
    ("z18_raise_from", z18_raise_from),
    ("z19_raise_from_none", z19_raise_from_none),
    ("z20_raise_in_finally", z20_raise_in_finally),
];
