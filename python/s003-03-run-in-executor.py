# s003-03-run-in-executor (document 003). To run at all it needs what the document
# leaves out: `import asyncio, time, types`, `asyncio` for the typo `ayncio`, and
# types.coroutine for the removed @asyncio.coroutine.
import asyncio
import time
import types


def a():
    print('a start')
    time.sleep(1)
    print('a finish')


def b():
    print('b start')
    time.sleep(1)
    print('b finish')


@types.coroutine
def main():
    loop = asyncio.get_running_loop()
    future1 = loop.run_in_executor(None, a)
    future2 = loop.run_in_executor(None, b)
    yield from future1
    yield from future2


loop = asyncio.new_event_loop()  # the document's get_event_loop() is deprecated here
loop.run_until_complete(main())
loop.close()
