# x04-timeout-slow-work: asyncio.timeout() around work that takes too long. At the
# deadline the task is cancelled: the work's except and finally run, and the block's
# CancelledError leaves it as TimeoutError. In the second block the work reports
# progress halfway and main moves the deadline with cm.reschedule(), so it finishes.
# Last, asyncio.wait_for() does the same with the work in a task of its own.
import asyncio

start = None


def now():
    return asyncio.get_running_loop().time() - start


async def work(name, seconds):
    print('[%s] starts at %.1f, needs %.1f s' % (name, now(), seconds))
    try:
        await asyncio.sleep(seconds)
        print('[%s] done at %.1f' % (name, now()))
        return '%s result' % name
    except asyncio.CancelledError:
        print('[%s] cancelled at %.1f' % (name, now()))
        raise
    finally:
        print('[%s] cleans up at %.1f' % (name, now()))


async def main():
    global start
    loop = asyncio.get_running_loop()
    start = loop.time()

    try:
        async with asyncio.timeout(1.0) as cm:
            await work('report', 1.5)
    except TimeoutError as e:
        print('[main] %r at %.1f; expired() is %s' % (e, now(), cm.expired()))

    async with asyncio.timeout(1.0) as cm:
        print('[main] at %.1f the deadline is %.1f' % (now(), cm.when() - start))
        await work('part 1', 0.6)
        cm.reschedule(loop.time() + 2)
        print('[main] part 1 is done: deadline moved to %.1f; expired() is %s'
              % (cm.when() - start, cm.expired()))
        result = await work('part 2', 0.8)
    print('[main] got %r at %.1f; expired() is %s' % (result, now(), cm.expired()))

    try:
        await asyncio.wait_for(work('upload', 1.5), 1.0)
    except TimeoutError as e:
        print('[main] wait_for raised %r at %.1f' % (e, now()))

asyncio.run(main())
