#!/usr/bin/env bash
# Publish round trips on a 3-master Redis Cluster next to one Redis server,
# in one run: starts both on free ports (in a temp dir), runs
# `state-signals bench` for 1, 100 and 1,000 responders on each, prints a
# Markdown table with the ratio, and tears everything down.
#
#   bench/cluster.sh            # needs redis-server and redis-cli on PATH
#   bench/cluster.sh --rate     # instead: the bare PUBLISH rate of one
#                               # response-sized message to one subscriber,
#                               # on one server and through a cluster node
set -euo pipefail
rate=${1:-}
cd "$(dirname "$0")/.."
cargo build -q --release -p state-signals-cli
bin=target/release/state-signals
dir=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$dir"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() { # port, extra args...
  local p=$1; shift
  redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" "$@" >/dev/null &
  pids+=($!)
  until redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.05; done
}
single=$(port); start "$single"
nodes=()
for n in 1 2 3; do
  p=$(port); start "$p" --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-port "$(port)"
  nodes+=("127.0.0.1:$p")
done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >/dev/null
for n in "${nodes[@]}"; do
  until redis-cli -p "${n#*:}" cluster info | grep -q cluster_state:ok; do sleep 0.1; done
done
seeds=$(printf 'redis://%s,' "${nodes[@]}"); seeds=${seeds%,}
if [ "$rate" = --rate ]; then
  # One answer as a responder publishes it (129 bytes); 50 publishers, each
  # waiting for its reply (as responders do); the subscriber sits on another
  # node of the cluster, so every message crosses the cluster bus.
  payload='{"publisher_id":"9d5b1c2e-0000-4000-8000-000000000000","responder_id":"pod-123","ras":1,"message":null,"sample_no":-1,"tag":null}'
  measure() { # publish port, subscribe port
    redis-cli -p "$2" subscribe event-signal-response >/dev/null & local sub=$!
    until [ "$(redis-cli -p "$2" pubsub numsub event-signal-response | tail -1)" = 1 ]; do sleep 0.05; done
    redis-benchmark -p "$1" -n 200000 -c 50 -q PUBLISH event-signal-response "$payload" \
      | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -1
    kill "$sub"; wait "$sub" 2>/dev/null || true
  }
  echo "one server:              $(measure "$single" "$single")"
  echo "cluster, across nodes:   $(measure "${nodes[0]#*:}" "${nodes[1]#*:}")"
  exit 0
fi
echo "| responders | one server p50 | cluster p50 | cluster / server | server signals/s | cluster signals/s | lost (cluster) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for k in 1 100 1000; do
  n=$([ "$k" -ge 1000 ] && echo 100 || echo 300)
  s=$("$bin" --redis "redis://127.0.0.1:$single" bench -k "$k" -n "$n" --json)
  c=$("$bin" --redis-cluster "$seeds" bench -k "$k" -n "$n" --json)
  python3 - "$k" "$s" "$c" <<'PY'
import json, sys
k, s, c = sys.argv[1], json.loads(sys.argv[2])["library"], json.loads(sys.argv[3])["library"]
fmt = lambda us: f"{us:.0f} µs" if us < 1000 else f"{us/1000:.2f} ms"
print(f"| {k} | {fmt(s['round_trip']['p50_us'])} | {fmt(c['round_trip']['p50_us'])} | "
      f"{c['round_trip']['p50_us']/s['round_trip']['p50_us']:.2f}× | {s['signals_per_s']:.0f}/s | "
      f"{c['signals_per_s']:.0f}/s | {c['lost_answers']} |")
PY
done
