# Exercise 04: a pipeline of coroutines (Beazley): the source pushes each line into
# grep, which passes matches to upper, which passes them to the printer. close() at the
# head closes every stage in turn.
def printer():
    count = 0
    try:
        while True:
            line = yield
            count += 1
            print(f'printer: {line}')
    finally:
        print(f'printer: {count} lines')


def upper(target):
    try:
        while True:
            line = yield
            target.send(line.upper())
    finally:
        target.close()


def grep(pattern, target):
    print(f'grep: looking for {pattern!r}')
    try:
        while True:
            line = yield
            if pattern in line:
                target.send(line)
    finally:
        target.close()


p = printer()
next(p)
u = upper(p)
next(u)
g = grep('python', u)
next(g)
for line in ['python generators', 'a curious course', 'coroutines in python', 'rust']:
    print(f'source: {line}')
    g.send(line)
g.close()
print('source: done')
