"""The generator zoo, CPython side, and the driver the differential test feeds.

Each zoo member is a generator function written twice: here, and in Rust in
tests/differential/zoo.rs, with the same log lines. `cargo test differential` sends
cases on stdin, one JSON list per line: [zoo_index, op, op, ...], each op one of
"next", ["send", k], ["throw", kind], "close", "drop". For each case this prints its
trace lines, then a line `===`. Run by hand:

    echo '[4, "next", "close", "drop"]' | python3 python/differential/zoo.py
"""
import inspect
import json
import sys

LOG = []


def log(line):
    LOG.append(line)


class MyError(Exception):
    pass


def z00_simple():
    yield 1
    yield 2
    return 3


def z01_try_except():
    while True:
        try:
            x = yield 1
            log(f"got {x}")
        except ValueError as e:
            log(f"caught ValueError {e}")
            yield 2


def z02_try_finally():
    try:
        yield 1
        yield 2
    finally:
        log("finally")
    return 4


def z03_yield_in_except():
    try:
        yield 1
    except ValueError:
        x = yield 2
        log(f"in except got {x}")
    return 5


def z04_yield_in_finally():
    try:
        yield 1
    finally:
        log("finally")
        yield 2
        log("after yield in finally")


def z05_return_in_finally():
    try:
        yield 1
        yield 2
    finally:
        return 6


def z06_catch_exit_return():
    try:
        yield 1
        yield 2
    except GeneratorExit:
        log("exit caught")
        return 7
    return 8


def z07_catch_exit_yield():
    while True:
        try:
            yield 1
        except GeneratorExit:
            log("ignoring GeneratorExit")


def z08_reraise_different():
    try:
        yield 1
    except ValueError as e:
        raise TypeError(f"converted {e}")
    yield 2


def sub_echo():
    x = yield 10
    log(f"sub got {x}")
    y = yield 11
    log(f"sub got {y}")
    return 12


def z09_yield_from_1():
    r = yield from sub_echo()
    log(f"outer got {r}")
    yield r


def middle_catches():
    try:
        r = yield from sub_echo()
    except ValueError as e:
        log(f"middle caught {e}")
        r = yield 20
    return r


def z10_yield_from_2():
    r = yield from middle_catches()
    log(f"top got {r}")
    return r


def z11_yield_from_3():
    try:
        r = yield from z10_yield_from_2()
    except TypeError as e:
        log(f"z11 caught {e}")
        r = -1
    log(f"z11 got {r}")
    yield 30


def z12_plain_iterator():
    yield from range(3)
    return 9


def sub_returns_on_throw():
    try:
        yield 1
    except ValueError:
        return 42
    return 0


def z13_sub_returns_on_throw():
    r = yield from sub_returns_on_throw()
    log(f"outer got {r}")
    yield r


def z14_raises_stop_iteration():
    yield 1
    raise StopIteration("inside")


def z15_echo():
    x = None
    while True:
        x = yield (x if x is not None else -1)


# ANCHOR: z16_except_else_finally
def z16_except_else_finally():
    try:
        x = yield 1
    except (ValueError, MyError) as e:
        log(f"except {type(e).__name__}")
        yield 2
    else:
        log(f"else {x}")
    finally:
        log("finally")
    yield 3
# ANCHOR_END: z16_except_else_finally


def sub_close_raises():
    try:
        yield 1
    except GeneratorExit:
        raise ValueError("sub close failed")


def z17_sub_close_raises():
    try:
        yield from sub_close_raises()
    except ValueError as e:
        log(f"outer caught {e}")
        yield 2


def z18_raise_from():
    try:
        yield 1
    except ValueError as e:
        raise TypeError("from v") from e
    yield 2


def z19_raise_from_none():
    try:
        yield 1
    except (ValueError, TypeError):
        raise KeyError("k") from None
    yield 2


# ANCHOR: z20_raise_in_finally
def z20_raise_in_finally():
    try:
        yield 1
        yield 2
    finally:
        log("finally raises")
        raise MyError("from finally")
# ANCHOR_END: z20_raise_in_finally


ZOO = [z00_simple, z01_try_except, z02_try_finally, z03_yield_in_except,
       z04_yield_in_finally, z05_return_in_finally, z06_catch_exit_return,
       z07_catch_exit_yield, z08_reraise_different, z09_yield_from_1,
       z10_yield_from_2, z11_yield_from_3, z12_plain_iterator,
       z13_sub_returns_on_throw, z14_raises_stop_iteration, z15_echo,
       z16_except_else_finally, z17_sub_close_raises, z18_raise_from,
       z19_raise_from_none, z20_raise_in_finally]

EXCEPTIONS = {
    "ValueError": lambda: ValueError("v"),
    "TypeError": lambda: TypeError("t"),
    "MyError": lambda: MyError("m"),
    "GeneratorExit": lambda: GeneratorExit(),
    "StopIteration": lambda: StopIteration("s"),
}


def describe(e):
    message = str(e)
    return f"{type(e).__name__}: {message}" if message else type(e).__name__


def raised(e):
    """The exception, and the one it was raised from or while handling, if any."""
    text = f"raised {describe(e)}"
    if e.__cause__ is not None:
        text += f" (cause {describe(e.__cause__)})"
    elif e.__suppress_context__:
        text += " (from None)"
    elif e.__context__ is not None:
        text += f" (context {describe(e.__context__)})"
    return text


def op_text(op):
    if isinstance(op, list):
        return f"{op[0]}({op[1]})"
    return op


def run_case(case):
    index, ops = case[0], case[1:]
    trace, unraisable = [], []
    sys.unraisablehook = lambda u: unraisable.append(
        f"  unraisable {type(u.exc_value).__name__}: {u.exc_value}")
    LOG.clear()
    g = ZOO[index]()
    for op in ops:
        before = inspect.getgeneratorstate(g) if op != "drop" else None
        try:
            if op == "next":
                outcome = f"yielded {next(g)}"
            elif op == "close":
                g.close()
                outcome = "closed"
            elif op == "drop":
                del g
                outcome = "dropped"
            elif op[0] == "send":
                outcome = f"yielded {g.send(op[1])}"
            else:
                outcome = f"yielded {g.throw(EXCEPTIONS[op[1]]())}"
        except StopIteration as e:
            if before == inspect.GEN_CLOSED:
                outcome = raised(e)
            else:
                outcome = f"returned {e.value!r}"
        except BaseException as e:
            outcome = raised(e)
        trace.extend(f"  log {line}" for line in LOG)
        LOG.clear()
        trace.extend(unraisable)
        unraisable.clear()
        if op == "drop":
            trace.append(f"{op_text(op)} -> {outcome}")
            break
        trace.append(f"{op_text(op)} -> {outcome} [{inspect.getgeneratorstate(g)}]")
    return trace


def main():
    for line in sys.stdin:
        if line.strip():
            print("\n".join(run_case(json.loads(line))))
            print("===")


if __name__ == "__main__":
    main()
