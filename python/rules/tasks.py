# Generation 3: what CPython 3.11 does with a task's end, next to the pycoro tests in
# tests/native_loop.rs and tests/book_claims.rs (same names). tests/cpython.rs runs this
# file: every assert is checked. The pending-task programs run in a child interpreter,
# since the report is written to stderr when the task is collected.
import asyncio
import re
import subprocess
import sys

LOOP = """
import asyncio

async def forever():
    await asyncio.sleep(1000)

async def after(seconds, value):
    await asyncio.sleep(seconds)
    return value

async def fail_after(seconds):
    await asyncio.sleep(seconds)
    raise ValueError(f'failed at {{seconds:g}}')

async def main():
{main}
loop = asyncio.new_event_loop()
loop.run_until_complete(main())
loop.close()
"""


def stderr_of(main):
    program = LOOP.format(main=main)
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run.stderr


def a_task_still_pending_when_the_loop_closes_is_reported_when_it_goes():
    stderr = stderr_of("    asyncio.ensure_future(forever())\n    await asyncio.sleep(0)\n")
    lines = stderr.splitlines()
    assert lines[0] == "Task was destroyed but it is pending!", stderr
    # CPython's repr adds where the coroutine was defined and what it waits for.
    assert lines[1].startswith("task: <Task pending name='Task-2' coro=<forever() "), stderr


def a_task_that_ran_to_its_end_or_was_cancelled_is_not_reported_at_close():
    stderr = stderr_of(
        "    pending = asyncio.ensure_future(forever())\n"
        "    await asyncio.ensure_future(after(1.0, 'done'))\n"
        "    pending.cancel()\n"
        "    await asyncio.sleep(0)\n"
    )
    assert stderr == "", stderr


# ANCHOR: never_retrieved
def a_task_exception_nobody_retrieves_is_reported_by_the_loops_exception_handler():
    stderr = stderr_of(
        "    asyncio.ensure_future(fail_after(0.01))   # nobody awaits it\n"
        "    await asyncio.sleep(0.02)\n"
    )
    # Less the frame lines, and where the coroutine was defined: what pycoro writes.
    lines = [line for line in stderr.splitlines() if not line.startswith("  ")]
    lines[1] = re.sub(r" done, defined at .*?:\d+>", ">", lines[1])
    assert lines == [
        "Task exception was never retrieved",
        "future: <Task finished name='Task-2' coro=<fail_after()> exception=ValueError('failed at 0.01')>",
        "Traceback (most recent call last):",
        "ValueError: failed at 0.01",
    ], stderr
# ANCHOR_END: never_retrieved


# ANCHOR: shutdown_report
def a_task_that_fails_while_asyncio_run_cancels_it_is_reported_at_shutdown():
    # asyncio.run cancels the tasks left (gather(..., return_exceptions=True) looks at
    # their exceptions), then hands each that ended with an exception other than its
    # cancellation to the loop's exception handler.
    reports = []

    async def main():
        asyncio.get_running_loop().set_exception_handler(
            lambda loop, context: reports.append(
                (context['message'], repr(context['exception']), context['task'].get_name())))

        async def stubborn():
            try:
                await asyncio.sleep(10)
            finally:
                raise ValueError('raised while cancelled')

        asyncio.create_task(stubborn(), name='stubborn')
        await asyncio.sleep(0)

    asyncio.run(main())
    assert reports == [('unhandled exception during asyncio.run() shutdown',
                        "ValueError('raised while cancelled')", 'stubborn')], reports
# ANCHOR_END: shutdown_report


# ANCHOR: lost
def a_pending_task_nobody_references_is_collected_while_the_loop_runs():
    # The loop keeps only what is scheduled, and asyncio's list of tasks is a WeakSet: a
    # task waiting on a future that only it holds is garbage once nobody else holds it.
    stderr = stderr_of(
        "    async def waits():\n"
        "        await asyncio.get_running_loop().create_future()\n"
        "    asyncio.ensure_future(waits())   # the task is not kept\n"
        "    await asyncio.sleep(0)           # it runs, and waits on its future\n"
        "    assert len(asyncio.all_tasks()) == 2\n"
        "    import gc, sys\n"
        "    gc.collect()\n"
        "    assert len(asyncio.all_tasks()) == 1   # only main is left\n"
        "    print('the loop goes on', file=sys.stderr)\n"
    )
    lines = stderr.splitlines()
    assert lines[0] == "Task was destroyed but it is pending!", stderr
    assert lines[1].startswith("task: <Task pending name='Task-2' coro=<"), stderr
    assert lines[2] == "the loop goes on", stderr
# ANCHOR_END: lost


async def only_its_coroutine_sets_a_tasks_result():
    async def two():
        return 2

    task = asyncio.create_task(two())
    for operation, name in ((lambda: task.set_result(1), "set_result"),
                            (lambda: task.set_exception(ValueError()), "set_exception")):
        try:
            operation()
        except RuntimeError as e:
            assert str(e) == f"Task does not support {name} operation"
        else:
            raise AssertionError(f"{name} on a task raised nothing")
    assert await task == 2


def a_concurrent_future_gives_its_result_or_exception_at_every_call():
    import threading
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever)
    thread.start()

    async def one():
        return 1

    async def bad():
        raise ValueError('bad')

    good = asyncio.run_coroutine_threadsafe(one(), loop)
    failing = asyncio.run_coroutine_threadsafe(bad(), loop)
    assert (good.result(), good.result()) == (1, 1)
    assert good.exception() is None and good.done()
    for _ in range(2):
        try:
            failing.result()
        except ValueError as e:
            assert str(e) == 'bad'
        else:
            raise AssertionError('no ValueError')
    assert isinstance(failing.exception(), ValueError)
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


a_task_still_pending_when_the_loop_closes_is_reported_when_it_goes()
asyncio.run(only_its_coroutine_sets_a_tasks_result())
a_task_that_ran_to_its_end_or_was_cancelled_is_not_reported_at_close()
a_pending_task_nobody_references_is_collected_while_the_loop_runs()
a_task_exception_nobody_retrieves_is_reported_by_the_loops_exception_handler()
a_task_that_fails_while_asyncio_run_cancels_it_is_reported_at_shutdown()
a_concurrent_future_gives_its_result_or_exception_at_every_call()
