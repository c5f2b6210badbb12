// A panic inside a generator body: it reaches the caller, and the generator is closed.

use super::*;
use std::panic::{AssertUnwindSafe, catch_unwind};

use pycoro::exceptions::{PyResult, StopIteration};
use pycoro::generators::{GeneratorState, Step};

fn panics_on_second_resume() -> Gen<i32> {
    generator!(|co| {
            suspend!(co, 1)?;
            panic!("boom");
        },
    )
}

#[test]
fn a_panic_in_the_body_propagates_to_the_caller_of_send() -> PyResult<()> {
    let g = panics_on_second_resume();
    assert_eq!(g.next()?, Step::Yielded(1));
    let payload = catch_unwind(AssertUnwindSafe(|| g.next())).unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    Ok(())
}

// ANCHOR: panic_closes
#[test]
fn a_generator_that_panicked_is_closed_and_never_resumed_again() -> PyResult<()> {
    let g = panics_on_second_resume();
    g.next()?;
    let _ = catch_unwind(AssertUnwindSafe(|| g.next()));
    assert_eq!(g.state(), GeneratorState::Closed);
    assert!(g.next().unwrap_err().is::<StopIteration>());
    assert!(g.throw(StopIteration::default()).is_err());
    g.close()?;
    Ok(())
}
// ANCHOR_END: panic_closes
