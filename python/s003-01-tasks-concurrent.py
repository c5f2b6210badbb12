# s003-01-tasks-concurrent (document 003). @asyncio.coroutine was removed in Python 3.11;
# types.coroutine marks a generator as a coroutine in the same way, so it stands in here.
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
    task1 = asyncio.create_task(a())  # 3
    task2 = asyncio.create_task(b())  # 4
    yield from task1  # 5
    yield from task2  # 6
    # yield from a()  # 7
    # yield from a()  # 8


asyncio.run(main())  # 9
