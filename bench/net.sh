#!/usr/bin/env bash
# The scenarios of bench/run.sh through a latency proxy (a real network's round trips), over
# https, against the fake org, with round trips counted. One command, from anywhere:
#
#   bash bench/net.sh
#
# 1. builds the bench binaries (alone, so that serde_json's features are sfrest's own, not the
#    fake org's) and the fake org, in release;
# 2. reuses (or makes) the venv of bench/run.sh (simple-salesforce, matplotlib);
# 3. makes a throwaway CA and a certificate for 127.0.0.1, starts the fake org over https with
#    BENCH_EXPORT_N Accounts and the server's own time modelled (a query job runs 2 s, result
#    pages are produced at 100,000 records/s each, polls alone never finish a job), naming
#    itself by the proxy's ports; the login host and the instance are two origins, as in a
#    real org;
# 4. for each round trip of BENCH_RTTS (default 0,20,50,100 ms) starts
#    target/release/latency_proxy and runs the scenarios (bench/py/net.py);
# 5. writes bench/results/net.md (and net.json) and bench/plots/export_vs_rtt.png.
#
# Knobs: BENCH_RTTS, BENCH_EXPORT_N (200000), BENCH_QUERY_MS (2000: how long a query job runs),
# BENCH_RUNS (3), BENCH_QUICK=1, BENCH_PORT (18600:
# the org on P and P+1, the proxy on P+10 and P+11).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
PORT="${BENCH_PORT:-18600}"
PUBLIC=$((PORT + 10))
export BENCH_EXPORT_N="${BENCH_EXPORT_N:-200000}"
QUERY_MS="${BENCH_QUERY_MS:-2000}"
RATE=100000
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
say() { printf '\n== %s\n' "$*" >&2; }

say "1. building (release)"
cargo build --release -p sfrest-bench
cargo build --release -p sfrest-fake-org
export BENCH_BIN="$CARGO_TARGET_DIR/release"

say "2. tools"
bench_venv

say "3. certificates and the fake org"
bench_workdir_and_certs sfrest-net
"$BENCH_BIN/sfrest-fake-org" --port "$PORT" --public-port "$PUBLIC" \
    --records "$((BENCH_EXPORT_N - 20))" --bulk-query-ms "$QUERY_MS" --bulk-result-rate "$RATE" \
    --bulk-polls 0 --tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key" \
    >"$WORK/org.out" 2>"$WORK/org.err" &
ORG_PID=$!
for _ in $(seq 1 150); do
    grep -q '^SF_SECURITY_TOKEN=' "$WORK/org.out" 2>/dev/null && break
    kill -0 "$ORG_PID" 2>/dev/null || { cat "$WORK/org.err" >&2; exit 1; }
    sleep 0.2
done
# The binary prints a .env block: SF_NAME='value'.
field() { sed -n "s/^$1='\(.*\)'\$/\1/p" "$WORK/org.out"; }
export SF_LOGIN_URL="https://127.0.0.1:$PUBLIC"
export SF_CLIENT_ID; SF_CLIENT_ID="$(field SF_CLIENT_ID)"
export SF_CLIENT_SECRET; SF_CLIENT_SECRET="$(field SF_CLIENT_SECRET)"
export SF_USERNAME; SF_USERNAME="$(field SF_USERNAME)"
export SF_PASSWORD; SF_PASSWORD="$(field SF_PASSWORD)"
export SF_SECURITY_TOKEN; SF_SECURITY_TOKEN="$(field SF_SECURITY_TOKEN)"
export SF_AUTH_FLOW=password SF_API_VERSION=66.0
export SF_CA_FILE="$WORK/ca.pem" REQUESTS_CA_BUNDLE="$WORK/ca.pem"
export BENCH_ORG_DIRECT="https://127.0.0.1:$PORT"
export BENCH_PROXY_MAP="$PUBLIC:$PORT $((PUBLIC + 1)):$((PORT + 1))"
export BENCH_PROXY_STATS="$WORK/proxy-stats.json"
export BENCH_ORG_KNOBS="query job ${QUERY_MS} ms, result pages produced at ${RATE} records/s each (a 50,000-record page: $((50000 * 1000 / RATE)) ms), 50,000-record pages."
cat "$WORK/org.err" >&2

say "4-5. scenarios through the proxy, table, plot"
mkdir -p "$ROOT/bench/results" "$ROOT/bench/plots"
"$VENV/bin/python" "$ROOT/bench/py/net.py"
