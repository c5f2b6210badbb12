# Async generators (PEP 525) as CPython 3.11 behaves, each next to a pycoro test in
# tests/async_generators.rs (same names). tests/cpython.rs runs this file: every assert
# is checked.
import asyncio
import contextlib
import gc
import sys


@contextlib.contextmanager
def unraisable_reports():
    """What sys.unraisablehook is given meanwhile, as 'Class: message' lines."""
    reports = []
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: reports.append(f'{type(u.exc_value).__name__}: {u.exc_value}')
    try:
        yield reports
    finally:
        sys.unraisablehook = old


def first_value_without_a_loop(agen):
    """agen.__anext__().send(None) with no loop running: its first value."""
    try:
        agen.__anext__().send(None)
    except StopIteration as e:
        return e.value
    raise AssertionError('the first anext suspended')


# ANCHOR: end
async def an_async_generator_ends_with_stop_async_iteration():
    async def two():
        yield 1
        yield 2

    g = two()
    assert [await g.__anext__(), await g.__anext__()] == [1, 2]
    for _ in range(2):  # and again: a finished generator stays finished
        try:
            await g.__anext__()
        except StopAsyncIteration as e:
            assert str(e) == ''
        else:
            raise AssertionError('no StopAsyncIteration')
    assert await anext(two(), 'default') == 1
    g = two()
    assert [await anext(g, 'default') for _ in range(3)] == [1, 2, 'default']
# ANCHOR_END: end


# ANCHOR: pep_479
async def stop_async_iteration_raised_in_the_body_becomes_runtime_error():
    async def leaky():
        yield 1
        raise StopAsyncIteration

    g = leaky()
    await g.__anext__()
    try:
        await g.__anext__()
    except RuntimeError as e:
        assert str(e) == 'async generator raised StopAsyncIteration'
        assert type(e.__cause__) is StopAsyncIteration
    else:
        raise AssertionError('no RuntimeError')

    async def leaky_sync():
        yield 1
        raise StopIteration

    g = leaky_sync()
    await g.__anext__()
    try:
        await g.__anext__()
    except RuntimeError as e:
        assert str(e) == 'async generator raised StopIteration'
        assert type(e.__cause__) is StopIteration
    else:
        raise AssertionError('no RuntimeError')
# ANCHOR_END: pep_479


# ANCHOR: asend
async def asend_delivers_its_value_at_the_yield_but_not_to_a_just_started_generator():
    async def doubler():
        v = yield 0
        while True:
            v = yield v * 2

    d = doubler()
    try:
        await d.asend(21)
    except TypeError as e:
        assert str(e) == "can't send non-None value to a just-started async generator"
    else:
        raise AssertionError('no TypeError')
    assert await d.asend(None) == 0  # still usable
    assert await d.asend(21) == 42
    assert await d.asend(5) == 10
# ANCHOR_END: asend


# ANCHOR: running
async def a_second_operation_while_the_first_awaits_is_already_running():
    async def slow():
        await asyncio.sleep(1)
        yield 1

    g = slow()
    first = asyncio.ensure_future(g.__anext__())
    await asyncio.sleep(0)  # the first anext is inside the sleep
    assert g.ag_running
    messages = []
    for op in (g.__anext__, lambda: g.asend(None), lambda: g.athrow(ValueError), g.aclose):
        try:
            await op()
        except RuntimeError as e:
            messages.append(str(e))
    assert messages == [
        'anext(): asynchronous generator is already running',
        'anext(): asynchronous generator is already running',
        'athrow(): asynchronous generator is already running',
        'aclose(): asynchronous generator is already running',
    ], messages
    assert await first == 1
    assert not g.ag_running
# ANCHOR_END: running


async def async_for_over_a_generator_another_async_for_is_iterating_is_already_running():
    async def g():
        await asyncio.sleep(1)
        yield 1
        yield 2

    agen = g()

    async def first():
        return [x async for x in agen]

    t = asyncio.ensure_future(first())
    await asyncio.sleep(0)  # the first `async for` is inside the sleep
    try:
        async for _ in agen:
            pass
    except RuntimeError as e:
        assert str(e) == 'anext(): asynchronous generator is already running', e
    else:
        raise AssertionError('no RuntimeError')
    assert await t == [1, 2]
    assert not agen.ag_running


# ANCHOR: athrow
async def athrow_raises_at_the_yield_and_the_body_may_catch_it():
    async def catcher():
        try:
            yield 1
        except ValueError:
            await asyncio.sleep(0.1)
            yield 'caught'

    g = catcher()
    await g.__anext__()
    assert await g.athrow(ValueError('x')) == 'caught'
    try:
        await g.__anext__()
    except StopAsyncIteration:
        pass
    else:
        raise AssertionError('no StopAsyncIteration')
