//! Python's exceptions as Rust error values.
//!
//! Python raises; Rust returns `Err`. A raised exception is an [`anyhow::Error`]
//! ([`Exception`]) holding a small type named after a Python class, so a generator body
//! throws any error type and a caller catches by type:
//!
//! ```
//! use pycoro::exceptions::{Exception, ExceptionExt, KeyError, LookupError, format_exception_only};
//!
//! let e: Exception = KeyError::new("k").into();
//! assert!(e.is::<KeyError>());             // except KeyError:  (this very class)
//! assert!(e.isinstance::<LookupError>());  // except LookupError:  (or a subclass)
//! assert_eq!(e.to_string(), "'k'");        // str(e)
//! assert_eq!(format_exception_only(&e), "KeyError: 'k'"); // a traceback's last line
//! ```
//!
//! ## The design
//!
//! **Classes.** Each Python exception class is a Rust type ([`builtins`] has Python's and
//! asyncio's, [`py_exception!`](crate::py_exception) makes one's own in a line), and
//! each type has a [`Class`]: a `static` with the Python name, module and bases
//! ([`PyClass::CLASS`]). `e.is::<T>()` asks for the exact type, as anyhow always did;
//! [`e.isinstance::<C>()`](ExceptionExt::isinstance) asks Python's question, "is `C` in
//! the MRO of `type(e)`", by walking the bases of `e`'s class. So `except LookupError:`
//! catches a `KeyError`, and `except Exception:` does not catch `GeneratorExit`,
//! `KeyboardInterrupt`, `SystemExit` or `CancelledError`, which derive from
//! [`BaseException`] only. A tuple of classes is `except (A, B)`.
//!
//! **One object, whatever the type.** To find the class of an `anyhow::Error` without
//! knowing its type, every pycoro exception offers itself as a `dyn` [`ExceptionObject`]
//! through `Error::provide` (std's generic member access, a nightly feature like the
//! coroutines); [`object`] asks for it. An `ExceptionObject` has its class and its
//! [`ExceptionData`]: `args` (any values with a Python `repr`, as [`Object`]s), and the
//! links. `str` and `repr` are computed from the class and the args as CPython computes
//! them (`KeyError`'s `str` is its key's repr; `OSError`'s is `[Errno N] message`).
//! A Rust error that is not a pycoro exception is an `OSError` (an `io::Error`) or a
//! plain `Exception`.
//!
//! **Chaining.** `__cause__` and `__context__` are exceptions the object owns, in its
//! `ExceptionData`; they go wherever the exception goes (out of a generator, through
//! `yield from`, `throw`, `close`, a future), since they are inside it. anyhow's own
//! `context()` chain was the other candidate, but it makes a new outer error whose
//! `Display` replaces the message and whose type `is::<T>()` sees first; Python's links
//! are attributes of the exception, so they live in it. Python sets `__context__` by
//! itself, from the exception its `except` block handles; a Rust `match` arm has no such
//! ambient state, so it says so: [`Raise::during`] (`raise X` while handling `e`) and
//! [`Raise::raise_from`] (`raise X from e`, `raise X from None`). pycoro's own raises
//! link as CPython does: PEP 479's `RuntimeError` has the `StopIteration` as cause and
//! context. Owned links make a chain a list that cannot loop; an exception's identity
//! (Python's `is`) is a number that its copies share ([`same_exception`]).
//!
//! **Reports.** [`format_exception`] prints CPython's report of an uncaught exception,
//! its chained sections and exception groups included, less the frame lines;
//! [`write_unraisable`] is `sys.unraisablehook`'s.
//!
//! Book: "Generation 1: generators", section "Exceptions".

mod class;
mod raise;
mod report;

pub mod builtins;

