# Toy loop, stage 1: a ready deque of generators, run round-robin (Beazley's first
# scheduler). examples/toy-loop-1-ready-deque.rs is the same loop in Rust.
from collections import deque


def countdown(name, n):
    for i in range(n, 0, -1):
        print(f'{name}: {i}')
        yield  # let the others run
    print(f'{name}: liftoff')


class Scheduler:
    def __init__(self):
        self.ready = deque()

    def spawn(self, name, task):
        self.ready.append((name, task))

    def run(self):
        while self.ready:
            name, task = self.ready.popleft()
            try:
                next(task)
            except StopIteration:
                print(f'[loop] {name} is done')
            else:
                self.ready.append((name, task))
        print('[loop] nothing left to run')


scheduler = Scheduler()
scheduler.spawn('a', countdown('a', 3))
scheduler.spawn('b', countdown('b', 1))
scheduler.spawn('c', countdown('c', 2))
scheduler.run()
