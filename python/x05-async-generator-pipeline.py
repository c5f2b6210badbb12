# x05-async-generator-pipeline: an async generator that awaits between its yields
# (PEP 525), a second one that filters and transforms it with async for, a main that
# iterates the pipeline with async for, and an async comprehension with a condition.
# The loop's clock shows when each value arrives: a value is pulled, not pushed.
import asyncio

start = None


def now():
    return asyncio.get_running_loop().time() - start


async def ticker(n, delay):
    for i in range(n):
        await asyncio.sleep(delay)
        print('[ticker] yield %d at %.1f' % (i, now()))
        yield i


async def squares_of_evens(source):
    async for i in source:
        if i % 2 == 0:
            print('[squares] got %d, yield its square' % i)
            yield i * i


async def main():
    global start
    start = asyncio.get_running_loop().time()
    async for square in squares_of_evens(ticker(5, 0.5)):
        print('[main] received %d at %.1f' % (square, now()))
    evens = [i async for i in ticker(4, 0.1) if i % 2 == 0]
    print('[main] [i async for i in ticker(4, 0.1) if i % 2 == 0] =', evens)

asyncio.run(main())
