"""Times awskeyring-helper against `secret-tool lookup` in one run, alternating the commands in a new
random order each round so that machine load, and whatever one command leaves behind for the next, hits
them alike, and prints medians of wall and CPU time, ratios, peak memory, and
instruction counts under callgrind (which machine noise does not move). Run by scripts/bench.sh inside
its sandbox (private keyring, moto as STS); see that script for the set-up."""

import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def run_once(argv, env, allowed=(0,)):
    """Wall and CPU (user + system) time in ms of one run; fails loudly on an exit status not allowed.
    stderr goes to a file: a pipe read only after the exit would stop a command that writes much."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = (time.perf_counter() - start) * 1000
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in allowed:
            errors.seek(0)
            sys.exit(f"bench: {' '.join(argv)} failed: {errors.read().decode(errors='replace').strip()[-2000:]}")
    return elapsed, (usage.ru_utime + usage.ru_stime) * 1000


def instructions(argv, env):
    """Instructions executed by one run under callgrind (the program and every library it loads)."""
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    match = re.search(r"Collected : (\d+)", result.stderr.decode(errors="replace"))
    if result.returncode != 0 or not match:
        sys.exit(f"bench: callgrind of {' '.join(argv)} failed: {result.stderr.decode(errors='replace')[-500:]}")
    return int(match.group(1))


def peak_memory(argv, env):
    """Peak resident memory in KiB, measured by GNU time: a child of this Python process would report
    Python's own size, which it carries until exec."""
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M"] + argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed: {result.stderr.decode(errors='replace').strip()}")
    return int(result.stderr.decode().strip().splitlines()[-1])


def program_sizes(helper):
    """Bytes of the two programs as installed (stripped, as the package ships them), and the
    instructions the commands program runs for `--version` (its start-up: loading, relocating, the
    runtime's set-up), paid by every command and cache miss."""
    sizes, starts = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for name in ("awskeyring-helper", "awskeyring-helper-commands"):
            stripped = os.path.join(folder, name)
            subprocess.run(["strip", "-o", stripped, os.path.join(os.path.dirname(helper), name)], check=True)
            sizes[name] = os.path.getsize(stripped)
        # The small program's start-up is in the cached call's count; it hands `--version` over.
        if shutil.which("valgrind"):
            starts["awskeyring-helper-commands"] = instructions([stripped, "--version"], dict(os.environ))
    return sizes, starts


def join_session_keyring():
    """A kernel session keyring of its own for this process and its children, as a login gets from
    pam_keyinit: the opt-in kernel tier keeps its entries there."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    keyctl = 250 if os.uname().machine == "x86_64" else 219
    if libc.syscall(keyctl, 1, None) < 0:  # KEYCTL_JOIN_SESSION_KEYRING, anonymous
        print("bench: no kernel session keyring here; the kernel tier row measures its absence", file=sys.stderr)


def timed(argv, env, repeat):
    """Median wall time in ms of `repeat` runs of a command that may take long (the commands at scale).
    Exit status 1 is allowed: doctor reports the bench's own profiles (no keys stored for them)."""
    return statistics.median(run_once(argv, env, allowed=(0, 1))[0] for _ in range(repeat))


