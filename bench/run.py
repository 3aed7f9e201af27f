#!/usr/bin/env python3
"""The course's performance claims, measured: C++/Asio next to Tokio.

    bench/run.py [--quick] [--build DIR] [--no-build] [--cpp-only]
    ./lunch bench [same options]

Builds the C++ benchmarks (ninja) and, when cargo and Debian's Tokio
crates are installed, the Tokio twins in bench/tokio (offline); runs
every workload on both sides, one process per configuration; prints one
Markdown table: figure, C++/Asio, Tokio, ratio, aim, and whether the aim is
met. Progress goes to stderr, the table to stdout, so

    bench/run.py > table.md

keeps only the table. --quick uses small sizes and short timings (CI's smoke
run: it proves that everything builds and runs, its numbers mean little).

Every program prints one JSON line per figure,
    {"figure": "sleep.tasks.10000.wall_ms", "value": 101.3, "unit": "ms"}
and Google Benchmark programs are read from their JSON report: so adding a
figure means printing a line and adding a row to ROWS below.
"""
import argparse
import atexit
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKIO = ROOT / "bench" / "tokio"
REGISTRY = Path("/usr/share/cargo/registry")
INSTALL_HINT = "scripts/install-deps.sh --bench"


def say(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ building

def build_cpp(build, skip):
    if not (build / "build.ninja").exists():
        if skip:
            sys.exit(f"run.py: {build} is not configured (run: meson setup {build})")
        say(f"configuring {build} (meson setup)...")
        subprocess.run(["meson", "setup", str(build)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    if not skip:
        say("building the C++ benchmarks (ninja bench; a few minutes on a first build)...")
        subprocess.run(["ninja", "-C", str(build), "bench"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    missing = [b for b in ("bench_ops", "bench_workloads", "bench_http") if not (build / "bench" / b).exists()]
    if missing:
        sys.exit("run.py: missing " + ", ".join(missing) + " (is libbenchmark-dev installed? "
                 "scripts/install-deps.sh --check)")


def find_cargo():
    """Cargo and the rustc to use with it. Debian's pair first: its crates
    under /usr/share/cargo/registry are the ones its rustc was tested with."""
    if Path("/usr/bin/cargo").exists() and Path("/usr/bin/rustc").exists():
        return "/usr/bin/cargo", "/usr/bin/rustc"
    cargo = shutil.which("cargo")
    return (cargo, shutil.which("rustc")) if cargo else (None, None)


def build_tokio(skip):
    """Builds the twins; returns the folder of their binaries, or None with
    the reason on stderr."""
    cargo, rustc = find_cargo()
    if cargo is None or not (REGISTRY / ".").exists() or not any(REGISTRY.glob("tokio-1.*")):
        say(f"no Tokio column: cargo or Debian's Tokio crates are missing (install them: {INSTALL_HINT})")
        return None
    env = dict(os.environ, RUSTC=rustc) if rustc else dict(os.environ)
    if not skip:
        say("building the Tokio twins (cargo build --release --offline; a few minutes the first time)...")
        r = subprocess.run([cargo, "build", "--release", "--offline", "--quiet"], cwd=TOKIO, env=env)
        if r.returncode != 0:
            say(f"no Tokio column: the twins did not build (see above; {INSTALL_HINT} installs the crates)")
            return None
    return TOKIO / "target" / "release"


# ------------------------------------------------------------------ running

def run_lines(argv, timeout):
    """Runs one program; returns {figure: value} from its JSON lines."""
    r = subprocess.run(argv, stdout=subprocess.PIPE, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} exited with {r.returncode}")
    out = {}
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            d = json.loads(line)
            out[d["figure"]] = d["value"]
    return out


def run_gbench(argv, timeout, rename=None):
    """Runs a Google Benchmark program; ns/op (or req/s for http) per figure."""
    r = subprocess.run(list(argv) + ["--benchmark_format=json"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited with {r.returncode}")
    out = {}
    for b in json.loads(r.stdout)["benchmarks"]:
        name = b["name"].removesuffix("/real_time")
        if rename:
            out.update(rename(name, b))
        elif b.get("items_per_second"):
            out[name.replace("/", ".") + ".ns"] = 1e9 / b["items_per_second"]
    return out


def http_rename(name, b):
    # concurrent_gets/10 -> http.10.rps
    return {f"http.{name.split('/')[1]}.rps": b["items_per_second"]} if b.get("items_per_second") else {}


def median_of(runs):
    keys = set().union(*runs) if runs else set()
    return {k: statistics.median(r[k] for r in runs if k in r) for k in keys}


def make_read_file(build, quick):
    size_mib = 16 if quick else 100
    path = build / "bench" / f"read-{size_mib}MiB.bin"
    if not path.exists() or path.stat().st_size != size_mib << 20:
        say(f"writing {path.name} ({size_mib} MiB) for the file-read figures...")
        block = os.urandom(1 << 20)
        with open(path, "wb") as f:
            for _ in range(size_mib):
                f.write(block)
    return path


def disk_usage_jobs(cpp, twins, quick):
    """Chapter 08's disk_usage and GNU du -sb, then the Tokio twin, on one
    tree: bench_workloads generates it at a path given here and leaves it;
    the Tokio run walks the same files; the last of the two removes it (and
    atexit does, if the run stops half-way)."""
    parent = Path(tempfile.mkdtemp(prefix="lunch-bench-du-"))
    atexit.register(shutil.rmtree, parent, ignore_errors=True)
    tree = parent / "tree"
    q = ["--quick"] if quick else []

    def cpp_side():
        try:
            return run_lines([cpp / "bench_workloads", "disk_usage", tree] + q, 900)
        finally:
            if not twins:
                shutil.rmtree(parent, ignore_errors=True)

    def tokio_side():
        try:
            if not tree.is_dir():
                raise RuntimeError("no tree to walk (the C++ run did not make it)")
            return run_lines([twins / "disk_usage", tree] + q, 900)
        finally:
            shutil.rmtree(parent, ignore_errors=True)

    label = f"disk_usage vs du -sb, {'1,000' if quick else '50,000'} files"
    return [(label, "C++", cpp_side)] + ([(label, "Tokio", tokio_side)] if twins else [])


def jobs(build, twins, quick):
    """(label, side, thunk) for every program run, in order."""
    cpp = build / "bench"
    out = []
    repeats = 1 if quick else 3
    sizes = [1000, 10000] if quick else [1000, 10000, 100000]
    thread_sizes = [1000] if quick else [1000, 10000]

    def sleep_job(binary, mode, n):
        return lambda: median_of([run_lines([binary, "sleep", mode, str(n)] if binary.name == "bench_workloads"
                                            else [binary, mode, str(n)], 120) for _ in range(repeats)])

    sides = [("C++", cpp / "bench_workloads")] + ([("Tokio", twins / "sleep")] if twins else [])
    for n in sizes:
        for side, b in sides:
            out.append((f"{n} tasks waiting 100 ms ({repeats}x)", side, sleep_job(b, "tasks", n)))
    for n in thread_sizes:
        for side, b in sides:
            out.append((f"{n} threads waiting 100 ms ({repeats}x)", side, sleep_job(b, "threads", n)))

    min_time = "0.01" if quick else "0.5"
    out.append(("ns per operation", "C++", lambda: run_gbench([cpp / "bench_ops", f"--benchmark_min_time={min_time}"], 600)))
    q = ["--quick"] if quick else []
    if twins:
        out.append(("ns per operation", "Tokio", lambda: run_lines([twins / "ops"] + q, 600)))
    for what in ("fidelity", "heartbeat"):
        out.append((what, "C++", lambda what=what: run_lines([cpp / "bench_workloads", what] + q, 300)))
        if twins:
            out.append((what, "Tokio", lambda what=what: run_lines([twins / what] + q, 300)))
    data = make_read_file(build, quick)
    out.append(("file read", "C++", lambda: run_lines([cpp / "bench_workloads", "file_read", data] + q, 600)))
    if twins:
        out.append(("file read", "Tokio", lambda: run_lines([twins / "file_read", data] + q, 600)))
    out += disk_usage_jobs(cpp, twins, quick)
    http_time = "0.05" if quick else "2"
    out.append(("HTTP requests/s", "C++",
                lambda: run_gbench([cpp / "bench_http", f"--benchmark_min_time={http_time}"], 600, http_rename)))
    if twins:
        out.append(("HTTP requests/s", "Tokio", lambda: run_lines([twins / "http"] + q, 300)))
    return out


# ------------------------------------------------------------------ the table

# A row: (figure, key or function of the side's results, unit, aim, check).
# A key names the same figure on both sides. `check(cpp, tokio, C, T)` gets
# the two values and both sides' results; it returns True/False, or None
# when there is nothing to decide.

def per_task(n, mode, what, scale=1.0):
    """A figure of the sleep runs divided by N: per task or per thread."""
    return lambda r: r.get(f"sleep.{mode}.{n}.{what}", math.nan) * scale / n


def thread_memory(n):
    """What a thread holds: its share of the RSS and its kernel stack."""
    return lambda r: (r.get(f"sleep.threads.{n}.rss_kib", math.nan)
                      + r.get(f"sleep.threads.{n}.kernel_kib", math.nan)) / n


def thread_vs_task(n, what):
    """Threads' cost over coroutines', on one side: CPU time, wall time
    beyond the 100 ms wait, or memory (a thread's RSS and kernel stack
    against a task's RSS)."""
    def f(r):
        g = lambda mode, key: r.get(f"sleep.{mode}.{n}.{key}", math.nan)
        if what == "cpu":
            t, c = g("threads", "cpu_ms"), g("tasks", "cpu_ms")
        elif what == "wall":
            t, c = g("threads", "wall_ms") - 100, g("tasks", "wall_ms") - 100
        else:
            t, c = g("threads", "rss_kib") + g("threads", "kernel_kib"), g("tasks", "rss_kib")
        return t / max(c, 1e-3)
    return f


def at_most_tokio(c, t, C, T):
    return None if math.isnan(t) else c <= t * 1.0049  # "1.00x" as printed counts as equal


def ops_check(c, t, C, T):
    """Both aims at once; a miss says which one."""
    near_floor = c <= 10 * C.get("ops.floor_mutex.ns", math.nan)
    under_tokio = math.isnan(t) or at_most_tokio(c, t, C, T)
    if near_floor and under_tokio:
        return True
    return "no: " + " and ".join(w for w, ok in [("> 10× floor", near_floor), ("> Tokio", under_tokio)] if not ok)


def flat(prefix):
    """Per-op cost at 100,000 at most twice the cost at 100 (n = 10 is
    mostly the fixed cost of one run)."""
    def check(c, t, C, T):
        a, b = C.get(f"{prefix}.100.ns"), C.get(f"{prefix}.100000.ns")
        return None if a is None or b is None else b <= 2 * a
    return check


def read_best_vs_blocking(chunk, side):
    def f(r):
        if side == "C++":
            floor = r.get(f"read.blocking.{chunk}.mib_s", math.nan)
            best = max([r.get(f"read.{m}.{chunk}.mib_s", 0) for m in ("hop", "once", "io_uring")])
        else:
            floor = r.get(f"read.std.{chunk}.mib_s", math.nan)
            best = max([r.get(f"read.{m}.{chunk}.mib_s", 0) for m in ("tokio_fs", "tokio_once")])
        return floor / best if best else math.nan  # time ratio: 1.0 = as fast as blocking
    return f


def du_ratio(key):
    """A walk's time over GNU du's (whole process, nothing taken off). The
    Tokio side's du time is the C++ run's: same tree, same machine, one run
    apart; main() copies it over."""
    return lambda r: r.get(key, math.nan) / r.get("du.gnu.ms", math.nan)


def rows(quick):
    sizes = [1000, 10000] if quick else [1000, 10000, 100000]
    thread_sizes = [1000] if quick else [1000, 10000]
    out = [("## N tasks each waiting 100 ms (one thread; threads: one each)", )]
    for n in sizes:
        out.append((f"{n:,} coroutines / tasks: wall time", f"sleep.tasks.{n}.wall_ms", "ms",
                    "≤ 1.0× Tokio", at_most_tokio))
        out.append((f"{n:,} coroutines / tasks: memory (RSS) per task", per_task(n, "tasks", "rss_kib"), "KiB",
                    "≤ 1.0× Tokio", at_most_tokio))
        out.append((f"{n:,} coroutines / tasks: CPU time per task", per_task(n, "tasks", "cpu_ms", 1e3), "µs",
                    "report", None))
    for n in thread_sizes:
        out.append((f"{n:,} threads: wall time", f"sleep.threads.{n}.wall_ms", "ms", "report", None))
        out.append((f"{n:,} threads: CPU time per thread", per_task(n, "threads", "cpu_ms", 1e3), "µs",
                    "report", None))
        out.append((f"{n:,} threads: memory per thread (RSS + kernel stack)", thread_memory(n), "KiB",
                    "report", None))
        out.append((f"{n:,}: threads' CPU time ÷ coroutines'", thread_vs_task(n, "cpu"), "×", "≥ 40×",
                    lambda c, t, C, T: c >= 40))
        out.append((f"{n:,}: threads' wall time beyond 100 ms ÷ coroutines'", thread_vs_task(n, "wall"), "×",
                    "report (load blurs it)", None))
        out.append((f"{n:,}: threads' memory ÷ coroutines'", thread_vs_task(n, "rss"), "×", "≥ 8×",
                    lambda c, t, C, T: c >= 8))

    out.append(("## ns per operation (one thread unless said)", ))
    out.append(("floor: std::mutex lock+unlock (Rust: std::sync::Mutex)", "ops.floor_mutex.ns", "ns", "the floor", None))
    for key, label in [("spawn", "co_spawn + completion (tokio::spawn + JoinHandle)"),
                       ("channel_local", "course work_queue send+receive (tokio mpsc)"),
                       ("channel_cross", "the same, producer on another thread"),
                       ("semaphore_uncontended", "course semaphore acquire+release, alone"),
                       ("semaphore_contended", "… 8 tasks, 1 permit, holder yields"),
                       ("mutex_uncontended", "course async_mutex lock+unlock, alone"),
                       ("mutex_contended", "… 8 tasks, holder yields"),
                       ("strand_post", "strand post + run (Tokio: actor task + mpsc)")]:
        ckey, tkey = key if isinstance(key, tuple) else (key, key)
        out.append((label, ("C++", f"ops.{ckey}.ns"), "ns", "≤ 10× floor, ≤ Tokio", ops_check,
                    ("Tokio", f"ops.{tkey}.ns")))
    out.append(("Asio's own channel send+receive (no Tokio twin)", "ops.asio_channel_local.ns", "ns",
                "report", None))

    out.append(("## joining n tasks, ns per task", ))
    for prefix, label in [("join.join_all", "join_all (futures::join_all)"),
                          ("join.unordered", "in_completion_order (FuturesUnordered)")]:
        for n in [10, 100, 1000, 10000, 100000]:
            last = n == 100000
            out.append((f"{label}, n = {n:,}", f"{prefix}.{n}.ns", "ns",
                        "flat: 100k ≤ 2× 100" if last else "", flat(prefix) if last else None))

    out.append(("## demo fidelity: wall time ÷ physical limit", ))
    for key, label in [("join", "100 requests joined ÷ one latency (50 ms)"),
                       ("limited", "100 limited to 10 in flight ÷ 10 latencies (100 ms)"),
                       ("buffer_unordered", "100 via buffer_unordered(8) ÷ 13 latencies (100 ms)")]:
        out.append((label, f"fidelity.{key}.ratio", "×", "≤ 1.10", lambda c, t, C, T: c <= 1.10))

    out.append(("## heartbeat lateness while a CPU job runs (5 ms period)", ))
    for key, label, aim, check in [
            ("inline.worst_ms", "job inline on the loop: worst", "report (the problem)", None),
            ("inline.p99_ms", "job inline on the loop: p99", "report (the problem)", None),
            ("offloaded.worst_ms", "spawn_blocking: worst", "report", None),
            ("offloaded.p99_ms", "spawn_blocking: p99", "≤ 2 ms", lambda c, t, C, T: c <= 2),
            ("rayon.p99_ms", "rayon + oneshot: p99 (Tokio only)", "≤ 2 ms", None)]:
        out.append((label, f"heartbeat.{key}", "ms", aim, check))

    out.append(("## file read from the page cache, MiB/s (Tokio: std::fs / tokio::fs / spawn_blocking once)", ))
    for chunk in ["4k", "64k", "1m"]:
        out.append((f"{chunk}: blocking read() (std::fs)", ("C++", f"read.blocking.{chunk}.mib_s"), "MiB/s",
                    "the floor", None, ("Tokio", f"read.std.{chunk}.mib_s")))
        out.append((f"{chunk}: a pool hop per read (tokio::fs)", ("C++", f"read.hop.{chunk}.mib_s"), "MiB/s",
                    "report", None, ("Tokio", f"read.tokio_fs.{chunk}.mib_s")))
        out.append((f"{chunk}: whole read offloaded once", ("C++", f"read.once.{chunk}.mib_s"), "MiB/s",
                    "report", None, ("Tokio", f"read.tokio_once.{chunk}.mib_s")))
        out.append((f"{chunk}: io_uring (Asio stream_file)", ("C++", f"read.io_uring.{chunk}.mib_s"), "MiB/s",
                    "report", None, ("Tokio", None)))
        out.append((f"{chunk}: blocking time ÷ best async", read_best_vs_blocking(chunk, "C++"), "×",
                    "best async ≤ 1.2× blocking", lambda c, t, C, T: c <= 1.2,
                    ("Tokio", read_best_vs_blocking(chunk, "Tokio"))))
    files = "1,000 files in 111 directories" if quick else "50,000 files in 2,751 directories"
    out.append((f"## chapter 08 disk_usage vs GNU du -sb: {files}, from the page cache, best of "
                f"{1 if quick else 5}", ))
    out.append(("GNU du -sb, the whole process (Tokio: —)", ("C++", "du.gnu.ms"), "ms", "the reference", None,
                ("Tokio", None)))
    out.append(("… of which starting du (du -sb /dev/null)", ("C++", "du.gnu_start.ms"), "ms", "report", None,
                ("Tokio", None)))
    out.append(("disk_usage, pool of 2, K = 4 (Tokio: tokio::fs, JoinSet, Semaphore(4))", ("C++", "du.course.ms"),
                "ms", "ahead of the Tokio twin", lambda c, t, C, T: None if math.isnan(t) else c < t,
                ("Tokio", "du.tokio.ms")))
    out.append(("disk_usage ÷ GNU du -sb (C++ and Tokio)", du_ratio("du.course.ms"), "×", "≤ 1.5× du",
                lambda c, t, C, T: c <= 1.5, ("Tokio", du_ratio("du.tokio.ms"))))
    out.append(("bytes counted (= du -sb's)", ("C++", "du.course.bytes"), "B", "= du -sb",
                lambda c, t, C, T: c == C.get("du.gnu.bytes") and (math.isnan(t) or t == c),
                ("Tokio", "du.tokio.bytes")))
    out.append(("## HTTP: latency server + client over loopback, requests/s", ))
    for c in [1, 10, 100]:
        out.append((f"{c} concurrent (Tokio: hyper client + server)", f"http.{c}.rps", "req/s", "report", None))
    return out


def value(results, key):
    if results is None or key is None:
        return math.nan
    if callable(key):
        return key(results)
    return results.get(key, math.nan)


def fmt(v, unit):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if unit in ("×", "x"):
        return f"{v:.2f}×"
    if abs(v) >= 1000:
        return f"{v:,.0f} {unit}"
    if abs(v) >= 100:
        return f"{v:.0f} {unit}"
    if abs(v) >= 10:
        return f"{v:.1f} {unit}"
    return f"{v:.2f} {unit}"


def table(C, T, quick):
    lines = ["| figure | C++/Asio | Tokio | C++ ÷ Tokio | aim | met |", "|---|---|---|---|---|---|"]
    for row in rows(quick):
        if len(row) == 1:
            lines.append(f"| **{row[0][3:]}** | | | | | |")
            continue
        if len(row) == 2:
            lines.append(f"| {row[0]} | {row[1]} | | | | |")
            continue
        label, key, unit, aim, check = row[:5]
        ckey = key[1] if isinstance(key, tuple) else key
        tkey = row[5][1] if len(row) > 5 else ckey
        c, t = value(C, ckey), value(T, tkey)
        ratio = c / t if not (math.isnan(c) or math.isnan(t)) and t else math.nan
        verdict = ""
        if check is not None and not math.isnan(c):
            ok = check(c, t, C, T or {})
            if isinstance(ok, str):
                verdict = f"**{ok}**"
            else:
                verdict = "" if ok is None else ("yes" if ok else "**no**")
        elif check is None and aim.startswith("≤ 2 ms") and not math.isnan(t):
            verdict = "yes" if t <= 2 else "**no**"  # a Tokio-only row
        lines.append(f"| {label} | {fmt(c, unit)} | {fmt(t, unit)} | {fmt(ratio, '×')} | {aim} | {verdict} |")
    return "\n".join(lines)


def machine():
    def first(path, prefix):
        try:
            for line in open(path):
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"

    def version(argv):
        try:
            return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            return "not installed"

    cargo, rustc = find_cargo()
    return "\n".join([
        f"- CPU: {first('/proc/cpuinfo', 'model name')}, {os.cpu_count()} cores",
        f"- kernel: {platform.release()}",
        f"- C++: {version(['c++', '--version'])}, -O2",
        f"- Rust: {version([rustc, '--version']) if rustc else 'not installed'}, --release",
        f"- load: {open('/proc/loadavg').read().split()[:3]} (1, 5, 15 min) when the table was printed",
    ])


def main():
    ap = argparse.ArgumentParser(prog="lunch bench", description="C++/Asio next to Tokio: one table for every claim.")
    ap.add_argument("--quick", action="store_true", help="small sizes, short timings (CI's smoke run)")
    ap.add_argument("--build", default=str(ROOT / "build"), help="the meson build folder (default: build)")
    ap.add_argument("--no-build", action="store_true", help="use the programs as they are")
    ap.add_argument("--cpp-only", action="store_true", help="leave the Tokio column empty")
    args = ap.parse_args()
    build = Path(args.build).resolve()
    start = time.monotonic()
    # A SIGTERM ends the run through sys.exit, so that atexit removes the
    # generated du tree.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    build_cpp(build, args.no_build)
    twins = None if args.cpp_only else build_tokio(args.no_build)
    results = {"C++": {}, "Tokio": {} if twins else None}
    todo = jobs(build, twins, args.quick)
    failed = []
    for i, (label, side, thunk) in enumerate(todo, 1):
        say(f"[{i}/{len(todo)}] {side:5} {label}  ({time.monotonic() - start:.0f} s)")
        try:
            results[side].update(thunk())
        except (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError) as e:
            say(f"    failed: {e}")
            failed.append(f"{side} {label}")

    if results["Tokio"] is not None and "du.gnu.ms" in results["C++"]:
        results["Tokio"]["du.gnu.ms"] = results["C++"]["du.gnu.ms"]  # for its ÷ du row
    print(f"# C++/Asio next to Tokio{' (--quick: smoke sizes, not for reading)' if args.quick else ''}\n")
    print(machine() + "\n")
    print(table(results["C++"], results["Tokio"], args.quick))
    print("\nC++ ÷ Tokio below 1 is better for C++ in ms, ns and KiB; above 1 in req/s and MiB/s.")
    if twins is None and not args.cpp_only:
        print(f"\nThe Tokio column is empty: install cargo and Debian's Tokio crates with "
              f"`{INSTALL_HINT}`, then run this again.")
    if failed:
        print("\nFailed runs (their figures show —): " + "; ".join(failed))
    say(f"done in {time.monotonic() - start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
