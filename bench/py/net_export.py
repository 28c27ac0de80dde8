"""The export scenario of the network benchmark (bench/net.sh), simple-salesforce: every Account
to CSV, with ``query_all_iter`` (REST pages, written with csv.writer in SELECT order) or
``bulk2.Account.download`` (Bulk API 2.0; it writes one CSV file per result page into a folder).
The login is not timed.

usage: net_export.py iter|bulk2 OUT [WAIT_SECONDS=5] [LIMIT]"""

import csv
import os
import sys
import tempfile
import time

from sfbench import emit, login

FIELDS = ["Id", "Name", "Industry", "BillingCity", "AnnualRevenue", "NumberOfEmployees"]

mode, out = sys.argv[1], sys.argv[2]
wait = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
limit = int(sys.argv[4]) if len(sys.argv) > 4 else 0
soql = f"SELECT {', '.join(FIELDS)} FROM Account" + (f" LIMIT {limit}" if limit else "")
sf = login()
t = time.perf_counter()
n = 0
if mode == "iter":
    with open(out, "w", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL)
        w.writerow(FIELDS)
        for rec in sf.query_all_iter(soql):
            w.writerow(["" if rec[k] is None else rec[k] for k in FIELDS])
            n += 1
elif mode == "bulk2":
    d = tempfile.mkdtemp(dir=os.path.dirname(os.path.abspath(out)))
    results = sf.bulk2.Account.download(soql, path=d, wait=wait)
    n = sum(int(r["number_of_records"]) for r in results)
else:
    sys.exit(f"unknown mode {mode}")
emit(records=n, secs=time.perf_counter() - t)
