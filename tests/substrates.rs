//! One conformance suite, three substrates: every Generation 1 and 2 rule test runs on
//! the nightly generator, on genawaiter and on corosensei (`cargo test --test substrates`).
//!
//! The tests in `tests/conformance/` are written once, with three small macros that
//! each substrate module below defines its own way:
//! - `generator!(|co| body)` builds a generator whose body can suspend through `co`;
//! - `suspend!(co, v)` is Python's `yield v` (evaluating to the `Resume` value);
//! - `yield_from!(co, sub)` is Python's `yield from sub`.
//!
//! `Gen<Y, S, R>` is the substrate's generator type. Test names say the substrate:
//! `nightly::send::…`, `genawaiter::close::…`, `corosensei::delegation::…`.
#![feature(coroutines)]

mod common;

/// The conformance suite, once per substrate: the same files, included in each module.
macro_rules! conformance_suite {
    () => {
        #[allow(unused_imports)] // nightly's inherent methods shadow the trait's
        use pycoro::substrates::GeneratorProtocol;

        mod send {
            include!("conformance/send.rs");
        }
        mod throw {
            include!("conformance/throw.rs");
        }
        mod close {
            include!("conformance/close.rs");
        }
        mod drop {
            include!("conformance/drop.rs");
        }
        mod panic {
            include!("conformance/panic.rs");
        }
        mod delegation {
            include!("conformance/delegation.rs");
        }
    };
}

// ANCHOR: nightly
mod nightly {
    type Gen<Y, S = (), R = ()> = pycoro::generators::Generator<'static, Y, S, R>;

    macro_rules! generator {
        (|$co:ident| $body:expr $(,)?) => {
            pycoro::generators::Generator::new(
                #[coroutine]
                move |_| $body,
            )
        };
    }
    macro_rules! suspend {
        ($co:ident $(,)?) => {
            pycoro::yield_!()
        };
        ($co:ident, $value:expr) => {
            pycoro::yield_!($value)
        };
    }
    macro_rules! yield_from {
        ($co:ident, $sub:expr) => {
            pycoro::yield_from!($sub)
        };
    }

    conformance_suite!();
}
// ANCHOR_END: nightly

// ANCHOR: genawaiter
mod genawaiter {
    type Gen<Y, S = (), R = ()> = pycoro::substrates::genawaiter::Generator<'static, Y, S, R>;

    macro_rules! generator {
        (|$co:ident| $body:expr $(,)?) => {
            pycoro::substrates::genawaiter::Generator::new(
                move |#[allow(unused_variables)] $co| async move { $body },
            )
        };
    }
    macro_rules! suspend {
        ($co:ident $(,)?) => {
            $co.yield_(()).await
        };
        ($co:ident, $value:expr) => {
            $co.yield_($value).await
        };
    }
    macro_rules! yield_from {
        ($co:ident, $sub:expr) => {
            pycoro::substrates::genawaiter::yield_from(&$co, $sub).await
        };
    }

    conformance_suite!();
}
// ANCHOR_END: genawaiter

// ANCHOR: corosensei
mod corosensei {
    type Gen<Y, S = (), R = ()> = pycoro::substrates::corosensei::Generator<Y, S, R>;

    macro_rules! generator {
        (|$co:ident| $body:expr $(,)?) => {
            pycoro::substrates::corosensei::Generator::new(
                move |#[allow(unused_variables)] $co, _| $body,
            )
        };
    }
    macro_rules! suspend {
        ($co:ident $(,)?) => {
            $co.suspend(())
        };
        ($co:ident, $value:expr) => {
            $co.suspend($value)
        };
    }
    macro_rules! yield_from {
        ($co:ident, $sub:expr) => {
            pycoro::substrates::corosensei::yield_from($co, $sub)
        };
    }

    conformance_suite!();
}
// ANCHOR_END: corosensei

/// The documents' producer/consumer programs, with the consumer on each substrate:
/// one snapshot (the program's own, `tests/snapshots/ID.snap`), three runs.
#[test]
fn the_producer_consumer_programs_print_their_one_snapshot_on_every_substrate() {
    use pycoro::substrates::Substrate;
    for &(id, run_on) in pycoro::programs::ON_EVERY_SUBSTRATE {
        let program = pycoro::programs::find(id).expect("a program of the documents");
        for substrate in Substrate::ALL {
            let (out, trace) = pycoro::trace::Out::capture();
            run_on(&out, substrate).unwrap_or_else(|e| panic!("{id} on {substrate}: {e}"));
            insta::with_settings!({
                description => program.summary,
                omit_expression => true,
                prepend_module_to_snapshot => false,
            }, {
                insta::assert_snapshot!(id, trace.text());
            });
        }
    }
}
