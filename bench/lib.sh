# Set-up shared by bench/run.sh and bench/net.sh (sourced, after ROOT is set).

# The venv of the Python side, target/bench-venv: simple-salesforce and matplotlib, installed
# from PyPI when missing.
bench_venv() {
    VENV="$ROOT/target/bench-venv"
    [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
    "$VENV/bin/python" -c 'import simple_salesforce, matplotlib' 2>/dev/null ||
        "$VENV/bin/pip" install -q simple-salesforce matplotlib
}

# WORK: a temporary folder (mktemp -d with the prefix $1), removed at exit together with the
# fake org whose pid is ORG_PID; in it a throwaway CA (ca.pem) and a certificate for 127.0.0.1
# (server.pem, server.key).
bench_workdir_and_certs() {
    WORK="$(mktemp -d "/tmp/$1.XXXXXX")"
    ORG_PID=""
    trap '[[ -n "$ORG_PID" ]] && kill "$ORG_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
    (
        cd "$WORK"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -keyout ca.key -out ca.pem -days 2 -subj "/CN=sfrest bench CA" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >ext.cnf
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
            -out server.pem -days 2 -extfile ext.cnf 2>/dev/null
    )
}
