# What `@types.coroutine` (and `@asyncio.coroutine` before it) changes, as CPython 3.11
# behaves. tests/cpython.rs runs this file: every assert is checked.
import types


# ANCHOR: marks
async def native():
    return 'native result'


async def awaits(awaitable):
    return await awaitable


def plain():
    yield 'plain'


@types.coroutine
def marked():
    yield 'marked'


# A native coroutine cannot `yield from` at all: it is a syntax error.
try:
    compile("async def f():\n    yield from g()\n", "<rule>", "exec")
except SyntaxError as e:
    assert e.msg == "'yield from' inside async function"
else:
    raise AssertionError('no SyntaxError')

# `await` takes a marked generator, not a plain one.
c = awaits(plain())
try:
    c.send(None)
except TypeError as e:
    assert str(e) == "object generator can't be used in 'await' expression"
else:
    raise AssertionError('no TypeError')
assert awaits(marked()).send(None) == 'marked'

# And only a marked generator may `yield from` a native coroutine.
def plain_delegator(coro):
    return (yield from coro)


@types.coroutine
def marked_delegator(coro):
    return (yield from coro)


coro = native()
try:
    next(plain_delegator(coro))
except TypeError as e:
    assert str(e) == "cannot 'yield from' a coroutine object in a non-coroutine generator"
else:
    raise AssertionError('no TypeError')
coro.close()                      # never run: closed, so CPython does not warn about it
try:
    next(marked_delegator(native()))
except StopIteration as e:
    assert e.value == 'native result'
else:
    raise AssertionError('no StopIteration')
# ANCHOR_END: marks
