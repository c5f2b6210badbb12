//! Exercise 06: write `grouper`, the generator between the caller and the averager,
//! with `yield_from!`. Check yourself with `cargo run -- exercises 06 start`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use pycoro::prelude::*;
use pycoro::yield_from;

/// `Result(count=3, average=41.23...)`, printed as the namedtuple is.
#[derive(Clone, Copy, Default)]
struct Averaged {
    count: u32,
    average: Option<f64>,
}

impl fmt::Display for Averaged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.average {
            Some(average) => write!(f, "Result(count={}, average={average:?})", self.count),
            None => write!(f, "Result(count={}, average=None)", self.count),
        }
    }
}

/// The sub-generator: averages what it is sent, and returns when it is sent `None`.
fn averager() -> Generator<'static, (), f64, Averaged> {
    Generator::new(
        #[coroutine]
        |_| {
            let (mut total, mut count) = (0.0, 0);
            let mut average = None;
            while let Some(term) = yield_!()? {
                total += term;
                count += 1;
                average = Some(total / f64::from(count));
            }
            Ok(Averaged { count, average })
        },
    )
}

type Results = Rc<RefCell<BTreeMap<&'static str, Averaged>>>;

/// The delegating generator: everything the caller sends goes down to an averager; its
/// return value comes back as the value of `yield_from!`. It stores that value in
/// `results` under `key`, prints `grouper: KEY gave RESULT`, and starts another averager.
fn grouper(out: Out, results: Results, key: &'static str) -> Generator<'static, (), f64> {
    todo!("loop {{ let result = yield_from!(averager())?; .. }}")
}

/// The caller: one grouper per key, fed each value, then `None`.
pub fn run(out: &Out, _clock: &Clock) -> PyResult<()> {
    let data: [(&str, &[f64]); 4] = [
        ("girls;kg", &[40.9, 38.5, 44.3, 42.2]),
        ("girls;m", &[1.6, 1.51, 1.4, 1.3]),
        ("boys;kg", &[39.0, 40.8, 43.2]),
        ("boys;m", &[1.38, 1.5, 1.32]),
    ];
    let results = Results::default();
    for (key, values) in data {
        let group = grouper(out.clone(), results.clone(), key);
        group.next()?;
        for &value in values {
            group.send(value)?;
        }
        group.send(None)?; // the averager returns; grouper stores its result, and starts another
    }
    for (key, result) in results.borrow().iter() {
        let average = result.average.unwrap_or(f64::NAN);
        pyprint!(out, "{:2} {key:8} averaging {average:.2}", result.count);
    }
    Ok(())
}
