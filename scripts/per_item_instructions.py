#!/usr/bin/env python3
"""Counts the instructions one item of a benchmark costs, with callgrind.

Timings on a shared machine swing; instruction counts do not. This runs one criterion
benchmark of BENCH under callgrind (`--profile-time 2`, no timing), counts how many times
each machine instruction ran, and keeps the instructions that ran once per item: those
that ran at least as often as ITEMS times the number of iterations. Their number is what
an item costs. Usage:

    python3 scripts/per_item_instructions.py async_generators 'async_generator_1m_items/pycoro$' 1000000
    python3 scripts/per_item_instructions.py async_generators 'async_generator_1m_items/tokio$' 1000000 --listing

`--listing` prints those instructions, disassembled (with objdump), in address order.
"""
import argparse
from collections import Counter
import json
import re
import shutil
import subprocess
import sys
import tempfile


def bench_binary(bench):
    """Builds the benchmark and returns its executable, as cargo reports it."""
    build = subprocess.run(
        ["cargo", "bench", "--bench", bench, "--no-run", "--message-format=json"],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in build.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable"):
            if message["target"]["name"] == bench:
                return message["executable"]
    sys.exit(f"cargo built no executable for bench {bench!r}")


def instruction_counts(callgrind_out):
    """Address -> times run, from a `--dump-instr=yes` callgrind file (calls excluded)."""
    counts = {}
    address = 0
    after_calls = False
    for line in open(callgrind_out):
        if line.startswith("calls="):
            after_calls = True  # the next cost line is the call's inclusive cost
            continue
        m = re.match(r"^(0x[0-9a-f]+|[+-]\d+|\*)\s+\S+\s+(\d+)", line)
        if not m:
            continue
        position = m.group(1)
        if position.startswith("0x"):
            address = int(position, 16)
        elif position != "*":
            address += int(position)
        if after_calls:
            after_calls = False
            continue
        counts[address] = counts.get(address, 0) + int(m.group(2))
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bench", help="the benchmark target, e.g. async_generators")
    parser.add_argument("filter", help="criterion's filter, e.g. 'group/function$'")
    parser.add_argument("items", type=int, help="items one iteration of it handles")
    parser.add_argument("--listing", action="store_true", help="print the instructions")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed: this count needs callgrind")

    binary = bench_binary(args.bench)
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--dump-instr=yes",
             f"--callgrind-out-file={out.name}",
             binary, "--bench", "--profile-time", "2", args.filter],
            capture_output=True,
            check=True,
        )
        counts = instruction_counts(out.name)

    # Most of the instructions that ran at least ITEMS times are the per-item path's,
    # each run items × iterations times (or a few more: a loop's test runs once more
    # than its body), so the commonest quotient is the number of iterations.
    quotients = Counter(c // args.items for c in counts.values() if c >= args.items)
    if not quotients:
        sys.exit(f"no instruction ran {args.items} times: is ITEMS right?")
    iterations = quotients.most_common(1)[0][0]
    per_item = {a: c for a, c in counts.items() if c >= iterations * args.items}
    print(
        f"{args.filter}: {len(per_item)} instructions an item "
        f"({iterations} iterations of {args.items:,} items)"
    )
    if args.listing:
        listing = subprocess.run(
            ["objdump", "-d", "--no-show-raw-insn", "-C", binary],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for line in listing.splitlines():
            m = re.match(r"^\s*([0-9a-f]+):\s+(.*)", line)
            if m and int(m.group(1), 16) in per_item:
                print(f"{per_item[int(m.group(1), 16)]:>12,} {m.group(1)} {m.group(2)[:90]}")


if __name__ == "__main__":
    main()
