//! The cheat sheet's Generation 3 rows, each through `use pycoro::prelude::native::*;`
//! alone: a name the cheat sheet gives that the prelude lacks fails to compile here, and
//! [`every_name_the_cheat_sheet_gives_for_generation_3_is_used_here`] fails when a row
//! names something this file does not use, so the prelude and the cheat sheet cannot
//! drift apart.

use pycoro::prelude::native::*;

// async def work(x): await asyncio.sleep(1); return x * 2
async fn work(x: i32) -> PyResult<i32> {
    sleep(1.0).await?;
    Ok(x * 2)
}

async fn fails() -> PyResult<i32> {
    sleep(0.5).await?;
    Err(ValueError::new("x").into())
}

#[test]
fn tasks_gather_wait_and_as_completed() -> PyResult<()> {
    let (out, printed) = Out::capture();
    let got = run_with_clock(
        async move {
            let task = create_task(work(1))?;
            let one = task.await?;
            let tasks = vec![create_task(work(2))?, create_task(work(3))?];
            let all = gather(tasks).await?;
            let outcomes =
                gather_return_exceptions([create_task(work(4))?, create_task(fails())?]).await?;
            pyprint!(out, "{}", outcomes.py_repr()); // print(outcomes)
            let (done, pending) =
                wait(vec![create_task(work(5))?], None, ReturnWhen::AllCompleted).await?;
            let mut completed = Vec::new();
            for f in as_completed([create_task(work(6))?], Some(5.0))? {
                completed.push(f.await?);
            }
            let waited = wait_for(create_task(work(7))?, 2.0).await?;
            // await asyncio.gather(gather(a, b), c), of different types
            let ((a, b), c) = gather!(gather!(work(8), async { Ok("b") }), work(9)).await?;
            Ok((
                one,
                all,
                (done.len(), pending.len()),
                completed,
                waited,
                (a, b, c),
            ))
        },
        Clock::new_virtual(),
    )?;
    assert_eq!(got, (2, vec![4, 6], (1, 0), vec![12], 14, (16, "b", 18)));
    assert_eq!(printed.text(), "[8, ValueError('x')]\n");
    Ok(())
}

#[test]
fn cancellation_timeouts_task_groups_and_shield() -> PyResult<()> {
    let got = run_with_clock(
        async {
            // task.cancel(); except asyncio.CancelledError:
            let task = create_task(work(1))?;
            sleep(0.0).await?;
            task.cancel();
            let cancelled = matches!(task.await, Err(e) if e.is::<CancelledError>());
            let other = create_task(work(1))?;
            other.cancel();
            let counts = (other.cancelling(), other.uncancel());
            let _ = other.await;

            // async with asyncio.timeout(1) as cm: await asyncio.sleep(2)
            let cm: Timeout = timeout(Some(1.0))?;
            let timed_out = matches!(cm.run(sleep(2.0)).await, Err(e) if e.is::<TimeoutError>());
            let expired = cm.expired();
            let lp = get_running_loop()?;
            let cm = timeout_at(Some(lp.time() + 1.0));
            let rescheduled = cm
                .run(async {
                    cm.reschedule(Some(lp.time() + 3.0))?;
                    work(10).await
                })
                .await?;

            // async with asyncio.TaskGroup() as tg: tg.create_task(work(11))
            let tg = TaskGroup::new();
            let child = tg.run(async { tg.create_task(work(11)) }).await?;
            let from_group = child.result()?;

            // await asyncio.shield(task); await asyncio.sleep(1, result='x')
            let task = create_task(work(12))?;
            let shielded = shield(&task)?.await?;
            let slept = sleep_with_result(1.0, "x").await?;
            let threaded = to_thread(|| Ok(13)).await?;
            let tasks = all_tasks()?.len();
            let current = current_task().is_some();
            Ok((
                cancelled,
                counts,
                (timed_out, expired),
                rescheduled,
                from_group,
                (shielded, slept, threaded),
                (tasks, current),
            ))
        },
        Clock::new_virtual(),
    )?;
    assert_eq!(
        got,
        (true, (1, 0), (true, true), 20, 22, (24, "x", 13), (1, true))
    );
    Ok(())
}

