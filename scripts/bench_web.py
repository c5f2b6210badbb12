#!/usr/bin/env python3
"""wrk against document 004's application: pycoro::web, then aiohttp, one after the other.

Both serve the same app on 127.0.0.1 (pycoro: `cargo run --release --example
s004-06-aiohttp-app`; aiohttp: `python3 python/s004-06-aiohttp-app.py serve`), and `wrk`
loads `GET /Bob` over keep-alive connections, 256 and then 1,000 of them. For each run it
prints requests per second, the 99th percentile of latency, errors, the server's peak
resident memory (VmHWM of /proc/PID/status, read before the server stops), and, counted
on the server process alone while wrk runs, its CPU time and system calls per request
(`perf stat -e raw_syscalls:sys_enter`, when perf can). Those two are steadier than
requests per second on a shared machine. The goal: pycoro at least 5x aiohttp on the
first run, with no errors anywhere.

    python3 scripts/bench_web.py [--duration 10] [--connections 256,1000]
                                 [--binary PATH] [--only pycoro|aiohttp]

`--binary` measures another build of the example (say, one built before a change), to
compare two builds under the same conditions.

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
TICKS = os.sysconf("SC_CLK_TCK")


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


def cpu_seconds(pid):
    """User and system time of process `pid` so far, all its threads."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1))


def seconds(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def start_perf(pid):
    if shutil.which("perf") is None:
        return None
    return subprocess.Popen(
        ["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-p", str(pid)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stop_perf(perf):
    if perf is None:
        return None
    perf.send_signal(signal.SIGINT)
    try:
        _, err = perf.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        perf.kill()
        return None
    for line in err.splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2] == "raw_syscalls:sys_enter" and fields[0].isdigit():
            return int(fields[0])
    return None


def run_wrk(port, duration, connections, server_pid):
    cpu_before = cpu_seconds(server_pid)
    perf = start_perf(server_pid)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
         f"http://127.0.0.1:{port}/Bob"],
        check=True, capture_output=True, text=True).stdout
    syscalls = stop_perf(perf)
    cpu = cpu_seconds(server_pid) - cpu_before
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p99": seconds(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "errors": errors,
        "cpu_us": cpu / max(requests, 1) * 1e6,
        "syscalls": None if syscalls is None else syscalls / max(requests, 1),
        "out": out,
    }


def measure(name, command, args, connections):
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in command]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_listening(port, process)
        result = run_wrk(port, args.duration, connections, process.pid)
        result["rss_mib"] = peak_rss_kib(process.pid) / 1024
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    syscalls = "-" if result["syscalls"] is None else f"{result['syscalls']:.2f}"
    print(f"{name:<8} {connections:>5} {result['rps']:12.0f} {result['p99'] * 1e3:9.2f} "
          f"{result['errors']:7} {result['rss_mib']:9.1f} {result['cpu_us']:8.2f} {syscalls:>8}",
          flush=True)
    if args.verbose:
        print(result["out"])
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", default="256,1000",
                        help="comma-separated: one run per number of connections")
    parser.add_argument("--binary", help="the pycoro example to measure (default: build it)")
    parser.add_argument("--only", choices=["pycoro", "aiohttp"])
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    ensure_tools()
    binary = args.binary
    if binary is None and args.only != "aiohttp":
        subprocess.run(["cargo", "build", "--quiet", "--release", "--example", "s004-06-aiohttp-app"],
                       cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "examples", "s004-06-aiohttp-app")
    servers = {
        "pycoro": [binary, "--port", "{port}"],
        "aiohttp": [sys.executable, "python/s004-06-aiohttp-app.py", "serve", "{port}"],
    }
    if args.only:
        servers = {args.only: servers[args.only]}
    print(f"{'server':<8} {'conns':>5} {'requests/s':>12} {'p99 ms':>9} {'errors':>7} "
          f"{'peak MiB':>9} {'CPU us/r':>8} {'sys/r':>8}")
    results = {}
    for connections in [int(c) for c in args.connections.split(",")]:
        for name, command in servers.items():
            results[name, connections] = measure(name, command, args, connections)
    if len(servers) < 2:
        return 0
    first = int(args.connections.split(",")[0])
    ratio = results["pycoro", first]["rps"] / results["aiohttp", first]["rps"]
    errors = sum(r["errors"] for (name, _), r in results.items() if name == "pycoro")
    ok = ratio >= 5 and errors == 0
    print(f"ratio at {first} connections {ratio:.2f}x "
          f"({'meets' if ok else 'misses'} the goal: at least 5x, no errors)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
