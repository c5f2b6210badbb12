# Exercise 09: an awaitable written by hand. Its __await__ yields a bare None, which
# asyncio's Task answers by stepping the task again on the loop's next pass.
import asyncio


class Countdown:
    def __init__(self, name, n):
        self.name, self.n = name, n

    def __await__(self):
        for left in range(self.n, 0, -1):
            print(f'{self.name}: {left}, not yet')
            yield  # bare yield: step me again on the next pass
        print(f'{self.name}: liftoff')
        return self.name


async def launch(name, n):
    return await Countdown(name, n)


async def main():
    results = await asyncio.gather(launch('a', 3), launch('b', 1), launch('c', 2))
    print(results)


asyncio.run(main())
