# x02-semaphore-rate-limit (beyond the documents): at most three requests a second. A
# semaphore of three units; each request takes one, and gives it back a second later
# (loop.call_later), done or not: so no more than three requests start in any second.
# The times are printed to a tenth of a second, which the loop's own clock keeps.
import asyncio

RATE = 3  # requests
PER = 1.0  # seconds
# How long each request takes, in seconds (request 1 is DURATIONS[0]).
DURATIONS = [0.3, 0.6, 0.2, 0.4, 0.7, 0.1, 0.5, 0.3]


async def request(n, limit, start):
    loop = asyncio.get_running_loop()
    if limit.locked():
        print(f"{loop.time() - start:.1f}s request {n} waits for its turn")
    await limit.acquire()
    loop.call_later(PER, limit.release)
    print(f"{loop.time() - start:.1f}s request {n} starts")
    await asyncio.sleep(DURATIONS[n - 1])
    print(f"{loop.time() - start:.1f}s request {n} is done")
    return n * 10


async def main():
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(RATE)
    start = loop.time()
    requests = [request(n, limit, start) for n in range(1, len(DURATIONS) + 1)]
    results = await asyncio.gather(*requests)
    print(f"{loop.time() - start:.1f}s every request is done: {results}")


asyncio.run(main())
