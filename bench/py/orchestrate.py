"""Runs every scenario of bench/run.sh against one running fake org and writes the results.

Called by bench/run.sh (which builds, installs, makes the TLS certificates and starts the fake
org), with the SF_* variables, SF_CA_FILE and REQUESTS_CA_BUNDLE set. Knobs (environment):
BENCH_QUICK=1 (fewer runs and rows, for a smoke test), BENCH_PER_RECORD_N (simple-salesforce
per-record creates, default 10000), BENCH_SIZES (default "10000,100000,1000000").
"""

import json
import os
import platform
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
RESULTS = os.path.join(BENCH, "results")
PLOTS = os.path.join(BENCH, "plots")
BIN = os.environ["BENCH_BIN"]  # the release directory of the Rust binaries
PY = sys.executable
QUICK = os.environ.get("BENCH_QUICK") == "1"
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000,1000000").split(",")]
PER_RECORD_N = int(os.environ.get("BENCH_PER_RECORD_N", "1000" if QUICK else "10000"))
CREATE_N = 10_000
LOGIN_URL = os.environ["SF_LOGIN_URL"]
API = os.environ.get("SF_API_VERSION", "66.0")
FIELDS = "Id, Name, Industry, BillingCity, AnnualRevenue, NumberOfEmployees"
CTX = ssl.create_default_context(cafile=os.environ["SF_CA_FILE"])
# Children run in an empty directory, so no stray .env is found above them.
WORKDIR = tempfile.mkdtemp(prefix="sfrest-bench-")

raw = {}  # everything measured, written to results/latest.json


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def rust(name, *args):
    return [os.path.join(BIN, name), *map(str, args)]


def py(script, *args):
    return [PY, os.path.join(HERE, script), *map(str, args)]


def run_json(cmd):
    """Runs a benchmark process and returns the JSON line it printed last."""
    p = subprocess.run(cmd, cwd=WORKDIR, capture_output=True, text=True)
    if p.returncode != 0:
        log(f"{' '.join(cmd)} failed:\n{p.stderr.strip()[-1500:]}")
        raise subprocess.CalledProcessError(p.returncode, cmd, p.stdout, p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1])


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, context=CTX) as r:
        return json.loads(r.read() or b"null")


def stats_reset():
    http("POST", f"{LOGIN_URL}/__fake/reset", body=b"")


def stats():
    return http("GET", f"{LOGIN_URL}/__fake/stats")


def token():
    form = urllib.parse.urlencode(
        {
            "grant_type": "password",
            "client_id": os.environ["SF_CLIENT_ID"],
            "client_secret": os.environ["SF_CLIENT_SECRET"],
            "username": os.environ["SF_USERNAME"],
            "password": os.environ["SF_PASSWORD"] + os.environ.get("SF_SECURITY_TOKEN", ""),
        }
    ).encode()
    t = http("POST", f"{LOGIN_URL}/services/oauth2/token", body=form)
    return t["access_token"], t["instance_url"]


def timed_max_rss(cmd):
    """Runs cmd under /usr/bin/time -v: (wall seconds, peak RSS in MiB, the JSON it printed)."""
    p = subprocess.run(
        ["/usr/bin/time", "-v", *cmd], cwd=WORKDIR, check=True, capture_output=True, text=True
    )
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", p.stderr)
    secs = 0.0
    for part in wall.group(1).split(":"):
        secs = secs * 60 + float(part)
    return secs, rss_kb / 1024, json.loads(p.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
def ceiling(instance, tok, rec_id):
    url = f"{instance}/services/data/v{API}/sobjects/Account/{rec_id}"
    out = {}
    for label, threads, conns in (("1 connection", 1, 1), ("2 threads, 8 connections", 2, 8)):
        stats_reset()  # also zeroes the org's daily API usage (100,000 calls)
        p = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{conns}", "-d2s" if QUICK else "-d3s",
             "-H", f"Authorization: Bearer {tok}", "-H", "Accept-Encoding: gzip",
             "-H", "Accept: application/json", url],
            check=True, capture_output=True, text=True,
        )
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", p.stdout).group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", p.stdout)
        if non2xx:
            raise SystemExit(f"wrk got {non2xx.group(1)} error answers:\n{p.stdout}")
        out[label] = rps
        log(f"ceiling ({label}): {rps:.0f} req/s")
    raw["ceiling"] = out
    return out