pub use builtins::*;
pub use class::{
    Class, ClassInfo, ExceptionData, ExceptionObject, Object, PyClass, PyException, object,
};
#[doc(hidden)]
pub use class::{Downcaster, downcaster};
pub use raise::{
    ExceptionExt, IntoCause, Raise, add_note, args, args_repr, cause, class_of, clone_exception,
    context, exception_name, exception_repr, matches, notes, raise, raised_while_handling,
    same_exception, set_context, suppress_context,
};
pub use report::{
    Unraisable, format_exception, format_exception_only, set_unraisable_hook, write_unraisable,
};

pub(crate) use builtins::os_error;
pub(crate) use raise::{context_cleared, context_mut, link_to_handled};
pub(crate) use report::write_unraisable_message;

/// A raised Python exception: any error type, boxed.
///
/// `anyhow::Error` is to Rust what a raised exception is to Python: anything can be
/// raised, and `is::<T>()` / `downcast_ref::<T>()` play the part of `except T`
/// (the exact class), [`ExceptionExt::isinstance`] of `except T` with subclasses. As a
/// class ([`PyClass`]), it is Python's `Exception`: `e.isinstance::<Exception>()`.
pub type Exception = anyhow::Error;

/// What a Python call returns: its value, or the exception it raised.
pub type PyResult<T> = Result<T, Exception>;

#[cfg(test)]
mod tests {
    use super::*;

    fn raised(e: impl Into<Exception>) -> Exception {
        e.into()
    }

    #[test]
    fn empty_message_prints_only_the_name() {
        assert_eq!(
            format_exception_only(&GeneratorExit::default().into()),
            "GeneratorExit"
        );
    }

    #[test]
    fn foreign_errors_have_python_names() {
        let io = std::io::Error::other("disk on fire");
        assert_eq!(format_exception_only(&io.into()), "OSError: disk on fire");
        let any = anyhow::anyhow!("plain");
        assert_eq!(format_exception_only(&any), "Exception: plain");
        let missing = std::io::Error::from_raw_os_error(2);
        assert_eq!(exception_name(&missing.into()), "FileNotFoundError");
    }

    #[test]
    fn except_catches_the_class_and_its_subclasses_along_the_mro() {
        let key = raised(KeyError::new("k"));
        assert!(key.isinstance::<KeyError>() && key.isinstance::<LookupError>());
        assert!(key.isinstance::<Exception>() && key.isinstance::<BaseException>());
        assert!(!key.isinstance::<IndexError>() && !key.isinstance::<ValueError>());
        assert!(key.isinstance::<(ValueError, LookupError)>());
        assert!(matches(&key, &[IndexError::CLASS, KeyError::CLASS]));
        let refused = raised(ConnectionRefusedError::default());
        assert!(refused.isinstance::<(ConnectionError, OSError)>());
        // asyncio.TimeoutError is the built-in TimeoutError since 3.11: an OSError.
        assert!(raised(TimeoutError::default()).isinstance::<OSError>());
        let group = raised(ExceptionGroup::new("g", vec![raised(ValueError::default())]).unwrap());
        assert!(group.isinstance::<BaseExceptionGroup>() && group.isinstance::<Exception>());
    }

    #[test]
    fn except_exception_lets_the_base_exceptions_through() {
        for e in [
            raised(GeneratorExit::default()),
            raised(KeyboardInterrupt::default()),
            raised(SystemExit::default()),
            raised(CancelledError::default()),
        ] {
            assert!(!e.isinstance::<Exception>(), "{}", exception_name(&e));
            assert!(e.isinstance::<BaseException>());
        }
    }

    // ANCHOR: own_class
    // class MyError(ValueError): pass
    crate::py_exception!(MyError(ValueError));
    // ANCHOR_END: own_class
    crate::py_exception!(Both(KeyError, AttributeError) in "mine");

