# Exercise 05: `yield from` an iterator, written as a for loop, and what the loop
# cannot do that `yield from` does.
def chain(*iterables):
    for iterable in iterables:
        for item in iterable:  # yield from iterable
            yield item


def flatten(items):
    for item in items:
        if isinstance(item, list):
            for inner in flatten(item):  # yield from flatten(item)
                yield inner
        else:
            yield item


print(list(chain(range(3), [10, 20], flatten([1, [2, [3, 4]], 5]))))


def sub():
    yield 1
    return 'sub is done'


def with_yield_from():
    result = yield from sub()
    print(f'yield from gave {result!r}')


def with_for():
    for item in sub():
        yield item
    print('the for loop gave nothing back')


print(list(with_yield_from()))
print(list(with_for()))
