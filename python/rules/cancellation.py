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


# ANCHOR: finally_awaits
async def a_finally_that_awaits_runs_when_the_task_is_cancelled():
    log = []
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def worker():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            log.append('cancelled')
            raise
        finally:
            await asyncio.sleep(0.1)
            log.append('cleaned up at %.1f' % (loop.time() - start))

    task = asyncio.create_task(worker())
    await asyncio.sleep(0.1)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        log.append('the task ended cancelled')
    else:
        raise AssertionError('the task was not cancelled')
    assert log == ['cancelled', 'cleaned up at 0.2', 'the task ended cancelled'], log
# ANCHOR_END: finally_awaits


asyncio.run(cancelling_a_task_cancels_the_task_it_awaits())
asyncio.run(a_task_that_swallows_the_cancellation_gives_its_result_to_its_waiter())


# ANCHOR: before_first_step
async def a_task_cancelled_before_its_first_step_never_runs_its_body():
    log = []

    async def body():
        log.append('body ran')
        return 1

    task = asyncio.create_task(body())
    assert task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        log.append('cancelled')
    else:
        raise AssertionError('the task was not cancelled')
    assert log == ['cancelled']
    assert task.cancelled()
# ANCHOR_END: before_first_step


# ANCHOR: returns_while_cancelled
async def a_task_that_returns_while_a_cancel_is_pending_ends_cancelled():
    log = []

    async def cancels_itself_then_returns():
        asyncio.current_task().cancel()
        log.append('returns')
        return 2

    async def cancels_itself_then_raises():
        asyncio.current_task().cancel()
        raise ValueError('raised')

    returned = asyncio.create_task(cancels_itself_then_returns())
    try:
        await returned
    except asyncio.CancelledError:
        log.append('cancelled')
    else:
        raise AssertionError('the task was not cancelled')
    raised = asyncio.create_task(cancels_itself_then_raises())
    try:
        await raised
    except ValueError:
        log.append('its exception wins')
    else:
        raise AssertionError('no ValueError')
    assert log == ['returns', 'cancelled', 'its exception wins']
    assert returned.cancelled() and not raised.cancelled()
# ANCHOR_END: returns_while_cancelled


# ANCHOR: cancelling
async def cancelling_counts_the_requests_and_uncancel_takes_one_back():
    task = asyncio.create_task(asyncio.sleep(10))
    await asyncio.sleep(0)
    assert task.cancelling() == 0
    task.cancel()
    task.cancel()
    assert task.cancelling() == 2
    assert task.uncancel() == 1
    assert task.cancelling() == 1
    try:
        await task
    except asyncio.CancelledError:
        pass
    else:
        raise AssertionError('the task was not cancelled')
    assert not task.cancel()  # done: no request is counted
    assert task.cancelling() == 1
# ANCHOR_END: cancelling


# ANCHOR: wait_for_waits
async def wait_for_cancels_the_inner_task_and_waits_for_it_before_timeout_error():
    log = []
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def slow():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            log.append('inner cleans up')
            await asyncio.sleep(1)
            log.append('inner cleaned up')
            raise

    try:
        await asyncio.wait_for(slow(), 2)
    except asyncio.TimeoutError:
        log.append('timeout at %g' % round(loop.time() - start))
    else:
        raise AssertionError('no TimeoutError')
    assert log == ['inner cleans up', 'inner cleaned up', 'timeout at 3'], log
# ANCHOR_END: wait_for_waits


# ANCHOR: wait_for_swallowed
async def wait_for_returns_the_value_of_an_inner_task_that_swallows_the_cancellation():
    async def stubborn():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            return 'kept going'

    assert await asyncio.wait_for(stubborn(), 1) == 'kept going'
# ANCHOR_END: wait_for_swallowed


# ANCHOR: wait_for_outer_cancelled
async def cancelling_the_task_that_awaits_wait_for_cancels_the_inner_task():
    log = []

    async def inner():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            log.append('inner cancelled')
            raise

    async def outer():
        await asyncio.wait_for(inner(), 5)

    task = asyncio.create_task(outer())
    await asyncio.sleep(1)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        log.append('outer cancelled')
    else:
        raise AssertionError('the outer task was not cancelled')
    assert log == ['inner cancelled', 'outer cancelled'], log
# ANCHOR_END: wait_for_outer_cancelled


