# x06-aclose-finally: aclose() throws GeneratorExit into an async generator at its
# yield, and its finally block awaits (closing the connection takes half a second)
# before aclose() returns. A second one, left suspended when main() returns, is closed
# the same way by asyncio.run, through loop.shutdown_asyncgens().
import asyncio

start = None


def now():
    return asyncio.get_running_loop().time() - start


async def rows(name):
    print('[%s] connect at %.1f' % (name, now()))
    try:
        for i in range(1, 100):
            print('[%s] yield row %d' % (name, i))
            yield i
    finally:
        print('[%s] finally: closing the connection at %.1f' % (name, now()))
        await asyncio.sleep(0.5)
        print('[%s] finally: closed at %.1f' % (name, now()))


async def main(kept):
    global start
    start = asyncio.get_running_loop().time()
    a = rows('a')
    print('[main] got', await a.__anext__())
    print('[main] got', await a.__anext__())
    await a.aclose()
    print('[main] aclose() returned at %.1f' % now())
    try:
        await a.__anext__()
    except StopAsyncIteration:
        print('[main] a is finished: StopAsyncIteration')
    b = rows('b')
    kept.append(b)
    async for row in b:
        if row == 2:
            break
    print('[main] returns with b suspended at its yield')


kept = []
asyncio.run(main(kept))
print('[after asyncio.run] b.ag_running = %s; b is closed: %s'
      % (kept[0].ag_running, kept[0].ag_frame is None))
