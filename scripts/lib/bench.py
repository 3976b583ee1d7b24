"""Times awskeyring-helper against `secret-tool lookup` in one run, alternating the commands so that
machine load hits them alike, and prints medians, ratios and peak memory. Run by scripts/bench.sh inside
its sandbox (private keyring, moto as STS); see that script for the set-up."""

import os
import statistics
import subprocess
import sys
import time


def run_once(argv, env):
    """Wall time in ms of one run; fails loudly on a bad exit."""
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed: {result.stderr.decode(errors='replace').strip()}")
    return elapsed


def peak_memory(argv, env):
    """Peak resident memory in KiB, measured by GNU time: a child of this Python process would report
    Python's own size, which it carries until exec."""
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M"] + argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed: {result.stderr.decode(errors='replace').strip()}")
    return int(result.stderr.decode().strip().splitlines()[-1])


def main():
    helper, runs = sys.argv[1], int(sys.argv[2])
    env = dict(os.environ)
    cases = [
        ("secret-tool lookup (reference)", ["secret-tool", "lookup", "app", "bench"], env, runs),
        ("cached role call", [helper, "--profile", "bench-role"], env, runs),
        (
            "cached role call, Secret Service tier only",
            [helper, "--profile", "bench-role"],
            dict(env, AWSKEYRING_HELPER_KERNEL_CACHE="off"),
            runs,
        ),
        ("stored-keys call", [helper, "--profile", "bench-keys"], env, runs),
        ("cold AssumeRole call (--refresh)", [helper, "--profile", "bench-role", "--refresh"], env, max(10, runs // 3)),
    ]
    for _, argv, case_env, _ in cases:  # warm the caches and the page cache
        run_once(argv, case_env)
    times = {name: [] for name, *_ in cases}
    for index in range(runs):
        for name, argv, case_env, count in cases:
            if index < count:
                times[name].append(run_once(argv, case_env))
    memory = {name: [peak_memory(argv, case_env) for _ in range(5)] for name, argv, case_env, _ in cases}

    reference = cases[0][0]
    ref_time = statistics.median(times[reference])
    ref_rss = max(memory[reference])
    print(f"{'command':<44} {'runs':>5} {'median ms':>10} {'p90 ms':>8} {'x ref':>7} {'peak MiB':>9} {'x ref':>7}")
    for name, *_ in cases:
        samples = sorted(times[name])
        median = statistics.median(samples)
        p90 = samples[int(len(samples) * 0.9) - 1]
        rss = max(memory[name])
        print(
            f"{name:<44} {len(samples):>5} {median:>10.2f} {p90:>8.2f} {median / ref_time:>7.2f} "
            f"{rss / 1024:>9.1f} {rss / ref_rss:>7.2f}"
        )
    cached = statistics.median(times["cached role call"])
    cached_rss = max(memory["cached role call"])
    time_ok = cached <= 0.5 * ref_time
    memory_ok = cached_rss <= 1.5 * ref_rss
    print()
    print(f"target: cached role call <= 0.50 x secret-tool lookup: {cached / ref_time:.2f} x -> {'met' if time_ok else 'MISSED'}")
    print(f"target: its peak memory <= 1.50 x secret-tool lookup:  {cached_rss / ref_rss:.2f} x -> {'met' if memory_ok else 'MISSED'}")


if __name__ == "__main__":
    main()