async def a_message_cancelling_wait_for_reaches_the_inner_task_only_without_a_timeout():
    # With a timeout, wait_for waits on a future of its own: the message cancels that,
    # and the inner task is cancelled after, without it. With none it awaits the task
    # itself, which the cancellation reaches as it is.
    seen = []

    async def inner():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError as e:
            seen.append('inner: %r' % e)
            raise

    for timeout in (5, None):
        inner_task = asyncio.create_task(inner())
        outer = asyncio.create_task(asyncio.wait_for(inner_task, timeout))
        await asyncio.sleep(1)
        outer.cancel('stop')
        try:
            await outer
        except asyncio.CancelledError as e:
            seen.append('outer: %r' % e)
        else:
            raise AssertionError('the outer task was not cancelled')
        assert inner_task.cancelled()
    assert seen == ["inner: CancelledError()", "outer: CancelledError('stop')",
                    "inner: CancelledError('stop')", "outer: CancelledError('stop')"], seen


# ANCHOR: cancel_message
async def cancel_with_a_message_reaches_the_coroutine_and_whoever_awaits_the_task():
    async def sleeper():
        await asyncio.sleep(10)

    seen = []
    sleeping = asyncio.create_task(sleeper())
    unstarted = asyncio.create_task(sleeper())
    await asyncio.sleep(0)
    sleeping.cancel('shutting down')
    unstarted.cancel('never ran')
    for task in (sleeping, unstarted):
        try:
            await task
        except asyncio.CancelledError as e:
            seen.append(repr(e))
    # The first to ask gets the coroutine's own exception; after that, a new one that
    # has no message, as the task's `Future.cancel()` was given none.
    try:
        sleeping.result()
    except asyncio.CancelledError as e:
        seen.append(repr(e))
    # gather(return_exceptions=True) lists a new one, '' for no message.
    again = asyncio.create_task(sleeper())
    await asyncio.sleep(0)
    again.cancel('bye')
    seen.append(repr(await asyncio.gather(again, return_exceptions=True)))
    # A future cancelled with a message: its waiter gets the message.
    future = asyncio.get_running_loop().create_future()

    async def waits():
        await future

    waiter = asyncio.create_task(waits())
    await asyncio.sleep(0)
    future.cancel('no result')
    try:
        await waiter
    except asyncio.CancelledError as e:
        seen.append(repr(e))
    assert seen == ["CancelledError('shutting down')", "CancelledError('never ran')",
                    'CancelledError()', "[CancelledError('')]",
                    "CancelledError('no result')"], seen
# ANCHOR_END: cancel_message


asyncio.run(a_task_cancelled_before_its_first_step_never_runs_its_body())
asyncio.run(a_task_that_returns_while_a_cancel_is_pending_ends_cancelled())
asyncio.run(cancelling_counts_the_requests_and_uncancel_takes_one_back())
asyncio.run(wait_for_cancels_the_inner_task_and_waits_for_it_before_timeout_error())
asyncio.run(wait_for_returns_the_value_of_an_inner_task_that_swallows_the_cancellation())
asyncio.run(cancelling_the_task_that_awaits_wait_for_cancels_the_inner_task())
asyncio.run(a_message_cancelling_wait_for_reaches_the_inner_task_only_without_a_timeout())
asyncio.run(a_finally_that_awaits_runs_when_the_task_is_cancelled())
asyncio.run(cancel_with_a_message_reaches_the_coroutine_and_whoever_awaits_the_task())


async def a_task_that_cancels_itself_raises_at_its_next_step_after_the_tasks_ready():
    async def other(log):
        log.append('other ran')

    lock = asyncio.Lock()
    await lock.acquire()
    for wait in (lambda: asyncio.sleep(0), lambda: asyncio.sleep(1), lock.acquire):
        log = []
        task = asyncio.create_task(other(log))
        asyncio.current_task().cancel()
        try:
            await wait()
        except asyncio.CancelledError:
            log.append('cancelled')
        asyncio.current_task().uncancel()
        assert log == ['other ran', 'cancelled'], log
        await task


async def awaiting_a_done_future_does_not_yield_so_a_pending_cancel_waits_for_the_next_suspension():
    log = []
    future = asyncio.get_running_loop().create_future()
    future.set_result(1)

    async def two():
        return 2

    finished = asyncio.create_task(two())
    await asyncio.sleep(0)
    asyncio.current_task().cancel()
    log.append(str(await future))
    log.append(str(await finished))
    try:
        await asyncio.sleep(0)
    except asyncio.CancelledError:
        log.append('cancelled at the next suspension')
    asyncio.current_task().uncancel()
    assert log == ['1', '2', 'cancelled at the next suspension'], log


asyncio.run(a_task_that_cancels_itself_raises_at_its_next_step_after_the_tasks_ready())
asyncio.run(awaiting_a_done_future_does_not_yield_so_a_pending_cancel_waits_for_the_next_suspension())
