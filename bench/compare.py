#!/usr/bin/env python3
"""Runs the benchmark scenarios with the Python package, the library and
the floor (bare redis-crate pub/sub), interleaved in one run, on a Redis
server of its own, and prints one Markdown table with the ratios.

    python3 bench/compare.py            # everything, ~2 minutes
    python3 bench/compare.py --quick    # without the 10,000-responder run
    python3 bench/compare.py --module   # only the Python table: the package,
                                        # the drop-in module, the library

It builds the release binary, creates the interop tests' venv (.venv with
state-signals==1.0.1) if missing, and starts `redis-server --maxclients 20000`
on a free port.
"""
import datetime
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_PY = os.path.join(ROOT, ".venv", "bin", "python")
BIN = os.path.join(ROOT, "target", "release", "state-signals")
PY_BENCH = os.path.join(ROOT, "bench", "python_bench.py")


def sh(*args, **kw):
    return subprocess.run(args, check=True, **kw)


def setup():
    sh("cargo", "build", "--release", "-q", "-p", "state-signals-cli", cwd=ROOT)
    marker = os.path.join(ROOT, ".venv", ".state-signals-1.0.1")
    if not os.path.exists(marker):
        sh(sys.executable, "-m", "venv", os.path.join(ROOT, ".venv"))
        sh(VENV_PY, "-m", "pip", "install", "--quiet", "state-signals==1.0.1")
        open(marker, "w").close()
    # The drop-in module, release build, into the venv.
    env = dict(os.environ, VIRTUAL_ENV=os.path.join(ROOT, ".venv"),
               CARGO_TARGET_DIR=os.path.join(ROOT, "target", "python-release"))
    sh(VENV_PY, "-m", "pip", "install", "--quiet", "maturin>=1.7,<2")
    sh(os.path.join(ROOT, ".venv", "bin", "maturin"), "develop", "--release", "--quiet",
       cwd=os.path.join(ROOT, "state-signals-py"), env=env)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def start_redis():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workdir = tempfile.mkdtemp(prefix="bench-redis-")
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--maxclients", "20000", "--dir", workdir],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def rust(port, k, n, processes=0, warmup=10):
    out = subprocess.run(
        [BIN, "--redis", f"redis://127.0.0.1:{port}", "-q", "bench", "-k", str(k), "-n", str(n),
         "--processes", str(processes), "--warmup", str(warmup), "--floor", "--json"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def python(port, k, n, module="state_signals"):
    out = subprocess.run([VENV_PY, PY_BENCH, "exporter", str(port), str(k), str(n), "--module", module],
                         check=True, capture_output=True, text=True, timeout=600).stdout
    return json.loads(out.strip().splitlines()[-1])


def ctrl_c_ms(port, module="state_signals_rs", runs=5):
    """Median time from SIGINT to the KeyboardInterrupt of a waiting listen()."""
    import signal
    delays = []
    for _ in range(runs):
        proc = subprocess.Popen([VENV_PY, PY_BENCH, "ctrl-c", str(port), "--module", module],
                                stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()
        time.sleep(0.3)  # let it settle into its wait
        sent = time.time()
        proc.send_signal(signal.SIGINT)
        caught = float(proc.stdout.readline())
        proc.wait(timeout=10)
        delays.append((caught - sent) * 1e3)
    return sorted(delays)[len(delays) // 2]


def library_responders(port, k, processes=4):
    """K of the library's responders on the default channels, in up to
    `processes` processes of the CLI (`bench-worker`); returns once every
    one is subscribed. Close their stdin to stop them."""
    procs = []
    processes = max(1, min(processes, k))
    for i in range(processes):
        count = k // processes + (1 if i < k % processes else 0)
        proc = subprocess.Popen([BIN, "--redis", f"redis://127.0.0.1:{port}", "-q", "bench-worker",
                                 "--responders", str(count)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if proc.stdout.readline().strip() != "ready":
            raise SystemExit("a bench worker did not get ready")
        procs.append(proc)
    return procs


def python_external(port, k, n, module):
    """The module's (or package's) exporter against K library responders
    in other processes: the exporter side alone."""
    workers = library_responders(port, k)
    try:
        out = subprocess.run([VENV_PY, PY_BENCH, "exporter", str(port), str(k), str(n), "--external",
                              "--module", module], check=True, capture_output=True, text=True,
                             timeout=600).stdout
        return json.loads(out.strip().splitlines()[-1])
    finally:
        for w in workers:
            w.stdin.close()
            w.wait(timeout=30)


def processes_table(port):
    """The exporter side: the module's exporter and the library's, each
    with the library's responders in other processes (4 processes)."""
    rs1, lib1 = python_external(port, 1, 300, "state_signals_rs"), rust(port, 1, 300, processes=1)
    rs100, lib100 = python_external(port, 100, 50, "state_signals_rs"), rust(port, 100, 50, processes=4)
    rows = []
    for scenario, module, library in [
        ("publish round trip, 1 responder, p50", rs1["round_trip"]["p50_us"],
         lib1["library"]["round_trip"]["p50_us"]),
        ("publish round trip, 100 responders, p50", rs100["round_trip"]["p50_us"],
         lib100["library"]["round_trip"]["p50_us"]),
        ("`initialize_and_wait(1)`", rs1["init_wait_ms"] * 1e3, lib1["library"]["init_wait_ms"] * 1e3),
        ("`initialize_and_wait(100)`", rs100["init_wait_ms"] * 1e3, lib100["library"]["init_wait_ms"] * 1e3),
    ]:
        rows.append((scenario, fmt_us(module), fmt_us(library), f"{module / library:.2f}×"))
    print("\nResponders in other processes (the library's, 4 processes; the exporter side "
          "alone):\n")
    print("| scenario | state_signals_rs | Rust library | module / library |")
    print("| --- | --- | --- | --- |")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print(f"\nRaw: module k=1 `{json.dumps(rs1)}`, module k=100 `{json.dumps(rs100)}`")


def module_table(port):
    """The package, the drop-in module and the library, side by side."""
    py1, rs1, lib1 = python(port, 1, 30), python(port, 1, 300, "state_signals_rs"), rust(port, 1, 300)
    py100, rs100 = python(port, 100, 10), python(port, 100, 50, "state_signals_rs")
    lib100 = rust(port, 100, 50)
    ctrl_c = ctrl_c_ms(port)
    rows = [
        ("publish round trip, 1 responder, p50", fmt_us(py1["round_trip"]["p50_us"]),
         fmt_us(rs1["round_trip"]["p50_us"]), fmt_us(lib1["library"]["round_trip"]["p50_us"])),
        ("publish round trip, 100 responders, p50", fmt_us(py100["round_trip"]["p50_us"]),
         fmt_us(rs100["round_trip"]["p50_us"]), fmt_us(lib100["library"]["round_trip"]["p50_us"])),
        ("`initialize_and_wait(1)`", f"{py1['init_wait_ms']:.1f} ms", f"{rs1['init_wait_ms']:.2f} ms",
         f"{lib1['library']['init_wait_ms']:.2f} ms"),
        ("`initialize_and_wait(100)`", f"{py100['init_wait_ms']:.1f} ms", f"{rs100['init_wait_ms']:.2f} ms",
         f"{lib100['library']['init_wait_ms']:.2f} ms"),
        ("exporter CPU while initialized and idle (ms per s)", f"{py1['idle_cpu_ms_per_s']:.0f}",
         f"{rs1['idle_cpu_ms_per_s']:.1f}", f"{lib1['library']['idle_cpu_ms_per_s']:.1f}"),
        ("exporter CPU while a publish waits (ms per s)", f"{py1['waiting_cpu_ms_per_s']:.0f}",
         f"{rs1['waiting_cpu_ms_per_s']:.1f}", "–"),
        ("Ctrl-C during `listen()`: SIGINT to KeyboardInterrupt, median of 5", "–", f"{ctrl_c:.0f} ms", "–"),
    ]
    print(f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
          f"{os.cpu_count()} cores, Redis on loopback, release builds; responders are threads of the "
          "exporter's process (the library's: tasks).\n")
    print("| scenario | Python 1.0.1 | state_signals_rs | Rust library |")
    print("| --- | --- | --- | --- |")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print(f"\nRaw: package k=1 `{json.dumps(py1)}`, module k=1 `{json.dumps(rs1)}`, "
          f"package k=100 `{json.dumps(py100)}`, module k=100 `{json.dumps(rs100)}`")


def python_idle_responder_rss_kib(port):
    resp = subprocess.Popen([VENV_PY, PY_BENCH, "responder", str(port)], stdout=subprocess.PIPE, text=True)
    resp.stdout.readline()
    subprocess.run([VENV_PY, PY_BENCH, "exporter", str(port), "1", "20", "--external"],
                   check=True, capture_output=True, timeout=120)
    time.sleep(0.2)
    with open(f"/proc/{resp.pid}/status") as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    resp.kill()
    return rss


def fmt_us(us):
    return f"{us / 1000:.2f} ms" if us >= 10_000 else f"{us:.0f} µs"


def main():
    quick = "--quick" in sys.argv
    setup()
    redis_proc, port = start_redis()
    if "--module" in sys.argv:
        try:
            module_table(port)
            processes_table(port)
        finally:
            redis_proc.kill()
        return
    try:
        # Interleaved: each scenario runs Python, then floor and library (one `bench --floor` run).
        py1 = python(port, 1, 30)
        r1 = rust(port, 1, 1000)
        py100 = python(port, 100, 10)
        r100 = rust(port, 100, 200)
        r100p = rust(port, 100, 200, processes=4)
        r1000 = rust(port, 1000, 100)
        r10k = None if quick else rust(port, 10000, 20, warmup=2)
        py_rss = python_idle_responder_rss_kib(port)
        r1_again = rust(port, 1, 1000)
    finally:
        redis_proc.kill()

    rows = []

    def ratio(a, b):
        return f"{a / b:.2f}×" if b else "–"

    def row(scenario, target, py, floor, lib, lib_floor, py_lib, met):
        rows.append(f"| {scenario} | {target} | {py} | {floor} | {lib} | {lib_floor} | {py_lib} | {'yes' if met else '**no**'} |")

    for name, r, py in [("publish round trip, 1 responder, p50", r1, py1),
                        ("publish round trip, 1 responder, p50 (repeat at the end)", r1_again, py1),
                        ("publish round trip, 100 responders in one process, p50", r100, py100),
                        ("publish round trip, 100 responders over 4 processes, p50", r100p, None)]:
        lib, fl = r["library"]["round_trip"]["p50_us"], r["floor"]["round_trip"]["p50_us"]
        target = "≤ 1.5 × floor" + (" (≥ 500 × faster than Python)" if "1 responder" in name else "")
        met = lib <= 1.5 * fl and (py is None or "1 responder" not in name or py["round_trip"]["p50_us"] >= 500 * lib)
        row(name, target, fmt_us(py["round_trip"]["p50_us"]) if py else "–", fmt_us(fl), fmt_us(lib),
            ratio(lib, fl), ratio(py["round_trip"]["p50_us"], lib) if py else "–", met)
    lib = r1000["library"]
    row("1,000 responders: every answer collected, p50 (lost over 100 signals)", "< 50 ms, none lost", "–",
        f"{fmt_us(r1000['floor']['round_trip']['p50_us'])} ({r1000['floor']['lost_answers']} lost)",
        f"{fmt_us(lib['round_trip']['p50_us'])} ({lib['lost_answers']} lost)",
        ratio(lib["round_trip"]["p50_us"], r1000["floor"]["round_trip"]["p50_us"]), "–",
        lib["round_trip"]["p50_us"] < 50_000 and lib["lost_answers"] == 0)
    if r10k:
        lib = r10k["library"]
        row("10,000 responders: every answer collected, max (lost over 20 signals)", "< 1 s, none lost", "–",
            f"{fmt_us(r10k['floor']['round_trip']['max_us'])} ({r10k['floor']['lost_answers']} lost)",
            f"{fmt_us(lib['round_trip']['max_us'])} ({lib['lost_answers']} lost)",
            ratio(lib["round_trip"]["max_us"], r10k["floor"]["round_trip"]["max_us"]), "–",
            lib["round_trip"]["max_us"] < 1_000_000 and lib["lost_answers"] == 0)
    lib, fl = r100["library"]["init_wait_ms"], r100["floor"]["init_wait_ms"]
    row("`initialize_and_wait(100)`, responders already listening", "< 20 ms", f"{py100['init_wait_ms']:.1f} ms",
        f"{fl:.2f} ms", f"{lib:.2f} ms", ratio(lib, fl), ratio(py100["init_wait_ms"], lib), lib < 20)
    lib, fl = r1["library"]["signals_per_s"], r1["floor"]["signals_per_s"]
    row("sequential signals/s, 1 responder", "≥ 0.7 × floor", f"{py1['signals_per_s']:.0f}/s", f"{fl:.0f}/s",
        f"{lib:.0f}/s", ratio(lib, fl), ratio(lib, py1["signals_per_s"]), lib >= 0.7 * fl)
    lib, fl = r1["library"]["idle_responder_rss_kib"], r1["floor"]["idle_responder_rss_kib"]
    row("idle responder RSS (own process)", "< 8 MiB", f"{py_rss / 1024:.1f} MiB", f"{fl / 1024:.1f} MiB",
        f"{lib / 1024:.1f} MiB", ratio(lib, fl), ratio(py_rss, lib), lib < 8 * 1024)
    lib, fl = r100p["library"]["idle_cpu_ms_per_s"], r100p["floor"]["idle_cpu_ms_per_s"]
    row("exporter CPU while idle between publishes (ms of CPU per s)", "≈ 0", f"{py1['idle_cpu_ms_per_s']:.0f} ms/s",
        f"{fl:.1f} ms/s", f"{lib:.1f} ms/s", "–", "–", lib < 5)

    print(f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
          f"{os.cpu_count()} cores, {platform.platform()}, Redis on loopback, release build.\n")
    print("| scenario | target | Python 1.0.1 | floor | library | library / floor | library vs Python | met |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    print("\nRaw figures (JSON, one `state-signals bench --floor --json` run per scenario):\n")
    for name, r in [("k=1", r1), ("k=100", r100), ("k=100 p=4", r100p), ("k=1000", r1000), ("k=10000", r10k),
                    ("k=1 again", r1_again)]:
        if r:
            print(f"- {name}: `{json.dumps(r)}`")
    print(f"- Python k=1: `{json.dumps(py1)}`\n- Python k=100: `{json.dumps(py100)}`")


if __name__ == "__main__":
    main()
