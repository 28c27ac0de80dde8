"""The network benchmark (bench/net.sh): the scenarios of bench/run.sh through the latency proxy
(bench/src/bin/latency_proxy.rs) at a configured round trip, over https, against the fake org,
with round trips counted: TCP connections and TLS handshakes at the proxy, HTTP requests and
logins at the fake org (/__fake/stats).

Called by bench/net.sh with SF_* set to the proxy's login URL. Knobs: BENCH_RTTS (default
"0,20,50,100": the export at each; the other scenarios at 50 ms), BENCH_EXPORT_N (default
200000), BENCH_RUNS (default 3; 1 for the export), BENCH_QUICK=1.
"""

import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
BIN = os.environ["BENCH_BIN"]
PY = sys.executable
QUICK = os.environ.get("BENCH_QUICK") == "1"
RTTS = [int(x) for x in os.environ.get("BENCH_RTTS", "0,20,50,100").split(",")]
MAIN_RTT = 50 if 50 in RTTS else RTTS[-1]
RUNS = int(os.environ.get("BENCH_RUNS", "1" if QUICK else "3"))
EXPORT_N = int(os.environ.get("BENCH_EXPORT_N", "20000" if QUICK else "200000"))
CREATE_N = 1000 if QUICK else 10000
READS_N = 50 if QUICK else 200
ORG_DIRECT = os.environ["BENCH_ORG_DIRECT"]  # the login host, not through the proxy
PROXY_PORTS = os.environ["BENCH_PROXY_MAP"].split()  # LISTEN:TARGET pairs
STATS_FILE = os.environ["BENCH_PROXY_STATS"]
CTX = ssl.create_default_context(cafile=os.environ["SF_CA_FILE"])
WORKDIR = tempfile.mkdtemp(prefix="sfrest-net-")
raw = {"rtts": RTTS, "main_rtt": MAIN_RTT, "export_n": EXPORT_N, "scenarios": {}}


def log(msg):
    print(f"[net] {msg}", file=sys.stderr, flush=True)


def http(method, url, body=None):
    req = urllib.request.Request(url, data=body, method=method)
    with urllib.request.urlopen(req, context=CTX) as r:
        return json.loads(r.read() or b"null")


def org_stats():
    return http("GET", f"{ORG_DIRECT}/__fake/stats")


def org_reset():
    http("POST", f"{ORG_DIRECT}/__fake/reset", body=b"")


def proxy_stats():
    for _ in range(50):
        try:
            with open(STATS_FILE) as f:
                return json.load(f)
        except (OSError, ValueError):
            time.sleep(0.02)
    return {"connections": 0, "tls_handshakes": 0, "bytes_up": 0, "bytes_down": 0}


class Proxy:
    def __init__(self, rtt):
        self.rtt = rtt
        if os.path.exists(STATS_FILE):
            os.remove(STATS_FILE)
        self.p = subprocess.Popen(
            [os.path.join(BIN, "latency_proxy"), "--rtt-ms", str(rtt), "--stats", STATS_FILE,
             *PROXY_PORTS],
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.3)

    def stop(self):
        self.p.terminate()
        self.p.wait()


def measured(cmd, env=None):
    """Runs cmd once: (wall seconds of the whole process, its JSON line or None, round trips)."""
    time.sleep(0.1)  # let the proxy's stats settle
    before_p, before_o = proxy_stats(), org_stats()
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=WORKDIR, capture_output=True, text=True,
                       env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t
    if p.returncode != 0:
        log(f"{' '.join(cmd)} failed:\n{p.stderr.strip()[-1500:]}")
        raise SystemExit(1)
    time.sleep(0.1)
    after_p, after_o = proxy_stats(), org_stats()
    trips = {
        "connections": after_p["connections"] - before_p["connections"],
        "tls_handshakes": after_p["tls_handshakes"] - before_p["tls_handshakes"],
        "requests": after_o["requests"] - before_o["requests"],
        "logins": after_o["logins"] - before_o["logins"],
    }
    line = None
    for out_line in reversed(p.stdout.strip().splitlines()):
        if out_line.startswith("{"):
            line = json.loads(out_line)
            break
    return wall, line, trips


ONLY = [k for k in os.environ.get("BENCH_ONLY", "").split(",") if k]