def scenario1():
    runs = 5 if QUICK else 20
    path = os.path.join(RESULTS, "s1_hyperfine.json")
    env_cmds = [" ".join(rust("s1_sfrest_cron")), " ".join(py("s1_cron.py"))]
    subprocess.run(
        ["hyperfine", "-N", "--warmup", "3", "--runs", str(runs), "--export-json", path,
         "--command-name", "sfrest", "--command-name", "simple-salesforce", *env_cmds],
        cwd=WORKDIR, check=True, stdout=sys.stderr,
    )
    with open(path) as f:
        res = {r["command"]: r for r in json.load(f)["results"]}
    out = {k: {"median": v["median"], "mean": v["mean"], "stddev": v["stddev"]} for k, v in res.items()}
    raw["s1"] = out
    return out


def scenario2(rec_id):
    n = 2000
    runs = 3 if QUICK else 7
    cases = (
        ("ureq floor", rust("s2_ureq_get", rec_id, n)),
        ("sfrest", rust("s2_sfrest_get", rec_id, n)),
        ("simple-salesforce", py("s2_get.py", rec_id, n)),
    )
    rates = {label: [] for label, _ in cases}
    # Interleaved, so a slow spell of the machine hits every client alike.
    for _ in range(runs):
        for label, cmd in cases:
            rates[label].append(run_json(cmd)["calls_per_sec"])
    out = {}
    for label, r in rates.items():
        out[label] = {"median": statistics.median(r), "runs": r}
        log(f"s2 {label}: median {out[label]['median']:.0f} calls/s over {runs} runs")
    raw["s2"] = out
    return out


def scenario3():
    clients = (
        ("sfrest query_iter", lambda lim: rust("s3_sfrest_query_iter", lim)),
        ("simple-salesforce query_all_iter", lambda lim: py("s3_query.py", "iter", lim)),
        ("simple-salesforce query_all", lambda lim: py("s3_query.py", "all", lim)),
    )
    out = {}
    for size in SIZES:
        # The largest size is the whole object (no LIMIT): the org holds exactly that many.
        lim = 0 if size == max(SIZES) else size
        runs = 1 if (QUICK or size >= 1_000_000) else 3
        for label, mk in clients:
            walls, rsss = [], []
            for _ in range(runs):
                wall, rss, rep = timed_max_rss(mk(lim))
                if rep["records"] != size:
                    raise SystemExit(f"{label} read {rep['records']} records, expected {size}")
                walls.append(wall)
                rsss.append(rss)
            out.setdefault(label, {})[size] = {
                "wall": statistics.median(walls), "rss_mib": statistics.median(rsss)
            }
            log(f"s3 {label} {size}: {statistics.median(walls):.2f} s, "
                f"{statistics.median(rsss):.1f} MiB")
    raw["s3"] = {k: {str(s): v for s, v in d.items()} for k, d in out.items()}
    return out


def scenario4():
    out = {}
    cases = [
        ("sfrest create_many (Collections)", rust("s4_sfrest_create_many", CREATE_N), CREATE_N),
        ("simple-salesforce create (per record)", py("s4_create.py", "per_record", PER_RECORD_N),
         PER_RECORD_N),
        ("simple-salesforce bulk2", py("s4_create.py", "bulk2", CREATE_N), CREATE_N),
    ]
    for label, cmd, n in cases:
        stats_reset()
        t = time.perf_counter()
        try:
            rep = run_json(cmd)
        except subprocess.CalledProcessError as e:
            log(f"s4 {label} failed: {e.stderr.strip()[-400:]}")
            out[label] = {"records": n, "error": e.stderr.strip().splitlines()[-1][:200]}
            continue
        wall = time.perf_counter() - t
        s = stats()
        api = s["requests"] - s["by_route"].get("POST /services/oauth2/token", 0)
        out[label] = {
            "records": rep["records"], "failed": rep["failed"], "secs": rep["secs"],
            "process_secs": wall, "requests": s["requests"], "api_calls": api,
            "logins": s["logins"], "by_route": s["by_route"],
        }
        log(f"s4 {label}: {rep['records']} records in {rep['secs']:.2f} s, "
            f"{api} API calls + {s['logins']} login")
    raw["s4"] = out
    return out


