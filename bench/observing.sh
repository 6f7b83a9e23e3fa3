#!/usr/bin/env bash
# What observing a run costs, in one run: `state-signals bench --floor`
# (100 responders as tasks in the bench process, so that the recorder and
# the tracer apply to the exporter and every responder) with observing off,
# with a metrics recorder installed (`--metrics-addr`), and with trace
# context on (`--trace`: every publish and handler span made, with ids,
# no exporter), each side by side with the floor of bare Redis pub/sub;
# prints a Markdown table of the ratios, each the median of $REPEAT rounds
# (default 5) run in turn (one round: every configuration once), so that a
# drift of the machine hits them all alike. Uses the Redis at $REDIS_URL
# (default redis://127.0.0.1:6379).
#
#   bench/observing.sh                  # this checkout's release build
#   OLD=path/to/state-signals bench/observing.sh   # also an earlier build, first
#   CONFIGS=off REPEAT=9 OLD=… bench/observing.sh  # only off against it
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p state-signals-cli
bin=target/release/state-signals
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
args=(bench --responders "${RESPONDERS:-100}" --signals "${SIGNALS:-1000}" --floor --json)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
runs=()
[ -n "${OLD:-}" ] && runs+=(earlier-build)
read -ra configs <<< "${CONFIGS:-off metrics-recorder trace-on}"
runs+=("${configs[@]}")
for round in $(seq "${REPEAT:-5}"); do
  for run in "${runs[@]}"; do
    case $run in
      earlier-build) cmd=("$OLD" "${args[@]}") ;;
      off) cmd=("$bin" "${args[@]}") ;;
      metrics-recorder) cmd=("$bin" --metrics-addr "127.0.0.1:$(port)" "${args[@]}") ;;
      trace-on) cmd=("$bin" --trace "${args[@]}") ;;
    esac
    "${cmd[@]}" > "$dir/$run.$round.json"
  done
done
python3 - "$dir" "${runs[@]}" <<'PY'
import json, sys
d, runs = sys.argv[1], sys.argv[2:]
rows = [("round trip p50", lambda s: s["round_trip"]["p50_us"]),
        ("round trip p99", lambda s: s["round_trip"]["p99_us"]),
        ("signals/s", lambda s: s["signals_per_s"]),
        ("CPU per signal", lambda s: s["cpu_per_signal_us"])]
import glob, statistics
data = {r: [json.load(open(f)) for f in sorted(glob.glob(f"{d}/{r}.*.json"))] for r in runs}
def ratio(r, get):
    return statistics.median(get(x["library"]) / get(x["floor"]) for x in data[r])
print(f"| ratio library / floor (median of {len(data[runs[0]])}) | " + " | ".join(runs) + " |")
print("| --- |" + " --- |" * len(runs))
for name, get in rows:
    print(f"| {name} | " + " | ".join(f"{ratio(r, get):.2f}×" for r in runs) + " |")
print()
p50 = lambda s: s["round_trip"]["p50_us"]
print("library p50 (µs, median): " + ", ".join(f'{r} {statistics.median(p50(x["library"]) for x in data[r]):.0f}' for r in runs))
PY