def series(name, cmd, runs, env=None, use="wall"):
    """Runs cmd `runs` times; records every time (process wall, or the `secs` it printed) and
    the round trips of the first run."""
    times, trips = [], None
    for i in range(runs):
        org_reset()
        wall, line, t = measured(cmd, env)
        times.append(wall if use == "wall" else line["secs"])
        trips = trips or t
        log(f"{name}: {times[-1]:.3f} s {t}")
    return {"times": times, "median": statistics.median(times), "trips": trips}


def rust(name, *args):
    return [os.path.join(BIN, name), *map(str, args)]


def py(script, *args):
    return [PY, os.path.join(HERE, script), *map(str, args)]


def main():
    path = os.path.join(BENCH, "results", "net.json")
    if ONLY and os.path.exists(path):
        # A partial run: the other scenarios keep their last numbers.
        with open(path) as f:
            raw["scenarios"] = json.load(f)["scenarios"]
    cache = os.path.join(WORKDIR, "token-cache.json")
    out_csv = os.path.join(WORKDIR, "export.csv")
    for rtt in RTTS:
        proxy = Proxy(rtt)
        res = raw["scenarios"].setdefault(str(rtt), {})

        def run(key, *args, **kw):
            if not ONLY or key in ONLY:
                res[key] = series(*args, **kw)

        try:
            if rtt == MAIN_RTT:
                run("cron_cold_sfrest", "cron cold sfrest", rust("s1_sfrest_cron"), RUNS * 2)
                subprocess.run(rust("s1_sfrest_cron"), cwd=WORKDIR, capture_output=True,
                               env={**os.environ, "SF_TOKEN_CACHE": cache}, check=True)
                run("cron_warm_sfrest", "cron warm sfrest", rust("s1_sfrest_cron"),
                                                 RUNS * 2, env={"SF_TOKEN_CACHE": cache})
                run("cron_simple_salesforce", "cron simple-salesforce", py("s1_cron.py"), RUNS)
                run("reads_sfrest_one", "reads sfrest get",
                    rust("net_reads", "one", READS_N), 1, use="secs")
                run("reads_ss_one", "reads ss Account.get", py("net_reads.py", READS_N), 1,
                    use="secs")
                run("reads_sfrest_many", "reads sfrest get_many",
                    rust("net_reads", "many", READS_N), RUNS, use="secs")
                run("create_sfrest", "create_many", rust("s4_sfrest_create_many", CREATE_N),
                                              1, use="secs")
                run("create_sfrest_4", "create_many, 4 at once",
                    rust("s4_sfrest_create_many", CREATE_N, 4), 1, use="secs")
                run("create_ss_bulk2", "ss bulk2 insert", py("s4_create.py", "bulk2", CREATE_N),
                                                1, use="secs")
            n = 2 if rtt == MAIN_RTT and not QUICK else 1
            run("export_sfrest_rest", "export sfrest query_csv",
                                               rust("net_export", "rest", out_csv, EXPORT_N), n, use="secs")
            run("export_sfrest_bulk", "export sfrest bulk",
                                               rust("net_export", "bulk", out_csv, EXPORT_N), n, use="secs")
            if rtt == MAIN_RTT:
                run("export_sfrest_rest_no_prefetch", "export sfrest query_csv, no prefetch",
                    rust("net_export", "rest", out_csv, EXPORT_N), n, env={"BENCH_PREFETCH": "0"},
                    use="secs")
                run("export_sfrest_bulk_one_by_one", "export sfrest bulk, pages one by one",
                    rust("net_export", "bulk", out_csv, EXPORT_N), n, env={"BENCH_PARALLEL": "1"},
                    use="secs")
            run("export_ss_iter", "export ss query_all_iter",
                                           py("net_export.py", "iter", out_csv, 5, EXPORT_N), n, use="secs")
            run("export_ss_bulk2_tuned", "export ss bulk2 wait=0.5",
                                                  py("net_export.py", "bulk2", out_csv, 0.5, EXPORT_N),
                                                  n, use="secs")
            run("export_ss_bulk2_default", "export ss bulk2 default wait=5",
                                                    py("net_export.py", "bulk2", out_csv, 5, EXPORT_N),
                                                    1, use="secs")
        finally:
            proxy.stop()
        with open(os.path.join(BENCH, "results", "net.json"), "w") as f:
            json.dump(raw, f, indent=1)
    report()


