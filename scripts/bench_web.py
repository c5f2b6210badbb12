#!/usr/bin/env python3
"""wrk against document 004's application: pycoro::web, then aiohttp, one after the other.

Both serve the same app on 127.0.0.1 (pycoro: `cargo run --release --example
s004-06-aiohttp-app`; aiohttp: `python3 python/s004-06-aiohttp-app.py serve`), and `wrk`
loads `GET /Bob` with 256 connections. Prints each one's requests per second and errors,
and the ratio (goal: pycoro at least 5x aiohttp, with no errors).

    python3 scripts/bench_web.py [--duration 10] [--connections 256]

Installs what is missing: wrk (Debian's package) and aiohttp (pip).
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ensure_tools():
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "aiohttp"], check=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port} after {seconds} s")


def run_wrk(port, duration, connections):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", f"http://127.0.0.1:{port}/Bob"],
        check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    return rps, errors, out


def measure(name, command, env, port, args):
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_listening(port, process)
        rps, errors, out = run_wrk(port, args.duration, args.connections)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    print(f"{name:<8} {rps:12.0f} requests/s   errors: {errors}")
    if args.verbose:
        print(out)
    return rps, errors


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    ensure_tools()
    subprocess.run(["cargo", "build", "--quiet", "--release", "--example", "s004-06-aiohttp-app"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "examples", "s004-06-aiohttp-app")
    port = free_port()
    pycoro = measure("pycoro", [binary, "--port", str(port)], dict(os.environ), port, args)
    port = free_port()
    aiohttp = measure("aiohttp", [sys.executable, "python/s004-06-aiohttp-app.py", "serve", str(port)],
                      dict(os.environ), port, args)
    ratio = pycoro[0] / aiohttp[0]
    ok = ratio >= 5 and pycoro[1] == 0
    print(f"ratio    {ratio:12.2f}x   ({'meets' if ok else 'misses'} the goal: at least 5x, no errors)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
