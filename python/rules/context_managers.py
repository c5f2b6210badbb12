# with, async with and contextlib as CPython 3.11 behaves, each next to a pycoro test in
# tests/context_managers.rs (same names). tests/cpython.rs runs this file: every assert is
# checked.
import asyncio
from contextlib import ExitStack, asynccontextmanager, contextmanager, suppress


# ANCHOR: exit
def exit_runs_on_every_way_out_and_may_suppress():
    log = []

    class Logged:
        def __init__(self, suppress):
            self.suppress = suppress

        def __enter__(self):
            log.append('enter')
            return 'target'

        def __exit__(self, typ, value, tb):
            log.append('exit %s' % (repr(value) if value else 'None'))
            return self.suppress

    with Logged(False) as target:
        log.append('body with %s' % target)
    with Logged(True):
        raise ValueError('suppressed')
    try:
        with Logged(False):
            raise ValueError('raised again')
    except ValueError as e:
        log.append('caught %r' % e)
    assert log == [
        'enter', 'body with target', 'exit None',
        'enter', "exit ValueError('suppressed')",
        'enter', "exit ValueError('raised again')", "caught ValueError('raised again')",
    ], log
# ANCHOR_END: exit


# ANCHOR: exit_raises
def what_an_exit_raises_has_the_body_exception_as_its_context():
    class Release:
        def __enter__(self):
            return self

        def __exit__(self, typ, value, tb):
            raise RuntimeError('cannot release')

    @contextmanager
    def translating():
        try:
            yield
        except KeyError:
            raise LookupError('translated')

    @contextmanager
    def quiet():
        try:
            yield
        except KeyError:
            exc = LookupError('quiet')
            try:
                raise exc
            finally:
                exc.__context__ = None

    try:
        with Release():
            raise ValueError('work failed')
    except RuntimeError as e:
        assert repr(e.__context__) == "ValueError('work failed')", repr(e.__context__)
    try:
        with Release():
            pass
    except RuntimeError as e:
        assert e.__context__ is None  # nothing was being handled
    try:
        with translating():
            raise KeyError('k')
    except LookupError as e:
        assert repr(e.__context__) == "KeyError('k')", repr(e.__context__)
    try:
        with quiet():
            raise KeyError('k')
    except LookupError as e:
        assert e.__context__ is None  # set so by hand: kept


def exit_stack_links_what_each_exit_raises_to_the_exception_it_replaced():
    def raising(message):
        def exit(typ, value, tb):
            raise RuntimeError(message)
        return exit

    try:
        with ExitStack() as stack:
            stack.push(raising('outer'))
            stack.push(raising('inner'))
            raise ValueError('body')
    except RuntimeError as e:
        chain = []
        while e is not None:
            chain.append(repr(e))
            e = e.__context__
    assert chain == [
        "RuntimeError('outer')", "RuntimeError('inner')", "ValueError('body')"
    ], chain
# ANCHOR_END: exit_raises


# ANCHOR: contextmanager
def contextmanager_throws_the_exception_in_at_its_yield():
    log = []

    @contextmanager
    def catching(kind):
        try:
            yield
        except kind as e:
            log.append('caught %r' % e)

    with catching(ValueError):
        raise ValueError('x')  # caught at the yield: the with goes on
    try:
        with catching(KeyError):
            raise ValueError('y')
    except ValueError as e:
        log.append('raised again %r' % e)
    assert log == ["caught ValueError('x')", "raised again ValueError('y')"], log
# ANCHOR_END: contextmanager


# ANCHOR: exit_stack
def exit_stack_runs_its_callbacks_last_first_each_told_the_exception_left():
    log = []

    def replace(typ, value, tb):
        log.append('replace: got %r' % value)
        raise KeyError('replacement')

    def look(typ, value, tb):
        log.append('look: got %r' % value)

    def swallow(typ, value, tb):
        log.append('swallow: got %r' % value)
        return True

    with ExitStack() as stack:
        stack.callback(log.append, 'callback: first pushed, last run')
        stack.push(swallow)
        stack.push(look)
        stack.push(replace)
        raise ValueError('body')
    assert log == [
        "replace: got ValueError('body')",
        "look: got KeyError('replacement')",
        "swallow: got KeyError('replacement')",
        'callback: first pushed, last run',
    ], log
# ANCHOR_END: exit_stack


# ANCHOR: pop_all
def exit_stack_pop_all_moves_the_callbacks_to_a_new_stack():
    log = []
    with ExitStack() as stack:
        stack.callback(log.append, 'closed')
        kept = stack.pop_all()
    assert log == []
    kept.close()
    assert log == ['closed']
# ANCHOR_END: pop_all


# ANCHOR: suppress
def suppress_suppresses_only_what_it_is_told():
    with suppress(ValueError):
        raise ValueError
    try:
        with suppress(ValueError):
            raise TypeError('not this one')
    except TypeError as e:
        assert str(e) == 'not this one'
    else:
        raise AssertionError('suppressed')
# ANCHOR_END: suppress


# ANCHOR: asynccontextmanager
async def asynccontextmanager_awaits_in_its_clean_up():
    loop = asyncio.get_running_loop()
    start = loop.time()
    log = []

    @asynccontextmanager
    async def connection():
        log.append('open')
        try:
            yield 'conn'
        finally:
            await asyncio.sleep(0.5)
            log.append('closed at %.1f' % (loop.time() - start))

    try:
        async with connection() as conn:
            log.append('using %s' % conn)
            raise ValueError('failed')
    except ValueError:
        log.append('caught')
    assert log == ['open', 'using conn', 'closed at 0.5', 'caught'], log
# ANCHOR_END: asynccontextmanager


exit_runs_on_every_way_out_and_may_suppress()
what_an_exit_raises_has_the_body_exception_as_its_context()
exit_stack_links_what_each_exit_raises_to_the_exception_it_replaced()
contextmanager_throws_the_exception_in_at_its_yield()
exit_stack_runs_its_callbacks_last_first_each_told_the_exception_left()
exit_stack_pop_all_moves_the_callbacks_to_a_new_stack()
suppress_suppresses_only_what_it_is_told()
asyncio.run(asynccontextmanager_awaits_in_its_clean_up())