def scenario5(instance, tok):
    soql = f"SELECT {FIELDS} FROM Account LIMIT 2000"
    url = f"{instance}/services/data/v{API}/query?" + urllib.parse.urlencode({"q": soql})
    out = {}
    for label, enc in (("identity", "identity"), ("gzip", "gzip")):
        p = subprocess.run(
            ["curl", "-sS", "--cacert", os.environ["SF_CA_FILE"], "-o", "/dev/null",
             "-w", "%{size_header} %{size_download}",
             "-H", f"Authorization: Bearer {tok}", "-H", f"Accept-Encoding: {enc}", url],
            check=True, capture_output=True, text=True,
        )
        head, body = map(int, p.stdout.split())
        out[label] = {"header_bytes": head, "body_bytes": body}
    raw["s5"] = out
    return out


# --------------------------------------------------------------------------------------------
def machine():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"

    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    import simple_salesforce  # noqa: the version actually used

    ss_version = getattr(simple_salesforce, "__version__", None) or sh(
        f"{PY} -m pip show simple-salesforce | sed -n 's/^Version: //p'"
    )
    return {
        "cpu": cpu, "nproc": sh("nproc"),
        "memory": sh("free -h | awk '/^Mem:/ {print $2}'"),
        "kernel": platform.release(), "rustc": sh("rustc --version"),
        "python": platform.python_version(), "simple_salesforce": ss_version,
        "hyperfine": sh("hyperfine --version"), "wrk": sh("wrk -v 2>&1 | head -1 | cut -d' ' -f1-2"),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def fmt_s(x):
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"


def table(m, ceil, s1, s2, s3, s4, s5, transport):
    L = []
    L.append(f"Machine: {m['cpu']}, {m['nproc']} cores, {m['memory']} RAM, Linux {m['kernel']}; "
             f"{m['rustc']}; Python {m['python']}, simple-salesforce {m['simple_salesforce']}; "
             f"{m['hyperfine']}; {m['wrk']}. {m['date']}.")
    L.append("")
    L.append(f"Transport: {transport}")
    L.append("")
    L.append("| # | scenario | sfrest | simple-salesforce | floor / other | ratio | target | met |")
    L.append("|---|---|---|---|---|---|---|---|")
    one = ceil["1 connection"]
    many = ceil["2 threads, 8 connections"]
    L.append(f"| 0 | fake org ceiling, `GET sobjects/Account/{{id}}` (wrk) | | | "
             f"{one:,.0f} req/s on 1 connection; {many:,.0f} req/s on 8 | | not the bottleneck | "
             f"{'yes' if one > s2['ureq floor']['median'] else 'no'} |")
    a, b = s1["sfrest"]["median"], s1["simple-salesforce"]["median"]
    L.append(f"| 1 | cron one-off: start, log in, query 10, print, exit (median of hyperfine) | "
             f"{fmt_s(a)} | {fmt_s(b)} | | {b / a:.1f}x faster | >= 10x | "
             f"{'yes' if b / a >= 10 else 'no'} |")
    sf, fl, ss = (s2[k]["median"] for k in ("sfrest", "ureq floor", "simple-salesforce"))
    within = sf >= 0.9 * fl
    L.append(f"| 2 | 2,000 sequential GETs of one record, keep-alive (median calls/s) | "
             f"{sf:,.0f}/s | {ss:,.0f}/s | bare ureq {fl:,.0f}/s | {sf / fl:.0%} of ureq; "
             f"{sf / ss:.1f}x simple-salesforce | >= 90% of ureq and >= 3x | "
             f"{'yes' if within and sf / ss >= 3 else 'no'} |")
    for size in SIZES:
        it = s3["sfrest query_iter"][size]
        si = s3["simple-salesforce query_all_iter"][size]
        sa = s3["simple-salesforce query_all"][size]
        L.append(
            f"| 3 | query {size:,} Accounts: wall, peak RSS | {fmt_s(it['wall'])}, "
            f"{it['rss_mib']:.1f} MiB | `query_all_iter` {fmt_s(si['wall'])}, {si['rss_mib']:.1f} MiB; "
            f"`query_all` {fmt_s(sa['wall'])}, {sa['rss_mib']:.1f} MiB | | "
            f"{si['wall'] / it['wall']:.1f}x faster, {si['rss_mib'] / it['rss_mib']:.1f}x less memory "
            f"than `query_all_iter` | RSS < 30 MB | {'yes' if it['rss_mib'] * 1.048576 < 30 else 'no'} |")
    cm = s4["sfrest create_many (Collections)"]
    pr = s4["simple-salesforce create (per record)"]
    b2 = s4.get("simple-salesforce bulk2", {})
    if "error" in b2:
        b2_cell = f"bulk2: failed ({b2['error']})"
    else:
        b2_cell = (f"bulk2: {fmt_s(b2['secs'])}, {b2['api_calls']} API calls "
                   f"({', '.join(f'{v} {k}' for k, v in sorted(b2['by_route'].items()) if 'oauth2' not in k)})")
    per_rec_note = "" if pr["records"] == CREATE_N else f" ({pr['records']:,} records; x{CREATE_N // pr['records']} for 10,000)"
    L.append(
        f"| 4 | create 10,000 Accounts: time, API calls at the org (+1 login each) | "
        f"`create_many`: {fmt_s(cm['secs'])}, {cm['api_calls']} API calls | "
        f"per-record `create`: {fmt_s(pr['secs'])}, {pr['api_calls']:,} API calls{per_rec_note} | "
        f"{b2_cell} | {pr['api_calls'] * (CREATE_N // pr['records']) / cm['api_calls']:.0f}x fewer calls "
        f"than per-record | <= 50 API calls | {'yes' if cm['api_calls'] <= 50 else 'no'} |")
    ident, gz = s5["identity"]["body_bytes"], s5["gzip"]["body_bytes"]
    L.append(f"| 5 | one 2,000-record query page, body bytes on the wire | gzip (asked always) | "
             f"gzip (requests asks `gzip, deflate`) | identity {ident:,} B; gzip {gz:,} B | "
             f"{ident / gz:.1f}x smaller | | |")
    L.append("")
    L.append("Scenario 3, peak RSS (MiB) by row count:")
    L.append("")
    L.append("| rows | " + " | ".join(s3) + " |")
    L.append("|---|" + "---|" * len(s3))
    for size in SIZES:
        L.append(f"| {size:,} | " + " | ".join(f"{s3[k][size]['rss_mib']:.1f}" for k in s3) + " |")
    L.append("")
    L.append("Scenario 3, wall time by row count:")
    L.append("")
    L.append("| rows | " + " | ".join(s3) + " |")
    L.append("|---|" + "---|" * len(s3))
    for size in SIZES:
        L.append(f"| {size:,} | " + " | ".join(fmt_s(s3[k][size]["wall"]) for k in s3) + " |")
    return "\n".join(L) + "\n"


def plot(s3):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for (label, d), marker in zip(s3.items(), "osD"):
        xs = sorted(d)
        ax.plot(xs, [d[x]["rss_mib"] for x in xs], marker=marker, label=label)
        for x in xs:
            ax.annotate(f"{d[x]['rss_mib']:.0f}", (x, d[x]["rss_mib"]), textcoords="offset points",
                        xytext=(0, 6), ha="center", fontsize=8)
    ax.axhline(30 / 1.048576, color="grey", linestyle="--", linewidth=1, label="30 MB target")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(SIZES)
    ax.set_xticklabels([f"{s:,}" for s in SIZES])
    ax.set_xlabel("rows queried (Account, 6 fields)")
    ax.set_ylabel("peak RSS (MiB, /usr/bin/time -v)")
    ax.set_title("Peak memory of a full query against the fake org")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    os.makedirs(PLOTS, exist_ok=True)
    fig.savefig(os.path.join(PLOTS, "peak_rss.png"))


def main():
    os.makedirs(RESULTS, exist_ok=True)
    tok, instance = token()
    q = urllib.parse.urlencode({"q": "SELECT Id FROM Account ORDER BY Name LIMIT 1"})
    rec_id = http("GET", f"{instance}/services/data/v{API}/query?{q}",
                  headers={"Authorization": f"Bearer {tok}"})["records"][0]["Id"]
    m = machine()
    raw["machine"] = m
    transport = os.environ.get("BENCH_TRANSPORT", "?")
    log("fake org ceiling (wrk)")
    ceil = ceiling(instance, tok, rec_id)
    stats_reset()
    log("scenario 1 (hyperfine)")
    s1 = scenario1()
    stats_reset()
    log("scenario 2")
    s2 = scenario2(rec_id)
    stats_reset()
    log("scenario 5")
    s5 = scenario5(instance, tok)
    stats_reset()
    log("scenario 3")
    s3 = scenario3()
    log("scenario 4")
    s4 = scenario4()
    md = table(m, ceil, s1, s2, s3, s4, s5, transport)
    with open(os.path.join(RESULTS, "latest.md"), "w") as f:
        f.write(md)
    with open(os.path.join(RESULTS, "latest.json"), "w") as f:
        json.dump(raw, f, indent=1)
    plot(s3)
    print(md)


if __name__ == "__main__":
    main()