# ANCHOR_END: athrow


# ANCHOR: unstarted_finished
async def athrow_and_aclose_on_an_unstarted_or_finished_generator():
    async def one():
        yield 1

    g = one()  # not started: athrow raises without running the body, and closes it
    try:
        await g.athrow(ValueError('x'))
    except ValueError as e:
        assert str(e) == 'x'
    else:
        raise AssertionError('no ValueError')
    try:
        await g.__anext__()
    except StopAsyncIteration:
        pass
    else:
        raise AssertionError('not closed')
    assert await one().aclose() is None  # aclose of an unstarted one: closed, no body run
    g = one()
    async for _ in g:
        pass
    assert await g.athrow(ValueError('x')) is None  # finished: athrow gives None (3.11)
    assert await g.aclose() is None
# ANCHOR_END: unstarted_finished


# ANCHOR: aclose
async def aclose_runs_a_finally_that_awaits():
    loop = asyncio.get_running_loop()
    start = loop.time()
    log = []

    async def rows():
        try:
            yield 1
            yield 2
        finally:
            await asyncio.sleep(0.5)
            log.append('closed at %.1f' % (loop.time() - start))

    g = rows()
    await g.__anext__()
    await g.aclose()
    assert log == ['closed at 0.5'], log
    assert not g.ag_running
# ANCHOR_END: aclose


# ANCHOR: ignored
async def a_body_that_yields_during_aclose_ignored_generator_exit():
    async def stubborn():
        try:
            yield 1
        except GeneratorExit:
            yield 2
        yield 3

    g = stubborn()
    await g.__anext__()
    try:
        await g.aclose()
    except RuntimeError as e:
        assert str(e) == 'async generator ignored GeneratorExit'
    else:
        raise AssertionError('no RuntimeError')
    assert await g.__anext__() == 3  # it stays suspended, as a generator does
# ANCHOR_END: ignored


# ANCHOR: finalizer
async def a_dropped_async_generator_is_closed_by_its_loop_in_a_task():
    log = []

    async def forever():
        try:
            while True:
                yield 1
        finally:
            await asyncio.sleep(0)
            log.append('finally ran')

    g = forever()
    await g.__anext__()
    del g
    gc.collect()
    await asyncio.sleep(0)  # the loop creates the aclose() task
    await asyncio.sleep(0)  # which runs the finally up to its sleep
    await asyncio.sleep(0)
    assert log == ['finally ran'], log
# ANCHOR_END: finalizer


# ANCHOR: shutdown
def asyncio_run_closes_the_async_generators_left_suspended():
    log = []

    async def rows():
        try:
            yield 1
            yield 2
        finally:
            await asyncio.sleep(0.1)
            log.append('closed by shutdown_asyncgens')

    kept = rows()

    async def main():
        async for _ in kept:
            break
        log.append('main returns')

    asyncio.run(main())
    assert log == ['main returns', 'closed by shutdown_asyncgens'], log
# ANCHOR_END: shutdown


# ANCHOR: comprehension
async def async_comprehensions_collect_and_filter():
    async def ticks(n):
        for i in range(n):
            await asyncio.sleep(0.1)
            yield i

    assert [i async for i in ticks(4)] == [0, 1, 2, 3]
    assert [i * i async for i in ticks(6) if i % 2 == 0] == [0, 4, 16]
# ANCHOR_END: comprehension


# ANCHOR: no_loop
def without_a_loop_a_dropped_async_generator_is_closed_where_it_is_dropped():
    log = []

    async def g():
        try:
            yield 1
        finally:
            log.append('finally')
            await asyncio.sleep(0)  # a bare yield: the close cannot suspend

    with unraisable_reports() as reports:
        assert sys.get_asyncgen_hooks() == (None, None)  # no loop, no finalizer
        it = g()
        assert first_value_without_a_loop(it) == 1
        del it
        gc.collect()
    assert log == ['finally'], log
    assert reports == ['RuntimeError: async generator ignored GeneratorExit'], reports


def closed_where_it_is_dropped_a_body_that_returns_raises_stop_async_iteration():
    async def g():
        try:
            yield 1
        except GeneratorExit:
            pass  # and the body returns

    with unraisable_reports() as reports:
        it = g()
        assert first_value_without_a_loop(it) == 1
        del it
        gc.collect()
    assert reports == ['StopAsyncIteration: '], reports
# ANCHOR_END: no_loop


