//! `with`, `async with` and `contextlib`: the rules the book shows, each beside its CPython
//! twin in `python/rules/context_managers.py` (same names), which `tests/cpython.rs` runs.
#![feature(coroutines)]

use std::cell::RefCell;
use std::rc::Rc;

use pycoro::contextlib::{
    ContextManager, ExitStack, GeneratorContextManager, async_with, asynccontextmanager,
    contextmanager, suppress, with,
};
use pycoro::exceptions::{
    Exception, KeyError, LookupError, PyException, PyResult, RuntimeError, TypeError, ValueError,
    context, exception_name, exception_repr, set_context,
};
use pycoro::prelude::native::{AsyncGenerator, Clock, get_running_loop, run_with_clock, sleep};
use pycoro::{generators::Generator, yield_};

type Log = Rc<RefCell<Vec<String>>>;

fn push(log: &Log, line: impl Into<String>) {
    log.borrow_mut().push(line.into());
}

// ANCHOR: exit
/// `class Logged:` with `__enter__` giving `'target'` and an `__exit__` that logs what it
/// is told and suppresses, or not.
struct Logged {
    log: Log,
    suppress: bool,
}

impl ContextManager for Logged {
    type Target = &'static str;

    fn enter(&mut self) -> PyResult<&'static str> {
        push(&self.log, "enter");
        Ok("target")
    }

    fn exit(&mut self, exc: Option<Exception>) -> PyResult<()> {
        let told = exc.as_ref().map_or("None".to_owned(), exception_repr);
        push(&self.log, format!("exit {told}"));
        match exc {
            Some(e) if !self.suppress => Err(e), // return False: raised again
            _ => Ok(()),                         // return True: suppressed
        }
    }
}

#[test]
fn exit_runs_on_every_way_out_and_may_suppress() -> PyResult<()> {
    let log = Log::default();
    let logged = |suppress| Logged {
        log: log.clone(),
        suppress,
    };
    with(logged(false), |target| {
        push(&log, format!("body with {target}"));
        Ok(())
    })?;
    with(logged(true), |_| {
        Err::<(), _>(ValueError::new("suppressed").into())
    })?;
    if let Err(e) = with(logged(false), |_| {
        Err::<(), _>(ValueError::new("raised again").into())
    }) {
        push(&log, format!("caught {}", exception_repr(&e)));
    }
    assert_eq!(
        *log.borrow(),
        [
            "enter",
            "body with target",
            "exit None",
            "enter",
            "exit ValueError('suppressed')",
            "enter",
            "exit ValueError('raised again')",
            "caught ValueError('raised again')",
        ]
    );
    Ok(())
}
// ANCHOR_END: exit

// ANCHOR: exit_raises
/// `class Release:` whose `__exit__` raises `RuntimeError('cannot release')`.
struct Release;

impl ContextManager for Release {
    type Target = ();

    fn enter(&mut self) -> PyResult<()> {
        Ok(())
    }

    fn exit(&mut self, _: Option<Exception>) -> PyResult<()> {
        Err(RuntimeError::new("cannot release").into())
    }
}

#[test]
fn what_an_exit_raises_has_the_body_exception_as_its_context() -> PyResult<()> {
    // @contextmanager
    // def translating():
    //     try:
    //         yield
    //     except KeyError:
    //         raise LookupError('translated')
    let translating = || {
        contextmanager(Generator::new(
            #[coroutine]
            |_| match yield_!() {
                Err(e) if e.is::<KeyError>() => Err(LookupError::new("translated").into()),
                other => other.map(drop),
            },
        ))
    };
    // @contextmanager
    // def quiet():
    //     try:
    //         yield
    //     except KeyError:
    //         exc = LookupError('quiet')
    //         try:
    //             raise exc
    //         finally:
    //             exc.__context__ = None
    let quiet = || {
        contextmanager(Generator::new(
            #[coroutine]
            |_| match yield_!() {
                Err(e) if e.is::<KeyError>() => {
                    let mut exc: Exception = LookupError::new("quiet").into();
                    set_context(&mut exc, None);
                    Err(exc)
                }
                other => other.map(drop),
            },
        ))
    };
    let context_of = |raised: PyResult<Option<()>>| {
        let e = raised.expect_err("the with raises");
        context(&e).map(exception_repr)
    };
    let failed = with(Release, |()| Err(ValueError::new("work failed").into()));
    assert_eq!(
        context_of(failed).as_deref(),
        Some("ValueError('work failed')")
    );
    let nothing_handled = with(Release, |()| Ok(()));
    assert_eq!(context_of(nothing_handled), None);
    let translated = with(translating(), |()| Err(KeyError::new("k").into()));
    assert_eq!(context_of(translated).as_deref(), Some("KeyError('k')"));
    let kept_none = with(quiet(), |()| Err(KeyError::new("k").into()));
    assert_eq!(context_of(kept_none), None); // set so by hand: kept
    Ok(())
}

#[test]
fn exit_stack_links_what_each_exit_raises_to_the_exception_it_replaced() -> PyResult<()> {
    // def raising(message):
    //     def exit(typ, value, tb):
    //         raise RuntimeError(message)
    //     return exit
    let raising = |message: &'static str| {
        move |_: Option<Exception>| -> PyResult<()> { Err(RuntimeError::new(message).into()) }
    };
    let raised = with(ExitStack::new(), |stack| {
        stack.push(raising("outer"));
        stack.push(raising("inner"));
        Err::<(), _>(ValueError::new("body").into())
    });
    let mut chain = Vec::new();
    let mut at = raised.as_ref().err();
    while let Some(e) = at {
        chain.push(exception_repr(e));
        at = context(e);
    }
    assert_eq!(
        chain,
        [
            "RuntimeError('outer')",
            "RuntimeError('inner')",
            "ValueError('body')"
        ]
    );
    Ok(())
}
// ANCHOR_END: exit_raises

