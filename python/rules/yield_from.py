# The Generation 2 delegation rules (PEP 380) as CPython 3.11 behaves, each next to a
# pycoro test in the book. tests/cpython.rs runs this file: every assert is checked.
log = []


# ANCHOR: forwarding
def inner():
    x = yield 'inner 1'
    log.append(f'inner got {x}')
    y = yield 'inner 2'
    log.append(f'inner got {y}')
    return 'inner result'


def outer():
    r = yield from inner()
    log.append(f'outer got {r}')
    yield 'outer'


g = outer()
assert next(g) == 'inner 1'          # the first next primes inner, automatically
assert g.send('a') == 'inner 2'      # sends go straight through
assert g.send('b') == 'outer'        # inner's return value is yield from's value
assert log == ['inner got a', 'inner got b', 'outer got inner result']
# ANCHOR_END: forwarding


# ANCHOR: throw_bubbles
def level3():
    yield 3


def level2():
    yield from level3()


def level1():
    try:
        yield from level2()
    except KeyError as e:
        yield f'level1 caught {e}'


g = level1()
assert next(g) == 3
assert g.throw(KeyError('k')) == "level1 caught 'k'"   # through two levels
# ANCHOR_END: throw_bubbles


# ANCHOR: throw_returns
def answers_throw():
    try:
        yield 1
    except ValueError:
        return 'returned on throw'


def delegator():
    r = yield from answers_throw()
    yield r


g = delegator()
next(g)
assert g.throw(ValueError) == 'returned on throw'
# ANCHOR_END: throw_returns


# ANCHOR: close_forwarded
def sub_with_cleanup():
    try:
        yield 1
    finally:
        log.append('sub closed')


def closing_delegator():
    try:
        yield from sub_with_cleanup()
    except GeneratorExit:
        log.append('delegator got GeneratorExit')
        raise


log.clear()
g = closing_delegator()
next(g)
g.close()
assert log == ['sub closed', 'delegator got GeneratorExit']
# ANCHOR_END: close_forwarded


# ANCHOR: close_raises
def sub_fails_on_close():
    try:
        yield 1
    except GeneratorExit:
        raise ValueError('sub failed to close')


def delegator2():
    yield from sub_fails_on_close()


g = delegator2()
next(g)
try:
    g.close()
except ValueError as e:
    assert str(e) == 'sub failed to close'
else:
    raise AssertionError('no ValueError')
# ANCHOR_END: close_raises


# ANCHOR: plain_iterator
def from_range():
    yield from range(3)


assert list(from_range()) == [0, 1, 2]
g = from_range()
next(g)
try:
    g.send(1)
except AttributeError as e:
    assert str(e) == "'range_iterator' object has no attribute 'send'"
else:
    raise AssertionError('no AttributeError')
g = from_range()
next(g)
try:
    g.throw(ValueError('v'))     # range has no throw: re-raised in the delegator
except ValueError as e:
    assert str(e) == 'v'
else:
    raise AssertionError('no ValueError')
# ANCHOR_END: plain_iterator


# ANCHOR: already_finished
def finished():
    yield 1
    return 5


f = finished()
assert list(f) == [1]             # the return value 5 is gone with this StopIteration


def late():
    r = yield from f
    yield r


assert next(late()) is None
# ANCHOR_END: already_finished


# ANCHOR: closed_from_outside
log = []


def sub():
    yield 'sub 1'
    yield 'sub 2'
    return 'sub done'


def delegator(s):
    r = yield from s
    log.append(f'yield from gave {r}')
    yield 'after'


s = sub()
d = delegator(s)
assert next(d) == 'sub 1'
s.close()                          # from outside, while the delegator waits on it
assert next(d) == 'after'          # the bare StopIteration of s: yield from gives None
assert log == ['yield from gave None']
# ANCHOR_END: closed_from_outside


# ANCHOR: self_delegation
def me():
    yield from me_g


me_g = me()
try:
    next(me_g)
except ValueError as e:
    assert str(e) == 'generator already executing'
else:
    raise AssertionError('no ValueError')
# ANCHOR_END: self_delegation

# ANCHOR: every_level_resumes
import dis
import sys


def innermost():
    while True:
        yield 'innermost'


def middle():
    yield from innermost()


def top():
    yield from middle()


g = top()
next(g)
resumed = []
sys.setprofile(lambda frame, event, arg: event == 'call' and resumed.append(frame.f_code.co_name))
g.send('x')
sys.setprofile(None)
assert resumed == ['top', 'middle', 'innermost']    # one send resumes every frame
assert 'SEND' in {i.opname for i in dis.get_instructions(middle)}   # which sends on down
# ANCHOR_END: every_level_resumes

# ANCHOR: recursion_limit
def flatten(items):
    for x in items:
        if isinstance(x, list):
            yield from flatten(x)
        else:
            yield x


deep = [0]
for i in range(1, 5000):
    deep = [deep, i]
try:
    sum(flatten(deep))
except RecursionError as e:
    assert str(e) == 'maximum recursion depth exceeded', e
else:
    raise AssertionError('no RecursionError')
shallow = [0]
for i in range(1, 500):
    shallow = [shallow, i]
assert sum(flatten(shallow)) == sum(range(500))
# ANCHOR_END: recursion_limit

print('all Generation 2 delegation rules hold on CPython')
