"""Scenario 3, simple-salesforce: every record of a query, with ``query_all_iter`` (lazy, page by
page) or ``query_all`` (every record in one list). Peak RSS is measured from outside.

usage: s3_query.py iter|all [LIMIT]   (0 or absent: every Account)"""

import sys
import time

from sfbench import emit, login

FIELDS = "Id, Name, Industry, BillingCity, AnnualRevenue, NumberOfEmployees"

mode = sys.argv[1]
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0
soql = f"SELECT {FIELDS} FROM Account" + (f" LIMIT {limit}" if limit else "")
sf = login()
t = time.perf_counter()
n = 0
name_bytes = 0
if mode == "iter":
    for rec in sf.query_all_iter(soql):
        name_bytes += len(rec["Name"])
        n += 1
elif mode == "all":
    for rec in sf.query_all(soql)["records"]:
        name_bytes += len(rec["Name"])
        n += 1
else:
    sys.exit(f"unknown mode {mode}")
emit(records=n, secs=time.perf_counter() - t, name_bytes=name_bytes)
