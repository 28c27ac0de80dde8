"""Scenario 4, simple-salesforce: create N Accounts, one ``sf.Account.create`` (one API call) per
record, or through ``sf.bulk2.Account.insert`` (Bulk API 2.0). API calls are counted at the fake
org (/__fake/stats).

usage: s4_create.py per_record|bulk2 [N=10000]"""

import csv
import os
import sys
import tempfile
import time

from sfbench import emit, login

mode = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
records = [
    {"Name": f"Bench {i:06}", "Industry": "Energy", "BillingCity": "Lyon"} for i in range(n)
]
sf = login()
t = time.perf_counter()
failed = 0
if mode == "per_record":
    for rec in records:
        if not sf.Account.create(rec).get("success"):
            failed += 1
elif mode == "bulk2":
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "accounts.csv")
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["Name", "Industry", "BillingCity"])
            w.writeheader()
            w.writerows(records)
        results = sf.bulk2.Account.insert(csv_file=path)
    failed = sum(int(r.get("numberRecordsFailed", 0)) for r in results)
else:
    sys.exit(f"unknown mode {mode}")
emit(records=n, failed=failed, secs=time.perf_counter() - t)