#[test]
fn the_loop_its_handler_and_its_thread() -> PyResult<()> {
    // loop.set_exception_handler(h); loop.call_exception_handler(context)
    let lp = EventLoop::new(Clock::new_virtual());
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let log = seen.clone();
    lp.set_exception_handler(Some(std::rc::Rc::new(
        move |_: &EventLoop, context: &ExceptionContext| {
            log.borrow_mut().push(context.message.clone());
        },
    )));
    lp.call_exception_handler(ExceptionContext {
        message: "m".to_owned(),
        exception: None,
        future: None,
        task: None,
    });
    assert_eq!(*seen.borrow(), ["m"]);

    // try: loop.run_until_complete(main()) except KeyboardInterrupt:
    let main = lp.create_native_task(async {
        sleep(1.0).await?;
        Err::<(), _>(KeyboardInterrupt::default().into())
    })?;
    let interrupted = lp.run_until_complete(main);
    assert!(matches!(interrupted, Err(e) if e.is::<KeyboardInterrupt>()));

    // loop.call_soon(loop.stop); loop.run_forever(); loop.close()
    let stopping = lp.clone();
    lp.call_soon(move || stopping.stop())?;
    lp.run_forever()?;
    lp.close()?;

    // async for n in ticker(3, 0.5):
    let ticks = run_with_clock(
        async {
            let mut seen = Vec::new();
            let mut stream = std::pin::pin!(ticker(3, 0.5));
            while let Some(n) = stream.next().await {
                seen.push(n?);
            }
            // async with lock:
            let lock = Lock::new();
            async_with(&lock, async |()| Ok(())).await?;
            Ok(seen)
        },
        Clock::new_virtual(),
    )?;
    assert_eq!(ticks, [0, 1, 2]);

    // asyncio.run(main())
    assert_eq!(run(async { Ok(1) })?, 1);

    // Thread(target=loop.run_forever).start(); run_coroutine_threadsafe(coro, loop)
    let loop_thread = LoopThread::start(Clock::real());
    loop_thread.call_soon_threadsafe(|| ())?;
    let answer = run_coroutine_threadsafe(|| async { Ok(42) }, &loop_thread);
    assert_eq!(answer.result()?, 42);
    loop_thread.stop();
    loop_thread.join()?;
    Ok(())
}

/// The names the cheat sheet's Generation 3 table gives in its pycoro column: each
/// called (`name(`), a macro (`name!`), a type (`Name::`, `Name {`, `Name<`) or a class
/// (`is::<Name>`), less Rust's own and the reader's.
fn cheat_sheet_names() -> Vec<String> {
    let sheet = include_str!("../book/src/cheat-sheet.md");
    let start = sheet
        .find("## `async`/`await` (Generation 3)")
        .expect("the Generation 3 table");
    let table = &sheet[start..];
    let end = table[3..].find("\n## ").map_or(table.len(), |i| i + 3);
    let mut names = Vec::new();
    for row in table[..end].lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let Some(pycoro) = cells.get(1) else { continue };
        for (i, code) in pycoro.split('`').enumerate() {
            if i % 2 == 1 {
                names.extend(names_in(code));
            }
        }
    }
    let ours = [
        "Some", "None", "Ok", "Err", "Rc", "fn", "async", "if", "for", "in", "let", "main", "T",
    ];
    names.retain(|n| !ours.contains(&n.as_str()) && n != "pycoro");
    names.sort();
    names.dedup();
    names
}

/// The names `code` calls, invokes or names as a type.
fn names_in(code: &str) -> Vec<String> {
    let bytes = code.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !ident(bytes[i]) || bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && ident(bytes[i]) {
            i += 1;
        }
        let before = code[..start].trim_end().bytes().last();
        let after = code[i..].trim_start();
        let named = before == Some(b'<')
            || after.starts_with('(')
            || after.starts_with('!')
            || after.starts_with("::")
            || after.starts_with('{')
            || (after.starts_with('<') && bytes[start].is_ascii_uppercase());
        if named && !matches!(before, Some(b'.' | b':')) {
            found.push(code[start..i].to_owned());
        }
    }
    found
}

#[test]
fn every_name_the_cheat_sheet_gives_for_generation_3_is_used_here() {
    let file = include_str!("prelude_native.rs");
    let uses = &file[..file.find("/// The names the cheat sheet's").unwrap()];
    let this: String = uses
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let names = cheat_sheet_names();
    assert!(names.contains(&"TaskGroup".to_owned()) && names.contains(&"gather".to_owned()));
    let missing: Vec<&String> = names
        .iter()
        .filter(|name| {
            !this
                .match_indices(name.as_str())
                .any(|(at, _)| is_word(&this, at, name.len()))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "the cheat sheet names {missing:?}: use them here, through the prelude"
    );
}

fn is_word(text: &str, at: usize, len: usize) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    !text[..at].chars().next_back().is_some_and(ident)
        && !text[at + len..].chars().next().is_some_and(ident)
}
