#!/usr/bin/env python3
"""Prints each benchmark's time as a ratio of its group's baseline.

Criterion writes target/criterion/GROUP/FUNCTION/new/estimates.json after
`cargo bench`; this reads the mean of each and divides by the group's baseline
(the function named in BASELINES, run in the same process). Usage:

    cargo bench && python3 scripts/bench_ratios.py
"""
import json
import pathlib
import sys

BASELINES = {
    "send_round_trip": "function_call",
    "delegation": "direct_send",
    "bare_coroutines": "direct_resume",
    # Generation 3 against tokio: a ratio above 1 means pycoro is slower.
    "spawn_1m_tasks": "tokio",
    "timers_100k": "tokio",
    "ping_pong_1m": "tokio",
    "self_wake_1m": "tokio",
    "async_generator_1m_items": "tokio",
    # asyncio's toolkit against tokio::sync (benches/toolkit.rs).
    "queue_1m_items": "tokio",
    "lock_100_tasks_10k": "tokio",
    "semaphore_100_tasks_10k": "tokio",
}

# Groups reported as time per element (criterion's Throughput::Elements).
PER_ELEMENT = {
    "loop_task_step": 100 * 100,
}

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"
if not root.is_dir():
    sys.exit(f"no criterion results under {root}: run `cargo bench` first")

for group, elements in PER_ELEMENT.items():
    for estimates in sorted((root / group).glob("*/new/estimates.json")):
        mean = json.loads(estimates.read_text())["mean"]["point_estimate"]
        name = estimates.parent.parent.name
        print(f"{group}: {name}: {mean / elements:.1f} ns per element")

for group, baseline in BASELINES.items():
    group_dir = root / group
    if not group_dir.is_dir():
        continue
    means = {}
    for estimates in group_dir.glob("*/new/estimates.json"):
        name = estimates.parent.parent.name
        means[name] = json.loads(estimates.read_text())["mean"]["point_estimate"]
    if baseline not in means:
        print(f"{group}: no baseline '{baseline}'")
        continue
    print(f"{group} (baseline: {baseline})")
    for name, mean in sorted(means.items(), key=lambda item: item[1]):
        print(f"  {name:<28} {mean:10.2f} ns   {mean / means[baseline]:6.2f}x")
