# Generation 3: `asyncio.gather` and cancellation, as CPython 3.11 behaves, each next to a
# pycoro test in tests/native_loop.rs (same names). tests/cpython.rs runs this file:
# every assert is checked.
import asyncio


async def child(log, name):
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        log.append(f"{name} cancelled")
        raise
    return name


async def after(seconds, value):
    await asyncio.sleep(seconds)
    return value


async def fail_after(seconds):
    await asyncio.sleep(seconds)
    raise ValueError(f"failed at {seconds}")


# ANCHOR: gather_cancelled
async def cancelling_a_task_that_awaits_gather_cancels_the_tasks_gathered():
    log = []
    a = asyncio.ensure_future(child(log, "child 1"))
    b = asyncio.ensure_future(child(log, "child 2"))

    async def waiter():
        try:
            return await asyncio.gather(a, b)
        except asyncio.CancelledError:
            log.append("waiter cancelled")
            raise

    task = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        log.append("main sees cancelled")
    assert log == ["child 1 cancelled", "child 2 cancelled", "waiter cancelled",
                   "main sees cancelled"], log
# ANCHOR_END: gather_cancelled


async def gather_return_exceptions_gives_every_outcome_in_argument_order():
    tasks = [asyncio.ensure_future(after(2.0, "ok")),
             asyncio.ensure_future(fail_after(1.0)),
             asyncio.ensure_future(after(3.0, "cancelled"))]
    tasks[2].cancel()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert outcomes[0] == "ok"
    assert type(outcomes[1]) is ValueError and str(outcomes[1]) == "failed at 1.0"
    assert type(outcomes[2]) is asyncio.CancelledError


async def gather_return_exceptions_cancelled_cancels_the_tasks_and_raises_cancelled_error():
    log = []
    tasks = [asyncio.ensure_future(child(log, "child 1"))]

    async def waiter():
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        return len(outcomes)

    task = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    assert task.cancel()
    outcome, = await asyncio.gather(task, return_exceptions=True)
    assert type(outcome) is asyncio.CancelledError and task.cancelled()
    assert tasks[0].cancelled()
    assert log == ["child 1 cancelled"]


asyncio.run(cancelling_a_task_that_awaits_gather_cancels_the_tasks_gathered())
asyncio.run(gather_return_exceptions_gives_every_outcome_in_argument_order())
asyncio.run(gather_return_exceptions_cancelled_cancels_the_tasks_and_raises_cancelled_error())


# ANCHOR: gather_mixed
async def gather_of_different_result_types_gives_a_tuple_in_argument_order():
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def name():
        await asyncio.sleep(0.2)
        return 'Ada'

    async def age():
        await asyncio.sleep(0.1)
        return 36

    ready = loop.create_future()
    loop.call_later(0.1, ready.set_result, True)
    assert await asyncio.gather(name(), age(), ready) == ['Ada', 36, True]
    assert round(loop.time() - start, 1) == 0.2  # concurrently: the slowest decides
# ANCHOR_END: gather_mixed


asyncio.run(gather_of_different_result_types_gives_a_tuple_in_argument_order())


async def a_member_of_gather_that_fails_after_the_gather_is_not_reported_as_unretrieved():
    import gc
    seen = []
    asyncio.get_running_loop().set_exception_handler(lambda loop, context: seen.append(context['message']))

    async def fail_after(seconds, exc):
        await asyncio.sleep(seconds)
        raise exc

    try:
        await asyncio.gather(fail_after(0.01, ValueError('failed at 1')),
                             fail_after(0.02, RuntimeError('also failed')))
    except ValueError:
        pass
    await asyncio.sleep(0.03)  # the second member fails meanwhile, and goes
    gc.collect()
    assert seen == [], seen


asyncio.run(a_member_of_gather_that_fails_after_the_gather_is_not_reported_as_unretrieved())
