# x01-queue-pipeline (beyond the documents): a producer feeds a bounded asyncio.Queue,
# three workers take the jobs from it, and queue.join() waits until every job is done.
# The queue holds two jobs at most: when it is full, the producer waits for a worker to
# take one. Then the workers, waiting for jobs that will not come, are cancelled.
import asyncio

# How long each job takes, in seconds (job 1 is COSTS[0]).
COSTS = [0.62, 0.48, 0.86, 0.28, 0.52, 0.40, 0.76, 0.18]


async def producer(queue, jobs):
    for job in range(1, jobs + 1):
        await asyncio.sleep(0.1)  # making a job takes a while
        if queue.full():
            print(f"producer: the queue is full, job {job} waits")
        await queue.put(job)
        print(f"producer: job {job} queued ({queue.qsize()} in the queue)")
    print("producer: every job is queued")


async def worker(name, queue, done):
    try:
        while True:
            job = await queue.get()
            print(f"{name}: starts job {job}")
            await asyncio.sleep(COSTS[job - 1])
            done.append(job)
            print(f"{name}: finished job {job}")
            queue.task_done()
    except asyncio.CancelledError:
        print(f"{name}: cancelled, stops")
        raise


async def main():
    queue = asyncio.Queue(maxsize=2)
    done = []
    workers = [asyncio.create_task(worker(f"worker {i}", queue, done)) for i in (1, 2, 3)]
    await producer(queue, len(COSTS))
    await queue.join()
    print(f"main: every job is done, in the order {done}")
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    print("main: the workers have stopped")


asyncio.run(main())
