#!/usr/bin/env bash
# sfrest against simple-salesforce (and a bare ureq agent), side by side, against one fake org
# on 127.0.0.1 over https. One command, from anywhere:
#
#   bash bench/run.sh
#
# 1. builds the bench binaries and fake-org in release;
# 2. makes a Python venv (target/bench-venv) with simple-salesforce and matplotlib from PyPI,
#    and installs hyperfine and wrk from Debian if they are missing;
# 3. makes a throwaway CA and a server certificate for 127.0.0.1 (openssl) and starts the fake
#    org over https with 1,000,000 Accounts (counters on at /__fake/stats);
# 4. runs every scenario with sfrest, simple-salesforce and (scenario 2) bare ureq;
# 5. writes bench/results/latest.md (and latest.json), prints the table;
# 6. draws bench/plots/peak_rss.png;
# 7. runs bench/net.sh: the scenarios again through a latency proxy (50 ms round trip, and the
#    export at 0, 20, 50 and 100 ms), round trips counted (skip with BENCH_NET=0).
#
# Knobs: BENCH_QUICK=1 (a smoke test: fewer runs, BENCH_SIZES small), BENCH_PORT (default
# 18500; My Domain is +1), BENCH_PER_RECORD_N, BENCH_SIZES="10000,100000,1000000",
# CARGO_TARGET_DIR (default: the workspace's target/).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
PORT="${BENCH_PORT:-18500}"
if [[ "${BENCH_QUICK:-}" == 1 ]]; then
    export BENCH_SIZES="${BENCH_SIZES:-1000,5000,20000}"
else
    export BENCH_SIZES="${BENCH_SIZES:-10000,100000,1000000}"
fi
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
say() { printf '\n== %s\n' "$*" >&2; }

say "1. building (release)"
cargo build --release -p sfrest-bench -p sfrest-fake-org
export BENCH_BIN="$CARGO_TARGET_DIR/release"

say "2. tools"
need_apt=()
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
command -v wrk >/dev/null || need_apt+=(wrk)
[[ -x /usr/bin/time ]] || need_apt+=(time)
command -v curl >/dev/null || need_apt+=(curl)
command -v openssl >/dev/null || need_apt+=(openssl)
if ((${#need_apt[@]})); then
    SUDO=""
    [[ $(id -u) == 0 ]] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi
bench_venv

say "3. certificates and the fake org"
bench_workdir_and_certs sfrest-bench
# The org holds exactly the largest size: its 20 sample Accounts plus the synthetic ones.
MAX_SIZE="${BENCH_SIZES##*,}"
"$BENCH_BIN/sfrest-fake-org" --port "$PORT" --records "$((MAX_SIZE - 20))" \
    --tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key" >"$WORK/org.out" 2>"$WORK/org.err" &
ORG_PID=$!
for _ in $(seq 1 100); do
    grep -q '^SF_SECURITY_TOKEN=' "$WORK/org.out" 2>/dev/null && break
    kill -0 "$ORG_PID" 2>/dev/null || { cat "$WORK/org.err" >&2; exit 1; }
    sleep 0.2
done
# The binary prints a .env block: SF_NAME='value'.
field() { sed -n "s/^$1='\(.*\)'\$/\1/p" "$WORK/org.out"; }
export SF_LOGIN_URL; SF_LOGIN_URL="$(field SF_LOGIN_URL)"
export SF_CLIENT_ID; SF_CLIENT_ID="$(field SF_CLIENT_ID)"
export SF_CLIENT_SECRET; SF_CLIENT_SECRET="$(field SF_CLIENT_SECRET)"
export SF_USERNAME; SF_USERNAME="$(field SF_USERNAME)"
export SF_PASSWORD; SF_PASSWORD="$(field SF_PASSWORD)"
export SF_SECURITY_TOKEN; SF_SECURITY_TOKEN="$(field SF_SECURITY_TOKEN)"
export SF_AUTH_FLOW=password SF_API_VERSION=66.0
export SF_CA_FILE="$WORK/ca.pem" REQUESTS_CA_BUNDLE="$WORK/ca.pem"
export BENCH_TRANSPORT="https on both sides (fake org in TLS mode, a throwaway CA for 127.0.0.1: SF_CA_FILE for sfrest and ureq, REQUESTS_CA_BUNDLE for simple-salesforce); both log in with the OAuth username-password flow, once per process."
cat "$WORK/org.err" >&2
case "$SF_LOGIN_URL" in https://127.0.0.1:*) ;; *) echo "unexpected login URL $SF_LOGIN_URL" >&2; exit 1 ;; esac

say "4-6. scenarios, table, plot"
"$VENV/bin/python" "$ROOT/bench/py/orchestrate.py"

if [[ "${BENCH_NET:-1}" != 0 ]]; then
    say "7. the network benchmark (bench/net.sh)"
    cleanup
    ORG_PID=""
    bash "$ROOT/bench/net.sh"
fi
