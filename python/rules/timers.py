# asyncio's timers and runs as CPython 3.11 does them, next to pycoro's tests in
# tests/book_claims.rs and tests/yield_from_loop.rs (same names). tests/cpython.rs runs this file: every assert is
# checked.
import asyncio


# ANCHOR: equal_deadlines
def timers_at_an_equal_deadline_run_in_the_heaps_order_not_the_scheduling_order():
    # TimerHandle.__lt__ compares deadlines only, and heapq is not stable: the order of
    # timers due at the same time is whatever the heap's sifting leaves.
    loop = asyncio.new_event_loop()
    order = []
    when = loop.time() + 0.01
    for i in range(3):
        loop.call_at(when, order.append, i)
    loop.call_at(when + 0.01, loop.stop)   # a fourth timer in the heap, due later
    loop.run_forever()
    loop.close()
    assert order == [0, 2, 1], order
# ANCHOR_END: equal_deadlines


# ANCHOR: sleep_one_pass_later
async def a_sleeping_task_resumes_one_pass_after_its_timer_fires():
    loop = asyncio.get_running_loop()
    log = []

    async def sleeper():
        await asyncio.sleep(1)
        log.append('sleeper resumes')

    now = loop.time()
    loop.time = lambda: now           # the clock stands still while both timers are set
    task = asyncio.create_task(sleeper())
    await asyncio.sleep(0)            # the sleeper runs to its sleep: a timer at now + 1
    loop.call_at(now + 1, log.append, 'callback due at the same time')
    del loop.time                     # the clock moves again
    await task
    # The sleep's timer only sets a future; the future's done callback, the task's
    # wake-up, is scheduled with call_soon and runs on the next pass.
    assert log == ['callback due at the same time', 'sleeper resumes'], log
# ANCHOR_END: sleep_one_pass_later


# ANCHOR: orphan
def a_future_left_pending_by_run_until_complete_does_not_stop_a_later_run():
    loop = asyncio.new_event_loop()
    fut = loop.create_future()
    loop.call_soon(loop.stop)
    try:
        loop.run_until_complete(fut)
    except RuntimeError as e:
        assert str(e) == 'Event loop stopped before Future completed.', e
    # run_until_complete's finally took its done callback off the future.
    start = loop.time()
    loop.call_later(1, fut.set_result, 1)
    loop.call_later(2, loop.stop)
    loop.run_forever()
    assert loop.time() - start >= 2, loop.time() - start
    assert fut.result() == 1
    loop.close()
# ANCHOR_END: orphan


def run_until_complete_inside_a_running_loop(make_coro):
    """What `loop.run_until_complete(make_coro())` does from inside the running loop: the
    log of the coroutine and of what was raised."""
    import warnings
    log = []

    async def main():
        loop = asyncio.get_running_loop()
        coro = make_coro(log)
        try:
            loop.run_until_complete(coro)
        except RuntimeError as e:
            log.append(f'RuntimeError: {e}')
        coro.close()  # never scheduled, never run
        await asyncio.sleep(0.1)

    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the coroutine was never awaited
        asyncio.run(main())
    return log


def run_until_complete_on_a_running_loop_is_refused_before_the_coroutine_is_scheduled():
    import types

    @types.coroutine
    def inner(log):
        log.append('inner ran')
        return 1
        yield

    log = run_until_complete_inside_a_running_loop(inner)
    assert log == ['RuntimeError: This event loop is already running'], log


def run_until_complete_of_a_native_coroutine_on_a_running_loop_is_refused_and_it_never_runs():
    async def inner(log):
        log.append('inner ran')
        return 1

    log = run_until_complete_inside_a_running_loop(inner)
    assert log == ['RuntimeError: This event loop is already running'], log
    loop = asyncio.new_event_loop()
    assert loop.run_until_complete(inner([])) == 1  # a coroutine becomes a task
    loop.close()


timers_at_an_equal_deadline_run_in_the_heaps_order_not_the_scheduling_order()
asyncio.run(a_sleeping_task_resumes_one_pass_after_its_timer_fires())
a_future_left_pending_by_run_until_complete_does_not_stop_a_later_run()
run_until_complete_on_a_running_loop_is_refused_before_the_coroutine_is_scheduled()
run_until_complete_of_a_native_coroutine_on_a_running_loop_is_refused_and_it_never_runs()
