//! CPython's own tests of generators and of asyncio's queues, locks, timeouts and
//! `wait_for`, carried into Rust one by one.
//! CPython's own tests of generators and of asyncio's queues, locks and tasks, carried
//! into Rust one by one.
//!
//! Each `#[test]` is one `test_*` method of CPython 3.11's `Lib/test`, at the path
//! `MODULE::CLASS_IN_SNAKE_CASE::METHOD`: CPython's
//! `test_yield_from.TestPEP380Operation.test_delegating_close` is
//! `test_yield_from::test_pep380_operation::test_delegating_close` here (and
//! `test_asyncio.test_locks.LockTests.test_cancel_race` is
//! `test_asyncio::test_locks::lock_tests::test_cancel_race`). A CPython test
//! that is not carried is listed, with its reason, in `cpython_suite/not_applicable.toml`
//! (it cannot be said in Rust) or `cpython_suite/pending.toml` (pycoro lacks a feature).
//! `python3 scripts/cpython_suite.py` counts them all against CPython's sources.
#![feature(coroutines)]

#[path = "common/mod.rs"]
mod common;
#[path = "cpython_suite/support.rs"]
mod support;

#[path = "cpython_suite/test_asyncgen.rs"]
mod test_asyncgen;
#[path = "cpython_suite/test_contextlib.rs"]
mod test_contextlib;
#[path = "cpython_suite/test_contextlib_async.rs"]
mod test_contextlib_async;
#[path = "cpython_suite/test_generators.rs"]
mod test_generators;
#[path = "cpython_suite/test_yield_from.rs"]
mod test_yield_from;

#[path = "cpython_suite/asyncio_support.rs"]
mod asyncio_support;

/// `Lib/test/test_asyncio/`, CPython's package of asyncio tests (its files are beside
/// the others, in `cpython_suite/`).
#[path = "cpython_suite"]
mod test_asyncio {
    mod test_locks;
    mod test_queues;
    mod test_taskgroups;
    mod test_tasks;
    mod test_timeouts;
    mod test_waitfor;
}
