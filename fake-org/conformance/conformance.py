"""simple-salesforce against sfrest-fake-org: each check prints ok or FAIL with what differed.

Run by run.sh, which starts the binary and sets SF_* and REQUESTS_CA_BUNDLE.
"""
import os
import sys
import traceback

import requests
from simple_salesforce import Salesforce, SalesforceResourceNotFound

ENV = os.environ
LOGIN = ENV["SF_LOGIN_URL"]
MY_DOMAIN = ENV["SF_MY_DOMAIN_URL"]
VERSION = "66.0"
failures = []
state = {}


def check(name):
    def wrap(fn):
        try:
            fn()
            print(f"ok    {name}")
        except Exception as e:  # noqa: BLE001 - every difference is reported, then the next check
            failures.append(name)
            detail = "".join(traceback.format_exception_only(type(e), e)).strip()
            print(f"FAIL  {name}: {detail[:600]}")
        return fn
    return wrap


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


@check("OAuth username-password flow (requests), then Salesforce(instance_url, session_id)")
def _():
    r = requests.post(f"{LOGIN}/services/oauth2/token", data={
        "grant_type": "password", "client_id": ENV["SF_CLIENT_ID"],
        "client_secret": ENV["SF_CLIENT_SECRET"], "username": ENV["SF_USERNAME"],
        "password": ENV["SF_PASSWORD"] + ENV["SF_SECURITY_TOKEN"]}, timeout=10)
    expect(r.status_code == 200, f"{r.status_code} {r.text[:200]}")
    tok = r.json()
    for k in ("access_token", "instance_url", "id", "token_type", "issued_at", "signature"):
        expect(k in tok, f"token answer lacks {k}: {sorted(tok)}")
    state["token"] = tok
    state["sf"] = Salesforce(instance_url=tok["instance_url"], session_id=tok["access_token"],
                             version=VERSION)


@check("OAuth client credentials flow on My Domain")
def _():
    r = requests.post(f"{MY_DOMAIN}/services/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": ENV["SF_CLIENT_ID"],
        "client_secret": ENV["SF_CLIENT_SECRET"]}, timeout=10)
    expect(r.status_code == 200, f"{r.status_code} {r.text[:200]}")
    sf = Salesforce(instance_url=r.json()["instance_url"], session_id=r.json()["access_token"],
                    version=VERSION)
    expect(sf.query("SELECT COUNT() FROM Account")["totalSize"] >= 20, "count")


sf = state.get("sf")
if sf is None:
    print("cannot go on without a session")
    sys.exit(1)


@check("identity URL of the login answer")
def _():
    r = sf.session.get(state["token"]["id"], headers=sf.headers, timeout=10)
    expect(r.status_code == 200, f"{r.status_code} {r.text[:200]}")
    ident = r.json()
    for k in ("user_id", "organization_id", "username", "urls"):
        expect(k in ident, f"identity lacks {k}")
    expect(ident["username"] == ENV["SF_USERNAME"], ident["username"])


@check("create / get / update / upsert / delete")
def _():
    res = sf.Account.create({"Name": "Conformance Py", "Ext_Id__c": "CONF-PY-1"})
    expect(res["success"] is True and res["errors"] == [], res)
    acct = sf.Account.get(res["id"])
    expect(acct["Name"] == "Conformance Py" and acct["attributes"]["type"] == "Account", acct)
    expect(sf.Account.update(res["id"], {"Industry": "Energy"}) == 204, "update status")
    expect(sf.Account.get(res["id"])["Industry"] == "Energy", "updated")
    # API 46.0 and later answer an upsert that updates with 200 and a body (204 before).
    status = sf.Account.upsert("Ext_Id__c/CONF-PY-1", {"Phone": "555"})
    expect(status == 200, f"upsert existing: {status}")
    expect(sf.Account.upsert("Ext_Id__c/CONF-PY-2", {"Name": "Conformance Py 2"}) == 201,
           "upsert new")
    by_ext = sf.Account.get_by_custom_id("Ext_Id__c", "CONF-PY-2")
    expect(by_ext["Name"] == "Conformance Py 2", by_ext)
    expect(sf.Account.delete(by_ext["Id"]) == 204, "delete status")
    try:
        sf.Account.get(by_ext["Id"])
        raise AssertionError("a deleted record was found")
    except SalesforceResourceNotFound as e:
        expect(e.content[0]["errorCode"] in ("NOT_FOUND", "ENTITY_IS_DELETED"), e.content)
    state["acct"] = res["id"]


