"""Scenario 2 of the network benchmark (bench/net.sh), simple-salesforce: N Accounts read by id
one after another (``sf.Account.get(id)``: whole records). The ids come from one query first; the login and that
query are not timed.

usage: net_reads.py N"""

import sys
import time

from sfbench import emit, login

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
sf = login()
ids = [r["Id"] for r in sf.query(f"SELECT Id FROM Account ORDER BY Name LIMIT {n}")["records"]]
assert len(ids) == n, len(ids)
t = time.perf_counter()
for rec_id in ids:
    sf.Account.get(rec_id)
emit(records=n, secs=time.perf_counter() - t)