// ANCHOR: contextmanager
#[test]
fn contextmanager_throws_the_exception_in_at_its_yield() -> PyResult<()> {
    let log = Log::default();
    // @contextmanager
    // def catching(kind):
    //     try:
    //         yield
    //     except kind as e:
    //         log.append('caught %r' % e)
    let catching = |kind: fn(&Exception) -> bool| -> GeneratorContextManager<()> {
        let log = log.clone();
        contextmanager(Generator::new(
            #[coroutine]
            move |_| {
                match yield_!() {
                    Err(e) if kind(&e) => push(&log, format!("caught {}", exception_repr(&e))),
                    other => {
                        other?;
                    }
                }
                Ok(())
            },
        ))
    };
    let value_error: fn(&Exception) -> bool = |e| e.is::<ValueError>();
    let key_error: fn(&Exception) -> bool = |e| exception_name(e) == "KeyError";
    with(catching(value_error), |()| {
        Err::<(), _>(ValueError::new("x").into()) // caught at the yield: the with goes on
    })?;
    if let Err(e) = with(catching(key_error), |()| {
        Err::<(), _>(ValueError::new("y").into())
    }) {
        push(&log, format!("raised again {}", exception_repr(&e)));
    }
    assert_eq!(
        *log.borrow(),
        ["caught ValueError('x')", "raised again ValueError('y')"]
    );
    Ok(())
}
// ANCHOR_END: contextmanager

// ANCHOR: exit_stack
#[test]
fn exit_stack_runs_its_callbacks_last_first_each_told_the_exception_left() -> PyResult<()> {
    let log = Log::default();
    let (l1, l2, l3, l4) = (log.clone(), log.clone(), log.clone(), log.clone());
    with(ExitStack::new(), |stack| {
        stack.callback(move || {
            push(&l1, "callback: first pushed, last run");
            Ok(())
        });
        stack.push(move |exc| {
            push(
                &l2,
                format!("swallow: got {}", exception_repr(exc.as_ref().unwrap())),
            );
            Ok(()) // return True
        });
        stack.push(move |exc| {
            push(
                &l3,
                format!("look: got {}", exception_repr(exc.as_ref().unwrap())),
            );
            exc.map_or(Ok(()), Err) // return None
        });
        stack.push(move |exc| {
            push(
                &l4,
                format!("replace: got {}", exception_repr(exc.as_ref().unwrap())),
            );
            Err(PyException::new("KeyError", "replacement").into()) // raise KeyError(..)
        });
        Err::<(), _>(ValueError::new("body").into())
    })?;
    assert_eq!(
        *log.borrow(),
        [
            "replace: got ValueError('body')",
            "look: got KeyError('replacement')",
            "swallow: got KeyError('replacement')",
            "callback: first pushed, last run",
        ]
    );
    Ok(())
}
// ANCHOR_END: exit_stack

// ANCHOR: pop_all
#[test]
fn exit_stack_pop_all_moves_the_callbacks_to_a_new_stack() -> PyResult<()> {
    let log = Log::default();
    let closed = log.clone();
    let kept = with(ExitStack::new(), |stack| {
        stack.callback(move || {
            push(&closed, "closed");
            Ok(())
        });
        Ok(stack.pop_all())
    })?
    .expect("the body ended");
    assert!(log.borrow().is_empty());
    kept.close()?;
    assert_eq!(*log.borrow(), ["closed"]);
    Ok(())
}
// ANCHOR_END: pop_all

// ANCHOR: suppress
#[test]
fn suppress_suppresses_only_what_it_is_told() -> PyResult<()> {
    let value_error = |e: &Exception| e.is::<ValueError>();
    with(suppress(value_error), |()| {
        Err::<(), _>(ValueError::default().into())
    })?;
    let e = with(suppress(value_error), |()| {
        Err::<(), _>(TypeError::new("not this one").into())
    })
    .unwrap_err();
    assert_eq!(e.to_string(), "not this one");
    Ok(())
}
// ANCHOR_END: suppress

// ANCHOR: asynccontextmanager
#[test]
fn asynccontextmanager_awaits_in_its_clean_up() -> PyResult<()> {
    run_with_clock(
        async {
            let start = get_running_loop()?.time();
            let log = Log::default();
            let clean_up = log.clone();
            // @asynccontextmanager
            // async def connection():
            //     log.append('open')
            //     try:
            //         yield 'conn'
            //     finally:
            //         await asyncio.sleep(0.5)
            //         log.append('closed at %.1f' % (loop.time() - start))
            let connection = asynccontextmanager(AsyncGenerator::new(async move |co| {
                push(&clean_up, "open");
                let body = co.yield_("conn").await;
                sleep(0.5).await?;
                let at = get_running_loop()?.time() - start;
                push(&clean_up, format!("closed at {at:.1}"));
                body.map(drop)
            }));
            let used = async_with(connection, async |conn| {
                push(&log, format!("using {conn}"));
                Err::<(), _>(ValueError::new("failed").into())
            })
            .await;
            if matches!(&used, Err(e) if e.is::<ValueError>()) {
                push(&log, "caught");
            }
            assert_eq!(
                *log.borrow(),
                ["open", "using conn", "closed at 0.5", "caught"]
            );
            Ok(())
        },
        Clock::new_virtual(),
    )
}
// ANCHOR_END: asynccontextmanager
