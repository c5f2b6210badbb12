//! three-substrates: the producer/consumer of s000-02 on each substrate, and what a
//! suspended consumer keeps on each.
//!
//! Not a program of the documents. `cargo run --example three-substrates`.

use crate::exceptions::PyResult;
use crate::pyprint;
use crate::substrates::Substrate;
use crate::substrates::tree::{Tree, walk_corosensei, walk_genawaiter, walk_nightly};
use crate::trace::Out;

use super::s000_02_producer_consumer as s000_02;

// ANCHOR: program
/// Prints, for each substrate, the size of what a suspended consumer keeps, and runs
/// s000-02 with that consumer (the trace is the same three times).
pub fn run(out: &Out) -> PyResult<()> {
    let silent = Out::new(std::io::sink());
    let kept = [
        (
            "the state machine rustc made of the body",
            s000_02::consumer(silent.clone()).frame_size(),
        ),
        (
            "the future rustc made of the async block",
            s000_02::consumer_on_genawaiter(silent.clone()).frame_size(),
        ),
        (
            "the stack reserved for the body",
            s000_02::consumer_on_corosensei(silent).stack_size(),
        ),
    ];
    for (substrate, (what, bytes)) in Substrate::ALL.into_iter().zip(kept) {
        pyprint!(
            out,
            "== {substrate}: a suspended consumer keeps {what}: {bytes} bytes"
        );
        s000_02::run_on(out, substrate)?;
    }
    // The tree walk: one generator per level on nightly, one future per level on
    // genawaiter, one stack on corosensei. All yield the same values.
    let tree = Tree::complete(4, 3);
    let walks: [Vec<u32>; 3] = [
        walk_nightly(tree.clone()).collect::<PyResult<_>>()?,
        walk_genawaiter(tree.clone()).collect::<PyResult<_>>()?,
        walk_corosensei(tree.clone()).collect::<PyResult<_>>()?,
    ];
    for (substrate, walk) in Substrate::ALL.into_iter().zip(walks) {
        pyprint!(
            out,
            "== {substrate}: walk of a 40-node tree yields {} values, first {:?}",
            walk.len(),
            &walk[..5]
        );
    }
    Ok(())
}
// ANCHOR_END: program
