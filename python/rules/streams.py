# asyncio's streams as CPython 3.11 behaves, each next to a pycoro test in
# tests/io_streams.rs (same names). tests/cpython.rs runs this file: every assert is
# checked.
import asyncio


async def a_closed_server_refuses_new_connections_with_the_errno():
    async def ignore(reader, writer):
        writer.close()

    server = await asyncio.start_server(ignore, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    try:
        await asyncio.open_connection('127.0.0.1', port)
    except ConnectionRefusedError as e:
        assert e.errno == 111, e.errno
        assert e.strerror == f"Connect call failed ('127.0.0.1', {port})", e.strerror
        assert str(e) == f"[Errno 111] Connect call failed ('127.0.0.1', {port})", str(e)
    else:
        raise AssertionError('no ConnectionRefusedError')


async def readline_of_a_line_over_the_limit_is_value_error():
    async def send_long(reader, writer):
        writer.write(b'x' * 200_000)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(send_long, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    try:
        await reader.readline()
    except ValueError as e:
        assert type(e) is ValueError, type(e)  # not the LimitOverrunError of readuntil
        assert str(e) == 'Separator is not found, and chunk exceed the limit', str(e)
    else:
        raise AssertionError('no ValueError')
    writer.close()
    server.close()
    await server.wait_closed()


async def a_read_given_to_wait_for_times_out_and_loses_nothing():
    go = asyncio.Event()

    async def late(reader, writer):
        await go.wait()
        writer.write(b'late line\n')
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(late, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    try:
        await asyncio.wait_for(reader.readline(), 0.1)
    except TimeoutError:
        pass
    else:
        raise AssertionError('no TimeoutError')
    go.set()
    assert await asyncio.wait_for(reader.readline(), 5) == b'late line\n'
    writer.close()
    await asyncio.wait_for(writer.wait_closed(), 5)
    server.close()
    await asyncio.wait_for(server.wait_closed(), 5)


async def write_after_write_eof_is_runtime_error():
    done = asyncio.Event()

    async def read_all(reader, writer):
        await reader.read()
        writer.close()
        done.set()

    server = await asyncio.start_server(read_all, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    writer.write(b'one\n')
    writer.write_eof()
    try:
        writer.write(b'two\n')
    except RuntimeError as e:
        assert str(e) == 'Cannot call write() after write_eof()', str(e)
    else:
        raise AssertionError('no RuntimeError')
    await done.wait()
    writer.close()
    server.close()
    await server.wait_closed()


async def readuntil_past_the_limit_is_limit_overrun_error_with_what_to_consume():
    done = asyncio.Event()

    async def send_long_line(reader, writer):
        writer.write(b'x' * 70_000 + b'\nnext\n')
        await writer.drain()
        await done.wait()
        writer.close()

    server = await asyncio.start_server(send_long_line, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    try:
        await reader.readuntil(b'\n')
    except asyncio.LimitOverrunError as e:
        assert str(e) == 'Separator is found, but chunk is longer than limit', str(e)
        assert e.consumed == 70_000, e.consumed
        assert e.args == ('Separator is found, but chunk is longer than limit',)
    else:
        raise AssertionError('no LimitOverrunError')
    done.set()
    writer.close()
    server.close()
    await server.wait_closed()


asyncio.run(a_closed_server_refuses_new_connections_with_the_errno())
asyncio.run(readline_of_a_line_over_the_limit_is_value_error())
asyncio.run(a_read_given_to_wait_for_times_out_and_loses_nothing())
asyncio.run(write_after_write_eof_is_runtime_error())
asyncio.run(readuntil_past_the_limit_is_limit_overrun_error_with_what_to_consume())
