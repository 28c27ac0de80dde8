"""Scenario 1, simple-salesforce: a cron-style one-off. Log in, query 10 opportunities, print
them as JSON, exit. Timed as a whole process (hyperfine), imports included."""

import json

from sfbench import login

sf = login()
page = sf.query(
    "SELECT Account.Name, Name, StageName, Amount, CloseDate FROM Opportunity "
    "WHERE IsClosed = false ORDER BY CloseDate ASC LIMIT 10"
)
print(json.dumps(page["records"], indent=2))
