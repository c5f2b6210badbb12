# x07-contextmanager-timer: a timer made with @contextmanager. The generator's yield
# splits it in two: before it, what __enter__ does (read the clock); after it, what
# __exit__ does (read it again, say how long the block took). An exception raised in
# the with block is thrown in at the yield: the timer sees it, and lets it through or
# suppresses it. The clock is a fake one that only the work moves, so that every run
# prints the same times.
from contextlib import contextmanager

now = 0.0


def work(seconds):
    global now
    now += seconds


@contextmanager
def timer(name, suppressing=()):
    start = now
    print('[%s] start at %.1f' % (name, start))
    try:
        yield start
    except suppressing as e:
        print('[%s] %r suppressed' % (name, e))
    except Exception as e:
        print('[%s] %r goes on' % (name, e))
        raise
    finally:
        print('[%s] took %.1f s' % (name, now - start))


def main():
    with timer('load') as start:
        work(0.5)
        print('[main] loaded, from %.1f to %.1f' % (start, now))
    try:
        with timer('parse'):
            work(0.2)
            raise ValueError('bad row 3')
    except ValueError as e:
        print('[main] caught %r' % e)
    with timer('lookup', suppressing=KeyError):
        work(0.1)
        {}['missing']
    print('[main] after lookup, at %.1f' % now)

main()
