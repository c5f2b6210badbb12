# Exercise 10: gather, written by hand with a future and done callbacks.
import asyncio
import functools


async def my_gather(*tasks):
    loop = asyncio.get_running_loop()
    outer = loop.create_future()
    results = [None] * len(tasks)
    remaining = len(tasks)

    def on_done(i, task):
        nonlocal remaining
        if task.exception() is not None:
            if not outer.done():
                outer.set_exception(task.exception())  # the first exception is gather's
            return
        results[i] = task.result()
        remaining -= 1
        print(f'done callback: task {i} finished, {remaining} to go')
        if remaining == 0:
            outer.set_result(results)

    for i, task in enumerate(tasks):
        task.add_done_callback(functools.partial(on_done, i))
    return await outer


async def work(name, delay):
    print(f'{name}: start')
    await asyncio.sleep(delay)
    print(f'{name}: done')
    return name.upper()


async def main():
    tasks = [
        asyncio.create_task(work('slow', 0.3)),
        asyncio.create_task(work('fast', 0.1)),
        asyncio.create_task(work('middle', 0.2)),
    ]
    print(await my_gather(*tasks))


asyncio.run(main())