    #[test]
    fn a_class_of_ones_own_is_one_line_and_caught_by_its_bases() {
        // ANCHOR: own_class_caught
        let e = raised(MyError::new("bad"));
        assert!(e.is::<MyError>() && e.isinstance::<ValueError>() && e.isinstance::<Exception>());
        assert_eq!(format_exception_only(&e), "MyError: bad");
        assert_eq!(exception_repr(&e), "MyError('bad')");
        // ANCHOR_END: own_class_caught
        let both = raised(Both::new("k"));
        assert!(both.isinstance::<LookupError>() && both.isinstance::<AttributeError>());
        assert_eq!(format_exception_only(&both), "mine.Both: 'k'"); // KeyError's str
        let mro: Vec<_> = Both::CLASS.mro().iter().map(|c| c.name()).collect();
        assert_eq!(
            mro,
            [
                "Both",
                "KeyError",
                "LookupError",
                "AttributeError",
                "Exception",
                "BaseException"
            ]
        );
    }

    #[test]
    fn str_and_repr_are_cpythons() {
        let cases: [(Exception, &str, &str); 9] = [
            (raised(ValueError::new("x")), "x", "ValueError('x')"),
            (raised(ValueError::default()), "", "ValueError()"),
            (
                raised(ValueError::with_args([Object::new("a"), Object::new(1)])),
                "('a', 1)",
                "ValueError('a', 1)",
            ),
            (raised(KeyError::new("k")), "'k'", "KeyError('k')"),
            (raised(KeyError::new(1)), "1", "KeyError(1)"),
            (
                OSError::from_errno(111, "Connection refused"),
                "[Errno 111] Connection refused",
                "ConnectionRefusedError(111, 'Connection refused')",
            ),
            (raised(OSError::new("plain")), "plain", "OSError('plain')"),
            (raised(StopIteration::new(3)), "3", "StopIteration(3)"),
            (
                raised(
                    ExceptionGroup::new(
                        "eg",
                        vec![raised(ValueError::new("a")), raised(KeyError::new("b"))],
                    )
                    .unwrap(),
                ),
                "eg (2 sub-exceptions)",
                "ExceptionGroup('eg', [ValueError('a'), KeyError('b')])",
            ),
        ];
        for (e, str, repr) in cases {
            assert_eq!(
                (e.to_string().as_str(), exception_repr(&e).as_str()),
                (str, repr)
            );
        }
        let cancelled = raised(CancelledError::default());
        assert_eq!(
            format_exception_only(&cancelled),
            "asyncio.exceptions.CancelledError"
        );
        assert_eq!(
            OSError::from_errno(2, "gone")
                .downcast_ref::<FileNotFoundError>()
                .and_then(FileNotFoundError::errno),
            Some(2)
        );
    }

    #[test]
    fn a_group_holds_exceptions_and_a_base_exception_makes_it_a_base_group() {
        let group = BaseExceptionGroup::new("g", vec![raised(ValueError::default())]).unwrap();
        assert!(
            group.is::<ExceptionGroup>(),
            "all Exceptions: an ExceptionGroup"
        );
        let base =
            BaseExceptionGroup::new("g", vec![raised(KeyboardInterrupt::default())]).unwrap();
        assert!(base.is::<BaseExceptionGroup>() && !base.isinstance::<Exception>());
        let nested = ExceptionGroup::new("g", vec![raised(KeyboardInterrupt::default())]);
        assert!(nested.unwrap_err().is::<TypeError>());
        assert!(
            ExceptionGroup::new("g", vec![])
                .unwrap_err()
                .is::<ValueError>()
        );
        assert_eq!(raised(base).to_string(), "g (1 sub-exception)");
    }

    #[test]
    fn raise_from_sets_cause_and_context_and_from_none_suppresses_the_context() {
        let e = RuntimeError::new("r").raise_from(raised(KeyError::new("k")));
        assert!(cause(&e).unwrap().is::<KeyError>() && context(&e).unwrap().is::<KeyError>());
        assert!(suppress_context(&e));
        assert!(same_exception(cause(&e).unwrap(), context(&e).unwrap()));

        let handled = raised(KeyError::new("k"));
        let e = ValueError::new("v").during(&handled).raise_from(None);
        assert!(cause(&e).is_none() && suppress_context(&e));
        assert!(same_exception(context(&e).unwrap(), &handled));
        assert_eq!(
            format_exception(&e),
            "Traceback (most recent call last):\nValueError: v\n"
        );
    }

