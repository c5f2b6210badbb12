//! What only a stackful coroutine can do: yield from deep inside ordinary calls.
//!
//! Book: chapter "Three ways to suspend a function".
//!
//! A pre-order walk of a tree, yielding every value. In Python:
//!
//! ```python
//! def walk(node):
//!     yield node.value
//!     for child in node.children:
//!         yield from walk(child)
//! ```
//!
//! Every level is a generator of its own and re-yields what the levels below it yield:
//! a value found at depth `d` passes through `d` generators on its way out. On nightly
//! that is [`walk_nightly`]. With genawaiter ([`walk_genawaiter`]) the levels are `async`
//! functions sharing one [`Co`](super::genawaiter::Co): no re-yielding, but every
//! function on the way must be `async` and a recursive one must box its future. On a
//! stack of its own ([`walk_corosensei`]) the walk is an ordinary recursive function
//! that calls `suspend` wherever it is: the suspension keeps the whole call stack.

use std::rc::Rc;

use crate::exceptions::PyResult;
use crate::generators::Generator;
use crate::substrates::{corosensei, genawaiter};
use crate::{yield_, yield_from};

/// A tree node: a value and its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    /// What the walk yields for this node.
    pub value: u32,
    /// Walked left to right, after the node itself.
    pub children: Vec<Rc<Tree>>,
}

impl Tree {
    /// A complete tree of `depth` levels where every inner node has `fanout` children,
    /// numbered in pre-order from 0.
    ///
    /// ```
    /// use pycoro::substrates::tree::Tree;
    /// let t = Tree::complete(3, 2);
    /// assert_eq!(t.preorder(), [0, 1, 2, 3, 4, 5, 6]);
    /// ```
    pub fn complete(depth: u32, fanout: u32) -> Rc<Tree> {
        fn build(depth: u32, fanout: u32, next: &mut u32) -> Rc<Tree> {
            let value = *next;
            *next += 1;
            let children = if depth > 1 {
                (0..fanout)
                    .map(|_| build(depth - 1, fanout, next))
                    .collect()
            } else {
                Vec::new()
            };
            Rc::new(Tree { value, children })
        }
        build(depth, fanout, &mut 0)
    }

    /// A chain: `length` nodes, each the only child of the one before.
    pub fn chain(length: u32) -> Rc<Tree> {
        (0..length)
            .rev()
            .fold(None, |child: Option<Rc<Tree>>, value| {
                Some(Rc::new(Tree {
                    value,
                    children: child.into_iter().collect(),
                }))
            })
            .unwrap_or_else(|| {
                Rc::new(Tree {
                    value: 0,
                    children: Vec::new(),
                })
            })
    }

    /// The values in pre-order, collected without any coroutine: the expected answer.
    pub fn preorder(&self) -> Vec<u32> {
        let mut out = vec![self.value];
        for child in &self.children {
            out.extend(child.preorder());
        }
        out
    }
}

// ANCHOR: nightly
/// Stackless, nightly: a generator per level, each delegating to its children's.
pub fn walk_nightly(node: Rc<Tree>) -> Generator<'static, u32> {
    // `static`: the loop borrows `node` across a `yield`, so the state machine holds a
    // pointer into itself and must not move (it is pinned in a box).
    Generator::new(
        #[coroutine]
        static move |_| {
            yield_!(node.value)?;
            for child in &node.children {
                yield_from!(walk_nightly(child.clone()))?;
            }
            Ok(())
        },
    )
}
// ANCHOR_END: nightly

// ANCHOR: genawaiter
/// Stackless, stable: one generator, but every level is an `async fn`, boxed to recurse.
pub fn walk_genawaiter(node: Rc<Tree>) -> genawaiter::Generator<'static, u32> {
    genawaiter::Generator::new(move |co| async move { visit_async(&co, &node).await })
}

async fn visit_async(co: &genawaiter::Co<u32>, node: &Tree) -> PyResult<()> {
    co.yield_(node.value).await?;
    for child in &node.children {
        Box::pin(visit_async(co, child)).await?;
    }
    Ok(())
}
// ANCHOR_END: genawaiter

// ANCHOR: corosensei
/// Stackful: one generator, and the walk is an ordinary recursive function.
pub fn walk_corosensei(node: Rc<Tree>) -> corosensei::Generator<u32> {
    corosensei::Generator::new(move |co, _| visit(co, &node))
}

fn visit(co: &corosensei::Yielder<u32>, node: &Tree) -> PyResult<()> {
    co.suspend(node.value)?;
    for child in &node.children {
        visit(co, child)?;
    }
    Ok(())
}
// ANCHOR_END: corosensei