def plotted(key):
    return key.startswith("export") and not key.endswith(("no_prefetch", "one_by_one"))


def fmt_trips(t):
    return (f"{t['connections']} conn, {t['tls_handshakes']} TLS, {t['requests']} req"
            + (f" (incl. {t['logins']} login)" if t.get("logins") else ""))


def report():
    s = raw["scenarios"]
    m = s[str(MAIN_RTT)]
    lines = [
        f"# Network benchmark: {MAIN_RTT} ms round trip (latency proxy), https, fake org",
        "",
        f"Export: {EXPORT_N:,} Accounts, 6 fields, to CSV (login not timed). Server knobs: "
        + os.environ.get("BENCH_ORG_KNOBS", ""),
        "",
        "| scenario | time (median) | runs | round trips (first run) |",
        "|---|---|---|---|",
    ]
    names = {
        "cron_cold_sfrest": "cron one-off, cold (log in), sfrest, whole process",
        "cron_warm_sfrest": "cron one-off, warm (SF_TOKEN_CACHE), sfrest, whole process",
        "cron_simple_salesforce": "cron one-off, simple-salesforce, whole process",
        "reads_sfrest_one": f"{READS_N} reads by id, sfrest get, one after another",
        "reads_ss_one": f"{READS_N} reads by id, simple-salesforce Account.get, one after another",
        "reads_sfrest_many": f"{READS_N} reads by id, sfrest get_many (sObject Collections)",
        "create_sfrest": f"{CREATE_N:,} creates, sfrest create_many (collections)",
        "create_sfrest_4": f"{CREATE_N:,} creates, sfrest create_many, 4 calls at once (concurrency(4))",
        "create_ss_bulk2": f"{CREATE_N:,} creates, simple-salesforce bulk2 insert",
        "export_sfrest_rest": "export, sfrest query_csv (REST, next page ahead)",
        "export_sfrest_rest_no_prefetch": "export, sfrest query_csv, prefetch off (before)",
        "export_sfrest_bulk": "export, sfrest bulk().query (Bulk 2.0, 4 pages at once)",
        "export_sfrest_bulk_one_by_one": "export, sfrest bulk().query, pages one by one (before)",
        "export_ss_iter": "export, simple-salesforce query_all_iter + csv",
        "export_ss_bulk2_tuned": "export, simple-salesforce bulk2 download, wait=0.5",
        "export_ss_bulk2_default": "export, simple-salesforce bulk2 download, defaults (wait=5)",
    }
    for key, label in names.items():
        if key in m:
            r = m[key]
            lines.append(f"| {label} | {r['median']:.3f} s | {len(r['times'])} "
                         f"({', '.join(f'{x:.2f}' for x in r['times'])}) | {fmt_trips(r['trips'])} |")
    lines += ["", "Export time (s) against round trip:", "",
              "| RTT | " + " | ".join(k.replace("export_", "") for k in names if plotted(k)) + " |",
              "|---|" + "---|" * sum(1 for k in names if plotted(k))]
    for rtt in RTTS:
        r = s.get(str(rtt), {})
        cells = [f"{r[k]['median']:.2f}" if k in r else "" for k in names if plotted(k)]
        lines.append(f"| {rtt} ms | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(BENCH, "results", "net.md"), "w") as f:
        f.write(text)
    print(text)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4.2))
        for k in names:
            if not plotted(k):
                continue
            xs = [rtt for rtt in RTTS if k in s.get(str(rtt), {})]
            ys = [s[str(rtt)][k]["median"] for rtt in xs]
            ax.plot(xs, ys, marker="o", label=k.replace("export_", ""))
        ax.set_xlabel("round trip (ms)")
        ax.set_ylabel(f"export of {EXPORT_N:,} records (s)")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(BENCH, "plots", "export_vs_rtt.png"), dpi=110)
    except ImportError:
        log("matplotlib missing: no plot")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "report":
        with open(os.path.join(BENCH, "results", "net.json")) as f:
            raw = json.load(f)
        report()
    else:
        main()
