# The Generation 1 rules as CPython 3.11 behaves, each next to a pycoro test in the
# book. tests/cpython.rs runs this file: every assert here is checked on CPython.
import inspect


# ANCHOR: first_send
def echo():
    while True:
        x = yield
        print('got', x)


g = echo()
try:
    g.send('x')
except TypeError as e:
    assert str(e) == "can't send non-None value to a just-started generator"
else:
    raise AssertionError('no TypeError')
assert inspect.getgeneratorstate(g) == 'GEN_CREATED'   # still usable
g.send(None)
# ANCHOR_END: first_send


# ANCHOR: throw_caught
def catches_value_error():
    while True:
        try:
            yield 1
        except ValueError:
            yield 2


g = catches_value_error()
assert next(g) == 1
assert g.throw(ValueError('x')) == 2    # throw returns what the body yields next
assert next(g) == 1
# ANCHOR_END: throw_caught


# ANCHOR: ignored_exit
def ignores_exit():
    while True:
        try:
            yield 1
        except GeneratorExit:
            pass                          # ... and loops back to yield


g = ignores_exit()
next(g)
try:
    g.close()
except RuntimeError as e:
    assert str(e) == 'generator ignored GeneratorExit'
else:
    raise AssertionError('no RuntimeError')
assert inspect.getgeneratorstate(g) == 'GEN_SUSPENDED'
assert next(g) == 1
# ANCHOR_END: ignored_exit


# ANCHOR: except_exception
def careful():
    while True:
        try:
            yield 1
        except Exception:
            pass


g = careful()
next(g)
assert g.throw(ValueError('swallowed')) == 1
g.close()                     # GeneratorExit is a BaseException: `except Exception` lets it by
assert inspect.getgeneratorstate(g) == 'GEN_CLOSED'
# ANCHOR_END: except_exception


# ANCHOR: context
import traceback


def cleanup_fails():
    try:
        yield 1
    except GeneratorExit:
        raise ValueError('cleanup failed')


g = cleanup_fails()
next(g)
try:
    g.close()
except ValueError as e:
    assert isinstance(e.__context__, GeneratorExit)
    report = [line for line in traceback.format_exception(e) if not line.startswith('  ')]
    assert ''.join(report) == (
        'Traceback (most recent call last):\n'
        'GeneratorExit\n'
        '\n'
        'During handling of the above exception, another exception occurred:\n'
        '\n'
        'Traceback (most recent call last):\n'
        'ValueError: cleanup failed\n'
    ), report
else:
    raise AssertionError('no ValueError')
# ANCHOR_END: context


# ANCHOR: pep479
def raises_stop():
    yield 1
    raise StopIteration(3)


g = raises_stop()
next(g)
try:
    next(g)
except RuntimeError as e:
    assert str(e) == 'generator raised StopIteration'
    assert isinstance(e.__cause__, StopIteration) and e.__cause__.value == 3
else:
    raise AssertionError('no RuntimeError')
assert inspect.getgeneratorstate(g) == 'GEN_CLOSED'
# ANCHOR_END: pep479


# PEP 479 matches the class: a subclass of StopIteration escaping is a RuntimeError too.
class StopSubclass(StopIteration):
    pass


def raises_stop_subclass():
    yield 1
    raise StopSubclass


g = raises_stop_subclass()
next(g)
try:
    next(g)
except RuntimeError as e:
    assert str(e) == 'generator raised StopIteration'
    assert type(e.__cause__) is StopSubclass
else:
    raise AssertionError('no RuntimeError')


# ANCHOR: stop_value
def returns_done():
    yield 1
    return 'done'


g = returns_done()


def first_two():
    return next(g), next(g)     # the second next raises


try:
    first_two()
except StopIteration as e:
    assert e.value == 'done'
else:
    raise AssertionError('no StopIteration')
assert inspect.getgeneratorstate(g) == 'GEN_CLOSED'
# ANCHOR_END: stop_value


# ANCHOR: already_executing
def me():
    yield me_g.send(None)


me_g = me()
try:
    next(me_g)
except ValueError as e:
    assert str(e) == 'generator already executing'
else:
    raise AssertionError('no ValueError')
assert inspect.getgeneratorstate(me_g) == 'GEN_CLOSED'
# ANCHOR_END: already_executing


# ANCHOR: drop_closes
log = []


def with_cleanup():
    try:
        while True:
            yield 1
    finally:
        log.append('cleanup')


g = with_cleanup()
next(g)
del g                                     # CPython collects it at once: close() runs
assert log == ['cleanup']
# ANCHOR_END: drop_closes

# ANCHOR: qualname
# a_generator_made_by_a_method_is_named_by_its_qualified_name (src/generators/generator.rs)
class Tree:
    def walk(self):
        yield 1


walker = Tree().walk()
assert (walker.__name__, walker.__qualname__) == ('walk', 'Tree.walk')
assert repr(walker).startswith('<generator object Tree.walk at 0x')


async def ticks():
    yield 1


class Clock:
    async def ticks(self):
        yield 1


assert repr(ticks()).startswith('<async_generator object ticks at 0x')
assert repr(Clock().ticks()).startswith('<async_generator object Clock.ticks at 0x')
# ANCHOR_END: qualname

print('all Generation 1 rules hold on CPython')
