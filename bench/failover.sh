#!/usr/bin/env bash
# The recovery time of a Sentinel failover, as `tests/it/sentinel.rs` sees it:
# from SIGKILL of the master to the first publish that succeeds on the new
# master (Sentinels: down-after 1 s, quorum 2). Runs the test N times
# (default 5) and prints every time and the median.
#
#   bench/failover.sh 5
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
times=()
for _ in $(seq "$runs"); do
  ms=$(cargo test -q --all-features --test it -p state-signals-workspace \
         sentinel::a_killed_master_is_followed -- --nocapture 2>&1 |
       sed -n 's/.*succeeded \([0-9]*\) ms after.*/\1/p')
  [ -n "$ms" ] || { echo "the failover test failed" >&2; exit 1; }
  times+=("$ms")
  echo "failover $((${#times[@]}))/$runs: ${ms} ms"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median: " a[int((NR+1)/2)] " ms over " NR " failovers"}'
