# s003-04-yield-from-done-task: the experiment that answers document 003's open question.
# After main() resumes from `yield from task1`, task2 is already done; does
# `yield from task2` give up control and come back, or go straight on? A ticker task
# prints every time it runs, so it shows whether main() was suspended in between.
# Future.__iter__ yields only while the future is not done.
import asyncio
import types


@types.coroutine
def a():
    print('a start')
    yield from asyncio.sleep(1)
    print('a finish')


@types.coroutine
def b():
    print('b start')
    yield from asyncio.sleep(1)
    print('b finish')


@types.coroutine
def ticker():
    for i in range(3):
        print('  ticker', i)
        yield from asyncio.sleep(0)


@types.coroutine
def main():
    task1 = asyncio.create_task(a())
    task2 = asyncio.create_task(b())
    yield from task1
    print('task1 done; task2.done() =', task2.done())
    asyncio.create_task(ticker())
    yield from task2
    print('main resumed after yield from task2')
    yield from asyncio.sleep(0)
    print('after one explicit suspension')


asyncio.run(main())
