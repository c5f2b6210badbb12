# Generation 3: asyncio.timeout() and asyncio.shield(), as CPython 3.11 behaves, each next
# to a pycoro test in tests/native_loop.rs (same names). tests/cpython.rs runs this file:
# every assert is checked.
import asyncio


# ANCHOR: timeout_expires
async def a_timeout_cancels_the_block_and_raises_timeout_error_at_its_deadline():
    loop = asyncio.get_running_loop()
    start = loop.time()
    log = []
    cm = asyncio.timeout(0.1)
    try:
        async with cm:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                log.append('the block is cancelled')
                raise
    except TimeoutError:
        log.append('TimeoutError at %.1f' % (loop.time() - start))
    else:
        raise AssertionError('no TimeoutError')
    assert log == ['the block is cancelled', 'TimeoutError at 0.1'], log
    assert cm.expired()
    assert repr(cm) == '<Timeout [expired]>', repr(cm)
# ANCHOR_END: timeout_expires


async def a_block_that_ends_in_time_gives_its_value_and_the_timeout_has_not_expired():
    async with asyncio.timeout(0.5) as cm:
        await asyncio.sleep(0.1)
    assert not cm.expired()
    assert repr(cm) == '<Timeout [finished]>'


async def reschedule_moves_the_deadline_from_inside_the_block():
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        async with asyncio.timeout(0.1) as cm:
            cm.reschedule(loop.time() + 0.3)
            await asyncio.sleep(10)
    except TimeoutError:
        assert round(loop.time() - start, 1) == 0.3
    else:
        raise AssertionError('no TimeoutError')


async def a_timeout_without_a_deadline_never_expires():
    cm = asyncio.timeout_at(None)
    assert repr(cm) == '<Timeout [created]>'
    async with cm:
        assert repr(cm) == '<Timeout [active] when=None>', repr(cm)
        await asyncio.sleep(0.1)
    assert cm.when() is None and not cm.expired()
    try:
        cm.reschedule(1)
    except RuntimeError as e:
        assert str(e) == 'Cannot change state of finished Timeout', str(e)
    else:
        raise AssertionError('no RuntimeError')


async def a_cancellation_from_outside_the_block_stays_a_cancellation():
    async def guarded():
        async with asyncio.timeout(10):
            await asyncio.sleep(0.5)

    task = asyncio.create_task(guarded())
    await asyncio.sleep(0.1)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    else:
        raise AssertionError('the task was not cancelled')


async def timeout_error_is_raised_from_the_cancelled_error():
    # `raise TimeoutError from exc_val` in timeout()'s __aexit__, and
    # `raise TimeoutError() from exc` in wait_for: the CancelledError is both the cause
    # and the context (timeout()'s as in CPython 3.11.7: 3.11.2 set the context only).
    async def stuck():
        await asyncio.sleep(10)

    errors = []
    try:
        async with asyncio.timeout(0.1):
            await stuck()
    except TimeoutError as e:
        errors.append(e)
    try:
        await asyncio.wait_for(stuck(), 0.1)
    except TimeoutError as e:
        errors.append(e)
    assert len(errors) == 2, errors
    for e in errors:
        assert type(e.__cause__) is asyncio.CancelledError, repr(e.__cause__)
        assert e.__context__ is e.__cause__


# ANCHOR: shield
async def shield_keeps_a_cancellation_of_the_waiter_from_the_task():
    log = []

    async def precious():
        await asyncio.sleep(0.2)
        log.append('precious work done')
        return 'saved'

    inner = asyncio.create_task(precious())

    async def waiter():
        await asyncio.shield(inner)

    outer = asyncio.create_task(waiter())
    await asyncio.sleep(0.1)
    outer.cancel()
    try:
        await outer
    except asyncio.CancelledError:
        log.append('the waiter is cancelled')
    else:
        raise AssertionError('the waiter was not cancelled')
    assert await inner == 'saved'
    assert log == ['the waiter is cancelled', 'precious work done'], log
# ANCHOR_END: shield


async def as_completed_raises_timeout_error_for_every_result_not_in_by_its_timeout():
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def after(seconds, value):
        await asyncio.sleep(seconds)
        return value

    fast = asyncio.create_task(after(0.1, 'fast'))
    slow = asyncio.create_task(after(0.3, 'slow'))
    outcomes = []
    for next_done in asyncio.as_completed([slow, fast], timeout=0.2):
        try:
            outcomes.append('%s at %.1f' % (await next_done, loop.time() - start))
        except TimeoutError:
            outcomes.append('TimeoutError at %.1f' % (loop.time() - start))
    outcomes.append('the slow task goes on: %s' % await slow)
    assert outcomes == ['fast at 0.1', 'TimeoutError at 0.2', 'the slow task goes on: slow'], outcomes


asyncio.run(a_timeout_cancels_the_block_and_raises_timeout_error_at_its_deadline())
asyncio.run(a_block_that_ends_in_time_gives_its_value_and_the_timeout_has_not_expired())
asyncio.run(reschedule_moves_the_deadline_from_inside_the_block())
asyncio.run(a_timeout_without_a_deadline_never_expires())
asyncio.run(a_cancellation_from_outside_the_block_stays_a_cancellation())
asyncio.run(timeout_error_is_raised_from_the_cancelled_error())
asyncio.run(shield_keeps_a_cancellation_of_the_waiter_from_the_task())
asyncio.run(as_completed_raises_timeout_error_for_every_result_not_in_by_its_timeout())


async def wait_for_without_a_timeout_runs_a_coroutine_in_place():
    async def inner():
        return asyncio.current_task()

    assert await asyncio.wait_for(inner(), None) is asyncio.current_task()
    task = asyncio.create_task(inner())
    assert await asyncio.wait_for(task, None) is task


asyncio.run(wait_for_without_a_timeout_runs_a_coroutine_in_place())
