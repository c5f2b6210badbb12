# Generation 3: what `task.cancel()` does to a task that awaits another task, as CPython
# 3.11 behaves, each next to a pycoro test in tests/native_loop.rs (same names). The book
# shows them; tests/cpython.rs runs this file: every assert is checked.
import asyncio


# ANCHOR: passed_on
async def cancelling_a_task_cancels_the_task_it_awaits():
    log = []

    async def inner():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            log.append('inner cleans up')
            raise

    async def outer(task):
        await task

    inner_task = asyncio.create_task(inner())
    outer_task = asyncio.create_task(outer(inner_task))
    await asyncio.sleep(0)
    outer_task.cancel()
    try:
        await outer_task
    except asyncio.CancelledError:
        log.append('outer cancelled')
    assert log == ['inner cleans up', 'outer cancelled']
    assert inner_task.cancelled()
# ANCHOR_END: passed_on


# ANCHOR: swallowed
async def a_task_that_swallows_the_cancellation_gives_its_result_to_its_waiter():
    async def inner():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            return 5

    async def outer(task):
        return await task

    inner_task = asyncio.create_task(inner())
    outer_task = asyncio.create_task(outer(inner_task))
    await asyncio.sleep(0)
    assert outer_task.cancel()
    assert await outer_task == 5
    assert not outer_task.cancelled() and not inner_task.cancelled()
# ANCHOR_END: swallowed


asyncio.run(cancelling_a_task_cancels_the_task_it_awaits())
asyncio.run(a_task_that_swallows_the_cancellation_gives_its_result_to_its_waiter())