def main():
    join_session_keyring()
    helper, runs = sys.argv[1], int(sys.argv[2])
    counted_helper = sys.argv[3] if len(sys.argv) > 3 else helper
    env = dict(os.environ)
    # Config files of the sizes organisations generate (scripts/lib/bench_config.py), written by bench.sh.
    sized = {count: dict(env, AWS_CONFIG_FILE=f"{env['AWS_CONFIG_FILE']}-{count}") for count in (3000, 30000)}
    big = sized[30000]
    # A cache miss: the cached session is dropped (untimed) before each timed call.
    drop = [helper, "clear", "--profile", "bench-role"]
    cold_runs = max(10, runs // 3)
    cases = [
        ("secret-tool lookup (reference)", ["secret-tool", "lookup", "app", "bench"], env, runs, None),
        ("cached role call (Secret Service, default)", [helper, "--profile", "bench-role"], env, runs, None),
        ("cached role call, 3,000 more profiles", [helper, "--profile", "bench-role"], sized[3000], runs, None),
        ("cached role call, 30,000 more profiles", [helper, "--profile", "bench-role"], big, runs, None),
        (
            "cached role call, opt-in kernel tier",
            [helper, "--profile", "bench-role"],
            dict(env, AWSKEYRING_HELPER_KERNEL_CACHE="on"),
            runs,
            None,
        ),
        ("stored-keys call", [helper, "--profile", "bench-keys"], env, runs, None),
        ("cache miss: AssumeRole (moto)", [helper, "--profile", "bench-role"], env, cold_runs, drop),
        ("cache miss, 30,000 more profiles", [helper, "--profile", "bench-role"], big, cold_runs, drop),
    ]
    for _, argv, case_env, _, setup in cases:  # warm the caches and the page cache
        if setup:
            run_once(setup, case_env)
        run_once(argv, case_env)
    times = {name: [] for name, *_ in cases}
    cpu = {name: [] for name, *_ in cases}
    # In a fixed order, one binary run under two names came out 0.37 ms apart, the one run second
    # faster; the seed keeps the order the same from one bench run to the next.
    order = random.Random(20261202)
    for index in range(runs):
        round_cases = [case for case in cases if index < case[3]]
        order.shuffle(round_cases)
        for name, argv, case_env, _, setup in round_cases:
            if setup:
                run_once(setup, case_env)
            wall, used = run_once(argv, case_env)
            times[name].append(wall)
            cpu[name].append(used)
    memory = {}
    for name, argv, case_env, _, setup in cases:
        memory[name] = []
        for _ in range(5):
            if setup:
                run_once(setup, case_env)
            memory[name].append(peak_memory(argv, case_env))
    counted = [case for case in cases[:5] if case[4] is None] if shutil.which("valgrind") else []
    counts = {
        name: instructions([counted_helper if arg == helper else arg for arg in argv], case_env)
        for name, argv, case_env, _, _ in counted
    }

    reference = cases[0][0]
    ref_time = statistics.median(times[reference])
    ref_cpu = statistics.median(cpu[reference])
    ref_rss = max(memory[reference])
    print(
        f"{'command':<48} {'runs':>5} {'median ms':>10} {'p90 ms':>8} {'x ref':>6} {'CPU ms':>7} {'x ref':>6} "
        f"{'peak MiB':>9} {'x ref':>6}"
    )
    for name, *_ in cases:
        samples = sorted(times[name])
        median = statistics.median(samples)
        p90 = samples[int(len(samples) * 0.9) - 1]
        used = statistics.median(cpu[name])
        rss = max(memory[name])
        print(
            f"{name:<48} {len(samples):>5} {median:>10.2f} {p90:>8.2f} {median / ref_time:>6.2f} "
            f"{used:>7.2f} {used / ref_cpu:>6.2f} {rss / 1024:>9.1f} {rss / ref_rss:>6.2f}"
        )
    if counts:
        print()
        ref_count = counts[reference]
        for name, count in counts.items():
            print(f"callgrind instructions: {name:<48} {count:>13,} {count / ref_count:>6.2f} x ref")

    sizes, starts = program_sizes(helper)
    print()
    for name, size in sizes.items():
        start = f", `--version` {starts[name]:,} instructions" if name in starts else ""
        print(f"program: {name:<28} {size / 1e6:6.2f} MB stripped{start}")
    print(f"program: both {sum(sizes.values()) / 1e6:6.2f} MB stripped")

    # The commands with 30,000 profiles, each a few times (clear last: it drops the cached sessions).
    print()
    scale = [
        ("explain --profile bench-role", [helper, "explain", "--profile", "bench-role"]),
        ("doctor --offline", [helper, "doctor", "--offline"]),
        ("list", [helper, "list"]),
        ("clear", [helper, "clear"]),
    ]
    scale_times = {}
    for name, argv in scale:
        scale_times[name] = timed(argv, big, 3)
        print(f"with 30,000 more profiles: {name:<30} {scale_times[name]:>9.1f} ms (median of 3)")

    print()
    goals = [
        ("cached role call", cases[1][0], 0.35),
        ("cached role call, 3,000 more profiles", cases[2][0], 0.50),
        ("cached role call, 30,000 more profiles", cases[3][0], 1.00),
    ]
    for label, name, limit in goals:
        ratio = statistics.median(times[name]) / ref_time
        print(f"target: {label} <= {limit:.2f} x secret-tool lookup: {ratio:.2f} x -> {'met' if ratio <= limit else 'MISSED'}")
    for label, name in [("cached role call", cases[1][0]), ("with 30,000 more profiles", cases[3][0])]:
        ratio = max(memory[name]) / ref_rss
        print(f"target: peak memory, {label} <= 1.50 x secret-tool lookup: {ratio:.2f} x -> {'met' if ratio <= 1.5 else 'MISSED'}")
    for name, _ in scale:
        verdict = "met" if scale_times[name] < 1000 else "MISSED"
        print(f"target: {name} with 30,000 more profiles < 1 s: {scale_times[name]:.0f} ms -> {verdict}")

    docs = os.environ.get("AWSKEYRING_BENCH_DOCS")
    if docs:
        write_docs(docs, runs, cases, times, cpu, memory, counts, scale_times, sizes, starts)


def write_docs(path, runs, cases, times, cpu, memory, counts, scale_times, sizes, starts):
    """Puts this run's figures into the docs page between its `<!-- bench:begin -->` and
    `<!-- bench:end -->` lines: the one place the project's measured figures stand."""
    reference = cases[0][0]
    ref_time, ref_cpu = statistics.median(times[reference]), statistics.median(cpu[reference])
    ref_rss, ref_count = max(memory[reference]), counts.get(reference)
    load = open("/proc/loadavg").read().split()[:3]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d', time.gmtime())} by `scripts/bench.sh {runs} --write-docs` on "
        f"{os.cpu_count()} cores (load {' '.join(load)} at the end; {runs} rounds, each in a shuffled order).",
        "",
        "| command | median wall | × ref | median CPU | × ref | peak memory | callgrind instructions | × ref |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, *_ in cases:
        wall, used, rss = statistics.median(times[name]), statistics.median(cpu[name]), max(memory[name])
        count = counts.get(name)
        counted = f"{count / 1e6:.2f} M | {count / ref_count:.2f}" if count and ref_count else " | "
        lines.append(
            f"| {name} | {wall:.1f} ms | {wall / ref_time:.2f} | {used:.1f} ms | {used / ref_cpu:.2f} | "
            f"{rss / 1024:.1f} MiB | {counted} |"
        )
    lines += ["", "With 30,000 more profiles: " + ", ".join(
        f"`{name}` {ms:.0f} ms" for name, ms in scale_times.items()) + " (medians of 3)."]
    lines += ["", "The programs, stripped as installed: " + ", ".join(
        f"`{name}` {size / 1e6:.2f} MB"
        + (f" (`--version`: {starts[name] / 1e6:.2f} M instructions)" if name in starts else "")
        for name, size in sizes.items()) + f"; {sum(sizes.values()) / 1e6:.2f} MB together."]
    text = open(path).read()
    begin, end = "<!-- bench:begin -->\n", "<!-- bench:end -->"
    if begin not in text or end not in text:
        sys.exit(f"bench: {path} has no {begin.strip()} ... {end} block to write the figures into")
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(path, "w") as out:
        out.write(head + begin + "\n".join(lines) + "\n" + end + tail)
    print(f"bench: wrote the figures into {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