    // python/rules/exceptions.py has its twin.
    #[test]
    fn a_note_is_printed_under_the_exception_line_and_travels_with_a_group_split() {
        // except OSError as e: e.add_note('while saving report.txt'); raise
        let mut e = raised(OSError::new("disk full"));
        add_note(&mut e, "while saving report.txt");
        assert_eq!(notes(&e), ["while saving report.txt"]);
        assert_eq!(
            format_exception_only(&e),
            "OSError: disk full\nwhile saving report.txt"
        );
        let mut group = raised(
            ExceptionGroup::new(
                "many",
                vec![raised(ValueError::new("v")), raised(KeyError::new("k"))],
            )
            .unwrap(),
        );
        add_note(&mut group, "in the batch");
        let (values, rest) = split(&group, |e| e.is::<ValueError>());
        let (values, rest) = (values.unwrap(), rest.unwrap());
        assert_eq!(
            (notes(&values), notes(&rest)),
            (
                &["in the batch".to_owned()][..],
                &["in the batch".to_owned()][..]
            )
        );
        assert_eq!(
            format_exception_only(&values),
            "ExceptionGroup: many (1 sub-exception)\nin the batch"
        );
    }

    #[test]
    fn raise_from_takes_an_exception_not_raised_yet_as_its_cause() {
        // raise RuntimeError('r') from ValueError('v')
        let e = RuntimeError::new("r").raise_from(ValueError::new("v"));
        assert!(cause(&e).unwrap().is::<ValueError>() && suppress_context(&e));
        assert_eq!(exception_repr(cause(&e).unwrap()), "ValueError('v')");
        // raise RuntimeError('r') from MyError('m'), a class of one's own
        crate::py_exception!(MyError(ValueError));
        let e = RuntimeError::new("r").raise_from(MyError::new("m"));
        assert!(cause(&e).unwrap().isinstance::<ValueError>());
        // ... from a class named at run time, from an OSError, from Some(e)
        let e = RuntimeError::new("r").raise_from(PyException::new("Odd", "o"));
        assert_eq!(exception_name(cause(&e).unwrap()), "Odd");
        let e = RuntimeError::new("r").raise_from(std::io::Error::from_raw_os_error(32));
        assert!(cause(&e).unwrap().is::<BrokenPipeError>());
        let e = RuntimeError::new("r").raise_from(Some(raised(KeyError::new("k"))));
        assert!(cause(&e).unwrap().is::<KeyError>());
    }

    #[test]
    fn a_copy_is_the_same_exception_with_its_links() {
        let e = ValueError::new("v").during(&raised(KeyError::new("k")));
        let copy = clone_exception(&e);
        assert!(same_exception(&copy, &e));
        assert!(context(&copy).unwrap().is::<KeyError>());
        assert!(!same_exception(&e, &raised(ValueError::new("v"))));
    }

    #[test]
    fn raising_the_exception_being_handled_makes_no_cycle() {
        // bpo-40696: `exc` raised while `exc` itself is handled gets no context...
        let exc = raised(KeyError::new("a"));
        let again = clone_exception(&exc).during(&exc);
        assert!(context(&again).is_none());
        // ...and one found deeper in the context chain is cut out of it.
        let outer = ValueError::new("v").during(&exc);
        let back = clone_exception(&exc).during(&outer);
        let context = context(&back).unwrap();
        assert!(context.is::<ValueError>() && super::context(context).is_none());
    }

    #[test]
    fn a_rust_error_is_chained_as_the_python_exception_it_stands_for() {
        let io = std::io::Error::from_raw_os_error(32);
        let e = RuntimeError::new("r").raise_from(raised(io));
        assert!(cause(&e).unwrap().is::<BrokenPipeError>());
        assert_eq!(cause(&e).unwrap().to_string(), "[Errno 32] Broken pipe");
    }
}
