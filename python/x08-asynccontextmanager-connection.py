# x08-asynccontextmanager-connection: a connection made with @asynccontextmanager. Its
# async generator awaits before its yield (connecting takes 0.1 s) and after it, in a
# finally (closing takes 0.1 s too). Two tasks use it at once through gather; b's block
# raises, and the exception is thrown in at the yield: the generator sees it, and its
# finally still closes the connection before the exception goes on to gather.
import asyncio
from contextlib import asynccontextmanager

start = None


def now():
    return asyncio.get_running_loop().time() - start


@asynccontextmanager
async def connect(name):
    print('[%s] connecting at %.1f' % (name, now()))
    await asyncio.sleep(0.1)
    print('[%s] connected at %.1f' % (name, now()))
    try:
        yield 'conn-' + name
    except Exception as e:
        print('[%s] the block raised %r' % (name, e))
        raise
    finally:
        print('[%s] closing at %.1f' % (name, now()))
        await asyncio.sleep(0.1)
        print('[%s] closed at %.1f' % (name, now()))


async def query(name, seconds, fails):
    async with connect(name) as conn:
        print('[%s] querying on %s' % (name, conn))
        await asyncio.sleep(seconds)
        if fails:
            raise ConnectionResetError('%s: the server went away' % name)
        print('[%s] query done at %.1f' % (name, now()))
    return 'rows from ' + name


async def main():
    global start
    start = asyncio.get_running_loop().time()
    results = await asyncio.gather(query('a', 0.4, False), query('b', 0.2, True),
                                   return_exceptions=True)
    print('[main] gather gave %r at %.1f' % (results, now()))

asyncio.run(main())