@check("sObject Collections: create, update, retrieve (GET and POST), delete")
def _():
    recs = [{"attributes": {"type": "Contact"}, "LastName": f"Coll{i}", "AccountId": state["acct"]}
            for i in range(5)]
    out = sf.restful("composite/sobjects", method="POST", json={"allOrNone": True, "records": recs})
    expect(len(out) == 5 and all(r["success"] for r in out), out)
    ids = [r["id"] for r in out]
    upd = [{"attributes": {"type": "Contact"}, "id": i, "Title": "T"} for i in ids]
    out = sf.restful("composite/sobjects", method="PATCH", json={"records": upd})
    expect(all(r["success"] for r in out), out)
    got = sf.restful("composite/sobjects/Contact", params={"ids": ",".join(ids),
                                                           "fields": "Id,Title"})
    expect([g["Title"] for g in got] == ["T"] * 5, got)
    got = sf.restful("composite/sobjects/Contact", method="POST",
                     json={"ids": ids, "fields": ["Id", "LastName"]})
    expect([g["LastName"] for g in got] == [f"Coll{i}" for i in range(5)], got)
    out = sf.restful("composite/sobjects", method="DELETE", params={"ids": ",".join(ids[3:])})
    expect(all(r["success"] for r in out), out)
    state["kids"] = 3


@check("composite with references")
def _():
    body = {"allOrNone": True, "compositeRequest": [
        {"method": "POST", "url": f"/services/data/v{VERSION}/sobjects/Account",
         "referenceId": "acct", "body": {"Name": "Composite Py"}},
        {"method": "GET", "url": f"/services/data/v{VERSION}/sobjects/Account/@{{acct.id}}",
         "referenceId": "read"}]}
    out = sf.restful("composite", method="POST", json=body)
    codes = [r["httpStatusCode"] for r in out["compositeResponse"]]
    expect(codes == [201, 200], out)
    expect(out["compositeResponse"][1]["body"]["Name"] == "Composite Py", out)


@check("query with paging (query, query_more, query_all) and batchSize")
def _():
    recs = [{"attributes": {"type": "Account"}, "Name": f"Page {i:03}"} for i in range(200)]
    for chunk in (recs[:200],):
        sf.restful("composite/sobjects", method="POST", json={"records": chunk})
    first = sf.query("SELECT Id, Name FROM Account", headers={"Sforce-Query-Options": "batchSize=200"})
    expect(first["done"] is False and "nextRecordsUrl" in first, {k: first[k] for k in first if k != "records"})
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    expect(len(second["records"]) > 0, "second page")
    everything = sf.query_all("SELECT Id FROM Account")
    expect(everything["totalSize"] == len(everything["records"]), "query_all")
    expect(everything["totalSize"] == first["totalSize"], "same total")


@check("parent-to-child subquery and parent fields")
def _():
    res = sf.query("SELECT Id, Name, (SELECT LastName, Account.Name FROM Contacts ORDER BY LastName)"
                   f" FROM Account WHERE Id = '{state['acct']}'")
    rec = res["records"][0]
    kids = rec["Contacts"]
    expect(kids["totalSize"] == state["kids"] and kids["done"] is True, kids)
    expect(kids["records"][0]["Account"]["Name"] == "Conformance Py", kids["records"][0])
    none = sf.query("SELECT Id, (SELECT Id FROM Contacts) FROM Account WHERE Name = 'Composite Py'")
    expect(none["records"][0]["Contacts"] is None, none)


@check("aggregates and date literals")
def _():
    res = sf.query("SELECT StageName, COUNT(Id) n, SUM(Amount) FROM Opportunity GROUP BY StageName")
    row = res["records"][0]
    expect(row["attributes"] == {"type": "AggregateResult"}, row)
    expect(set(row) == {"attributes", "StageName", "n", "expr0"}, row)
    res = sf.query("SELECT COUNT() FROM Account WHERE CreatedDate = TODAY")
    expect(res["totalSize"] >= 200, res["totalSize"])


@check("SOSL search with RETURNING ... LIMIT")
def _():
    res = sf.search("FIND {Page} RETURNING Account(Id, Name LIMIT 2)")
    expect(len(res["searchRecords"]) == 2, res)


@check("describe, describe global, limits")
def _():
    d = sf.Account.describe()
    for k in ("name", "fields", "childRelationships", "keyPrefix", "urls"):
        expect(k in d, f"describe lacks {k}")
    g = sf.describe()
    expect(any(o["name"] == "Contact" for o in g["sobjects"]), "describe global")
    lim = sf.limits()
    expect("Max" in lim["DailyApiRequests"] and "Remaining" in lim["DailyApiRequests"], lim)
    expect(len(lim) >= 40, f"{len(lim)} limits")


@check("Bulk API 2.0: insert, then query")
def _():
    rows = [{"LastName": f"Bulk{i}", "Email": f"bulk{i}@example.com"} for i in range(50)]
    out = sf.bulk2.Contact.insert(records=rows, wait=1)
    expect(sum(r["numberRecordsProcessed"] for r in out) == 50, out)
    expect(sum(r["numberRecordsFailed"] for r in out) == 0, out)
    pages = list(sf.bulk2.Contact.query("SELECT Id, LastName FROM Contact WHERE LastName LIKE 'Bulk%'",
                                        wait=1))
    lines = [l for p in pages for l in p.splitlines() if l]
    expect(lines[0] == '"Id","LastName"', lines[0])
    expect(len(lines) == 51, len(lines))


print(f"simple-salesforce: {len(failures)} failed" if failures else "simple-salesforce: all ok")
sys.exit(1 if failures else 0)
