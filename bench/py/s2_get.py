"""Scenario 2, simple-salesforce: N sequential GETs of one record over one session
(``sf.Account.get(id)``, keep-alive through its requests session). Times the loop only.

usage: s2_get.py RECORD_ID [N=2000]"""

import sys
import time

from sfbench import emit, login

rec_id = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
sf = login()
sf.Account.get(rec_id)  # warm-up, as the Rust binaries do
t = time.perf_counter()
for _ in range(n):
    sf.Account.get(rec_id)
secs = time.perf_counter() - t
emit(calls=n, secs=secs, calls_per_sec=n / secs)
