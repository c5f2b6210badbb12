//! Exercise 05: write `yield_each!`, `yield from` for an iterator, as a `for` loop, and
//! use it in `chain`, `flatten` and `with_for`. Check yourself with
//! `cargo run -- exercises 05 start`.

use pycoro::prelude::*;
use pycoro::trace::repr_str;
use pycoro::yield_from;

/// `yield from iterable` for an iterator with no `send`, `throw` or return value. The
/// items are `PyResult`s, as a generator's are when it is iterated.
macro_rules! yield_each {
    ($iterable:expr) => {
        todo!("for item in iterable: yield item")
    };
}

/// What `chain` is given: anything that iterates as Python's iterators do.
type Iterable = Box<dyn Iterator<Item = PyResult<i64>>>;

fn chain(iterables: Vec<Iterable>) -> Generator<'static, i64> {
    Generator::new(
        #[coroutine]
        move |_| {
            for iterable in iterables {
                yield_each!(iterable);
            }
            Ok(())
        },
    )
}

/// A nested list of Python's: an item, or a list of items.
enum Item {
    Leaf(i64),
    List(Vec<Item>),
}

fn flatten(items: Vec<Item>) -> Generator<'static, i64> {
    todo!("yield each leaf; for a list, every leaf of flatten(list)")
}

fn sub() -> Generator<'static, i64, (), &'static str> {
    Generator::new(
        #[coroutine]
        |_| {
            yield_!(1)?;
            Ok("sub is done")
        },
    )
}

/// Iterates each generator to its end, as Python's `list()` does.
fn list(generator: Generator<'static, i64>) -> PyResult<Vec<i64>> {
    generator.collect()
}

/// Chains and flattens; then sets `yield from` beside the `for` loop.
pub fn run(out: &Out, _clock: &Clock) -> PyResult<()> {
    use Item::{Leaf, List};
    let nested = vec![
        Leaf(1),
        List(vec![Leaf(2), List(vec![Leaf(3), Leaf(4)])]),
        Leaf(5),
    ];
    let chained = list(chain(vec![
        Box::new((0..3).map(Ok)),
        Box::new([10, 20].into_iter().map(Ok)),
        Box::new(flatten(nested)),
    ]))?;
    pyprint!(out, "{chained:?}");

    let with_yield_from_out = out.clone();
    let with_yield_from: Generator<'static, i64> = Generator::new(
        #[coroutine]
        move |_| {
            let result = yield_from!(sub())?;
            pyprint!(with_yield_from_out, "yield from gave {}", repr_str(result));
            Ok(())
        },
    );
    pyprint!(out, "{:?}", list(with_yield_from)?);

    let with_for_out = out.clone();
    let with_for: Generator<'static, i64> = Generator::new(
        #[coroutine]
        move |_| {
            // for item in sub(): yield item
            todo!();
            pyprint!(with_for_out, "the for loop gave nothing back");
            Ok(())
        },
    );
    pyprint!(out, "{:?}", list(with_for)?);
    Ok(())
}
