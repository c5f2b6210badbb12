//! What only a stackful coroutine can do, and what it costs.

use pycoro::exceptions::{MemoryError, PyResult, ValueError};
use pycoro::generators::{GeneratorState, Step};
use pycoro::substrates::GeneratorProtocol;
use pycoro::substrates::corosensei::{Generator, Yielder};
use pycoro::substrates::tree::{Tree, walk_corosensei, walk_genawaiter, walk_nightly};

fn collect(g: impl Iterator<Item = PyResult<u32>>) -> Vec<u32> {
    g.map(Result::unwrap).collect()
}

#[test]
fn a_recursive_walk_yields_every_node_from_ordinary_nested_calls() {
    let tree = Tree::complete(6, 3); // 364 nodes
    let expected = tree.preorder();
    assert_eq!(expected.len(), 364);
    assert_eq!(collect(walk_corosensei(tree.clone())), expected);
    // The stackless walks agree, at the price of a generator or a boxed future per level.
    assert_eq!(collect(walk_nightly(tree.clone())), expected);
    assert_eq!(collect(walk_genawaiter(tree)), expected);
}

#[test]
fn a_thousand_calls_deep_the_suspension_keeps_the_whole_call_stack() {
    let chain = Tree::chain(1000);
    let g = walk_corosensei(chain.clone());
    for expected in 0..1000 {
        assert_eq!(g.next().unwrap(), Step::Yielded(expected));
    }
    assert_eq!(g.next().unwrap(), Step::Returned(()));
    assert_eq!(collect(walk_nightly(chain)), (0..1000).collect::<Vec<_>>());
}

/// A helper that yields is an ordinary function: it can be passed the yielder, called
/// in a loop, return a value, and use `?` on what was thrown in.
fn yield_pair(co: &Yielder<&'static str>, a: &'static str, b: &'static str) -> PyResult<usize> {
    co.suspend(a)?;
    co.suspend(b)?;
    Ok(2)
}

#[test]
fn a_throw_reaches_the_suspend_deep_in_a_helper_and_unwinds_through_its_callers() {
    let g: Generator<&str, (), usize> = Generator::new(|co, _| {
        let mut total = 0;
        for _ in 0..2 {
            total += yield_pair(co, "a", "b")?;
        }
        Ok(total)
    });
    assert_eq!(g.next().unwrap(), Step::Yielded("a"));
    assert_eq!(g.next().unwrap(), Step::Yielded("b"));
    assert_eq!(g.next().unwrap(), Step::Yielded("a"));
    let e = g.throw(ValueError::new("into the helper")).unwrap_err();
    assert!(e.is::<ValueError>());
    assert_eq!(GeneratorProtocol::state(&g), GeneratorState::Closed);
}

#[test]
fn a_small_stack_is_enough_for_a_small_body() -> PyResult<()> {
    let g: Generator<u32> = Generator::with_stack_size(16 * 1024, |co, _| {
        co.suspend(1)?;
        Ok(())
    })?;
    assert_eq!(g.next()?, Step::Yielded(1));
    Ok(())
}

#[test]
fn a_stack_the_system_will_not_map_is_a_memory_error_not_a_panic() {
    let Err(e) = Generator::<u32>::with_stack_size(usize::MAX / 2, |_, _| Ok(())) else {
        panic!("an absurd stack was mapped");
    };
    assert!(e.is::<MemoryError>(), "{e}");
}

#[test]
fn the_generator_handle_is_small_the_stack_is_elsewhere() {
    // The handle is a box pointer and some state; the body's frames live on the
    // coroutine's own mapped stack, not in the handle or on the caller's stack.
    let g = walk_corosensei(Tree::chain(1));
    assert!(
        std::mem::size_of_val(&g) <= 64,
        "{}",
        std::mem::size_of_val(&g)
    );
}

#[test]
fn a_suspended_stackful_generator_dropped_by_a_panic_unwinds_its_stack_without_aborting() {
    use std::cell::Cell;
    use std::rc::Rc;
    let cleaned = Rc::new(Cell::new(false));
    let flag = cleaned.clone();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let g: Generator<u32> = Generator::new(move |co, _| {
            struct Cleanup(Rc<Cell<bool>>);
            impl Drop for Cleanup {
                fn drop(&mut self) {
                    self.0.set(true);
                }
            }
            let _cleanup = Cleanup(flag);
            loop {
                co.suspend(1)?;
            }
        });
        g.next().unwrap();
        panic!("the caller panics while the generator is suspended");
    }));
    assert!(result.is_err());
    assert!(cleaned.get(), "the coroutine's frames were dropped");
}