# ANCHOR: ag_closed
async def after_an_aclose_athrow_and_aclose_raise_stop_async_iteration():
    async def stubborn():
        ignored = False
        while True:
            try:
                yield 1
            except GeneratorExit:
                if ignored:
                    raise
                ignored = True

    g = stubborn()
    await g.__anext__()
    try:
        await g.aclose()
    except RuntimeError as e:
        assert str(e) == 'async generator ignored GeneratorExit'
    else:
        raise AssertionError('no RuntimeError')
    for again in (g.aclose, lambda: g.athrow(ValueError('v'))):
        try:
            await again()
        except StopAsyncIteration:
            pass
        else:
            raise AssertionError('no StopAsyncIteration')
    assert await g.__anext__() == 1  # anext still resumes it


async def a_generator_that_ignored_aclose_is_closed_where_it_is_dropped():
    log = []

    async def stubborn():
        while True:
            try:
                yield 1
            except GeneratorExit:
                log.append('ignored GeneratorExit')

    with unraisable_reports() as reports:
        g = stubborn()
        await g.__anext__()
        try:
            await g.aclose()
        except RuntimeError:
            pass
        del g
        gc.collect()
        log.append('dropped')
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # no task of the loop's closes it again
    assert log == ['ignored GeneratorExit', 'ignored GeneratorExit', 'dropped'], log
    assert reports == ['RuntimeError: async generator ignored GeneratorExit'], reports
# ANCHOR_END: ag_closed


# ANCHOR: cancelled_finalizer
def a_finalizer_task_cancelled_before_it_starts_ends_the_clean_up_at_its_first_await():
    log = []

    async def leaky():
        try:
            yield 0
            yield 1
        finally:
            log.append('finally')
            await asyncio.sleep(0)
            log.append('finally after await')

    async def main():
        async for _ in leaky():
            break
        log.append('main returns')

    asyncio.run(main())
    assert log == ['main returns', 'finally'], log
# ANCHOR_END: cancelled_finalizer


async def anext_with_a_default_can_be_gathered_and_timed():
    async def one():
        yield 'x'

    async def none():
        return
        yield

    a, b = one(), none()
    assert await asyncio.gather(anext(a, '-'), anext(b, '-')) == ['x', '-']
    assert await asyncio.wait_for(anext(a, 'end'), 1) == 'end'


# ANCHOR: cancelled_aclose
async def a_task_cancelled_in_aclose_leaves_the_generator_running_in_3_11():
    # What tests/book_claims.rs sets pycoro beside: CPython 3.11 does not reset the
    # generator's running flag when a cancellation escapes it during aclose().
    async def gen():
        try:
            yield 1
        finally:
            await asyncio.sleep(1)

    g = gen()
    await anext(g)
    closer = asyncio.create_task(g.aclose())
    await asyncio.sleep(0.5)
    closer.cancel()
    try:
        await closer
    except asyncio.CancelledError:
        pass
    assert g.ag_running  # for ever: the generator's frame has ended
    try:
        await anext(g)
    except RuntimeError as e:
        assert str(e) == 'anext(): asynchronous generator is already running', e
    else:
        raise AssertionError('no RuntimeError')
# ANCHOR_END: cancelled_aclose


for rule in (
    an_async_generator_ends_with_stop_async_iteration,
    stop_async_iteration_raised_in_the_body_becomes_runtime_error,
    asend_delivers_its_value_at_the_yield_but_not_to_a_just_started_generator,
    a_second_operation_while_the_first_awaits_is_already_running,
    async_for_over_a_generator_another_async_for_is_iterating_is_already_running,
    athrow_raises_at_the_yield_and_the_body_may_catch_it,
    athrow_and_aclose_on_an_unstarted_or_finished_generator,
    aclose_runs_a_finally_that_awaits,
    a_body_that_yields_during_aclose_ignored_generator_exit,
    a_dropped_async_generator_is_closed_by_its_loop_in_a_task,
    async_comprehensions_collect_and_filter,
    after_an_aclose_athrow_and_aclose_raise_stop_async_iteration,
    a_generator_that_ignored_aclose_is_closed_where_it_is_dropped,
    anext_with_a_default_can_be_gathered_and_timed,
    a_task_cancelled_in_aclose_leaves_the_generator_running_in_3_11,
):
    asyncio.run(rule())
asyncio_run_closes_the_async_generators_left_suspended()
without_a_loop_a_dropped_async_generator_is_closed_where_it_is_dropped()
a_finalizer_task_cancelled_before_it_starts_ends_the_clean_up_at_its_first_await()
closed_where_it_is_dropped_a_body_that_returns_raises_stop_async_iteration()
