# s003-02-serial (document 003): statements 7 and 8 instead of 3 to 6. The document's
# listing says a() twice; its text and its output mean a() then b(), as here.
# types.coroutine stands in for the removed @asyncio.coroutine.
import asyncio
import types


@types.coroutine
def a():
    print('a start')
    yield from asyncio.sleep(1)  # 1
    print('a finish')


@types.coroutine
def b():
    print('b start')
    yield from asyncio.sleep(1)  # 2
    print('b finish')


@types.coroutine
def main():
    yield from a()  # 7
    yield from b()  # 8


asyncio.run(main())  # 9
