// jsforce against sfrest-fake-org: each check prints ok or FAIL with what differed.
// Run by run.sh, which starts the binary and sets SF_* and NODE_EXTRA_CA_CERTS.
const jsforce = require('jsforce');

const env = process.env;
const VERSION = '66.0';
const failures = [];
const state = {};

async function check(name, fn) {
  try {
    await fn();
    console.log(`ok    ${name}`);
  } catch (e) {
    failures.push(name);
    console.log(`FAIL  ${name}: ${String(e && (e.stack || e)).slice(0, 600)}`);
  }
}

function expect(cond, what) {
  if (!cond) throw new Error(typeof what === 'string' ? what : JSON.stringify(what));
}

async function main() {
  let conn;
  await check('OAuth username-password flow (conn.login with oauth2)', async () => {
    conn = new jsforce.Connection({
      oauth2: { loginUrl: env.SF_LOGIN_URL, clientId: env.SF_CLIENT_ID, clientSecret: env.SF_CLIENT_SECRET },
      version: VERSION,
    });
    const info = await conn.login(env.SF_USERNAME, env.SF_PASSWORD + env.SF_SECURITY_TOKEN);
    expect(info.id && info.organizationId, info);
    expect(conn.instanceUrl.startsWith('https://127.0.0.1'), conn.instanceUrl);
  });
  if (!conn || !conn.accessToken) {
    console.log('cannot go on without a session');
    process.exit(1);
  }

  await check('OAuth client credentials flow on My Domain', async () => {
    const oauth2 = new jsforce.OAuth2({ loginUrl: env.SF_MY_DOMAIN_URL, clientId: env.SF_CLIENT_ID, clientSecret: env.SF_CLIENT_SECRET });
    const c = new jsforce.Connection({ oauth2, version: VERSION });
    await c.authorize({ grant_type: 'client_credentials' });
    const r = await c.query('SELECT COUNT() FROM Account');
    expect(r.totalSize >= 20, r);
  });

  await check('identity', async () => {
    const id = await conn.identity();
    expect(id.username === env.SF_USERNAME && id.organization_id && id.user_id, id);
  });

  await check('create / retrieve / update / upsert / destroy', async () => {
    const acct = conn.sobject('Account');
    const res = await acct.create({ Name: 'Conformance JS', Ext_Id__c: 'CONF-JS-1' });
    expect(res.success && res.id, res);
    state.acct = res.id;
    const got = await acct.retrieve(res.id);
    expect(got.Name === 'Conformance JS', got);
    const upd = await acct.update({ Id: res.id, Industry: 'Energy' });
    expect(upd.success, upd);
    const up1 = await acct.upsert({ Ext_Id__c: 'CONF-JS-1', Phone: '555' }, 'Ext_Id__c');
    expect(up1.success, up1);
    const up2 = await acct.upsert({ Ext_Id__c: 'CONF-JS-2', Name: 'Conformance JS 2' }, 'Ext_Id__c');
    expect(up2.success && up2.id, up2);
    const del = await acct.destroy(up2.id);
    expect(del.success, del);
  });

  await check('sObject Collections: create, update, retrieve many, destroy many', async () => {
    const contact = conn.sobject('Contact');
    const recs = [0, 1, 2, 3, 4].map((i) => ({ LastName: `Coll${i}`, AccountId: state.acct }));
    const out = await contact.create(recs, { allOrNone: true });
    expect(out.length === 5 && out.every((r) => r.success), out);
    const ids = out.map((r) => r.id);
    const upd = await contact.update(ids.map((Id) => ({ Id, Title: 'T' })));
    expect(upd.every((r) => r.success), upd);
    const got = await contact.retrieve(ids, { fields: ['Id', 'LastName', 'Title'] });
    expect(got.map((g) => g.LastName).join() === 'Coll0,Coll1,Coll2,Coll3,Coll4', got);
    const del = await contact.destroy(ids.slice(3));
    expect(del.every((r) => r.success), del);
  });

  await check('composite with references', async () => {
    const body = {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: `/services/data/v${VERSION}/sobjects/Account`, referenceId: 'acct', body: { Name: 'Composite JS' } },
        { method: 'GET', url: `/services/data/v${VERSION}/sobjects/Account/@{acct.id}`, referenceId: 'read' },
      ],
    };
    const out = await conn.requestPost(`/services/data/v${VERSION}/composite`, body);
    expect(out.compositeResponse.map((r) => r.httpStatusCode).join() === '201,200', out);
  });

  await check('query with paging (autoFetch, queryMore)', async () => {
    const recs = Array.from({ length: 200 }, (_, i) => ({ Name: `Page ${i}` }));
    await conn.sobject('Account').create(recs);
    const first = await conn.query('SELECT Id, Name FROM Account', { headers: { 'Sforce-Query-Options': 'batchSize=200' } });
    expect(first.totalSize > 200, first.totalSize);
    const all = await conn.query('SELECT Id FROM Account').run({ autoFetch: true, maxFetch: 100000 });
    expect(all.records.length === all.totalSize, `${all.records.length} of ${all.totalSize}`);
    if (!first.done) {
      const more = await conn.queryMore(first.nextRecordsUrl);
      expect(more.records.length > 0, more);
    }
  });

  await check('parent-to-child subquery and parent fields', async () => {
    const r = await conn.query(`SELECT Id, Name, (SELECT LastName, Account.Name FROM Contacts ORDER BY LastName) FROM Account WHERE Id = '${state.acct}'`);
    const kids = r.records[0].Contacts;
    expect(kids && kids.totalSize === 3 && kids.records[0].Account.Name === 'Conformance JS', kids);
    const none = await conn.query("SELECT Id, (SELECT Id FROM Contacts) FROM Account WHERE Name = 'Composite JS'");
    expect(none.records[0].Contacts === null, none.records[0]);
  });

  await check('aggregates and date literals', async () => {
    const r = await conn.query('SELECT StageName, COUNT(Id) n, SUM(Amount) FROM Opportunity GROUP BY StageName');
    const row = r.records[0];
    expect(row.attributes.type === 'AggregateResult' && 'n' in row && 'expr0' in row, row);
    const t = await conn.query('SELECT COUNT() FROM Account WHERE CreatedDate = TODAY');
    expect(t.totalSize >= 200, t.totalSize);
  });

  await check('SOSL search with RETURNING ... LIMIT', async () => {
    const r = await conn.search('FIND {Page} RETURNING Account(Id, Name LIMIT 2)');
    expect(r.searchRecords.length === 2, r);
  });

  await check('describe, describe global, limits', async () => {
    const d = await conn.sobject('Account').describe();
    expect(d.name === 'Account' && d.fields.length > 5 && Array.isArray(d.childRelationships), Object.keys(d));
    const g = await conn.describeGlobal();
    expect(g.sobjects.some((o) => o.name === 'Contact'), 'describe global');
    const lim = await conn.limits();
    expect(lim.DailyApiRequests && 'Remaining' in lim.DailyApiRequests && Object.keys(lim).length >= 40, lim);
  });

  await check('Bulk API 2.0: load, then query', async () => {
    conn.bulk2.pollInterval = 500;
    conn.bulk2.pollTimeout = 60000;
    const rows = Array.from({ length: 50 }, (_, i) => ({ LastName: `BulkJs${i}`, Email: `bulkjs${i}@example.com` }));
    const res = await conn.bulk2.loadAndWaitForResults({ object: 'Contact', operation: 'insert', input: rows });
    expect(res.successfulResults.length === 50 && res.failedResults.length === 0, res);
    const recs = await conn.bulk2.query("SELECT Id, LastName FROM Contact WHERE LastName LIKE 'BulkJs%'");
    const list = [];
    for await (const rec of recs) list.push(rec);
    expect(list.length === 50 && list[0].LastName.startsWith('BulkJs'), list.slice(0, 2));
  });

  console.log(failures.length ? `jsforce: ${failures.length} failed` : 'jsforce: all ok');
  process.exit(failures.length ? 1 : 0);
}

main();
