# Toy loop, stage 2: timers in a heap. A task yields how long it wants to sleep (0 to
# let the others run); sleeping tasks wait in a min-heap ordered by deadline, then by the
# order they went to sleep. The clock is virtual: with nothing ready, it jumps to the
# first deadline. examples/toy-loop-2-timers.rs is the same loop in Rust.
import heapq
from collections import deque


class Scheduler:
    def __init__(self):
        self.ready = deque()
        self.timers = []  # (when, seq, name, task)
        self.seq = 0
        self.now = 0.0

    def spawn(self, name, task):
        self.ready.append((name, task))

    def run(self):
        while True:
            if not self.ready:
                if not self.timers:
                    break
                print(f'[loop] nothing ready: sleep until {self.timers[0][0]:.1f}')
                self.now = self.timers[0][0]
            while self.timers and self.timers[0][0] <= self.now:
                _, _, name, task = heapq.heappop(self.timers)
                self.ready.append((name, task))
            if not self.ready:
                continue
            name, task = self.ready.popleft()
            try:
                delay = next(task)
            except StopIteration:
                continue
            if delay > 0:
                self.seq += 1
                heapq.heappush(self.timers, (self.now + delay, self.seq, name, task))
            else:
                self.ready.append((name, task))
        print('[loop] nothing left to run')


scheduler = Scheduler()


def ticker(name, period, times):
    for i in range(1, times + 1):
        print(f'{scheduler.now:.1f} {name}: tick {i}')
        yield period  # sleep(period)
    print(f'{scheduler.now:.1f} {name}: done')


scheduler.spawn('fast', ticker('fast', 0.5, 3))
scheduler.spawn('slow', ticker('slow', 1.0, 2))
scheduler.run()
