#!/usr/bin/env bash
# Runs two real Salesforce clients, simple-salesforce (Python, from PyPI) and jsforce (Node, from
# npm), against the sfrest-fake-org binary, over TLS with a throwaway certificate for 127.0.0.1.
# Outside `cargo test` and CI: it installs the clients into .venv/ and node_modules/ (git-ignored).
# Usage: fake-org/conformance/run.sh [python|node]   (both by default)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q 'simple-salesforce==1.12.10'
fi
if [ ! -d node_modules/jsforce ]; then
  npm install --silent --no-audit --no-fund 'jsforce@3'
fi

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

(cd "$root" && cargo build --release -q -p sfrest-fake-org --bin sfrest-fake-org)
port=$((20000 + RANDOM % 20000))
"$root/target/release/sfrest-fake-org" --port "$port" --tls-cert "$work/cert.pem" \
  --tls-key "$work/key.pem" > "$work/server.txt" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q "^SF_SECURITY_TOKEN=" "$work/server.txt" && break; sleep 0.2; done
# The binary prints a ready-to-paste .env block: take it as it is.
set -a
eval "$(grep "^SF_[A-Z_]*=" "$work/server.txt")"
set +a
export SF_MY_DOMAIN_URL="https://127.0.0.1:$((port + 1))"
export REQUESTS_CA_BUNDLE="$work/cert.pem" NODE_EXTRA_CA_CERTS="$work/cert.pem"

status=0
if [ "${1:-python}" = python ] || [ -z "${1:-}" ]; then
  echo "== simple-salesforce"; .venv/bin/python conformance.py || status=1
fi
if [ "${1:-node}" = node ] || [ -z "${1:-}" ]; then
  echo "== jsforce"; node conformance.js || status=1
fi
exit $status
