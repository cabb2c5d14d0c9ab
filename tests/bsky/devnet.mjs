// devnet.mjs - a local Bluesky network of the reference servers (PLC,
// PDS, AppView from npm @atproto/dev-env) for chathost's tests.
//
//   node devnet.mjs ACCOUNTS   (Node 22; DB_POSTGRES_URL in the environment)
//
// ACCOUNTS: comma-separated handles to create (each ".test"). When the
// network is up it prints one JSON line on stdout:
//   {"pds": URL, "appview": URL, "plc": URL, "control": URL,
//    "accounts": [{"handle","did","password","app_password"}]}
// then runs until SIGTERM or SIGINT (it closes the network and exits 0).
// The control server (loopback) takes:
//   POST /pds/down?ms=N   the PDS refuses connections for N ms (a restart)
//   POST /sync            waits until the AppView has indexed every post
//   POST /slow-create?ms=N[&did=DID]  createRecord answers N ms late (the
//                         record is made at once): a crash can land in
//                         between; with did, only that account's calls
//                         (a shared network's other tests are not slowed)
//   POST /expire-tokens   every access token issued so far answers as an
//                         expired one does (HTTP 400 ExpiredToken) from
//                         now on; refresh tokens still work
//   POST /accounts?handles=A,B  creates these accounts (as ACCOUNTS does)
//                         and answers with them as a JSON array: a test
//                         joining a network another process started
import http from 'node:http';
import { TestNetwork } from '@atproto/dev-env';

const handles = (process.argv[2] || '').split(',').filter(Boolean);

async function xrpc(base, method, body, token) {
  const res = await fetch(`${base}/xrpc/${method}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function makeAccount(pds, handle) {
  const password = `pw-${handle}`;
  const acct = await xrpc(pds, 'com.atproto.server.createAccount', {
    handle,
    email: `${handle}@chathost.invalid`,
    password,
  });
  const app = await xrpc(pds, 'com.atproto.server.createAppPassword',
    { name: 'chathost' }, acct.accessJwt);
  await xrpc(pds, 'com.atproto.repo.putRecord', {
    repo: acct.did,
    collection: 'app.bsky.actor.profile',
    rkey: 'self',
    record: { $type: 'app.bsky.actor.profile', displayName: handle.split('.')[0] },
  }, acct.accessJwt);
  return { handle, did: acct.did, password, app_password: app.password };
}

// The PDS's HTTP server stops listening (and drops its connections) for
// ms, then listens again on the same port: to chathost, a restart.
function pdsDown(network, ms) {
  const srv = network.pds.server.server;
  const port = network.pds.port;
  return new Promise((resolve) => {
    srv.close();
    if (srv.closeAllConnections) srv.closeAllConnections();
    setTimeout(() => { srv.listen(port); resolve(); }, ms);
  });
}

// The access tokens seen so far, and those made to expire.
const seen = new Set();
const expired = new Set();
let slowCreateMs = 0;
let slowCreateDid = null; // null: every account's

function jwtPayload(header) {
  const m = /^Bearer ([^.]+)\.([^.]+)\./.exec(header || '');
  if (!m) return null;
  try {
    return JSON.parse(Buffer.from(m[2], 'base64url').toString('utf8'));
  } catch (e) {
    return null;
  }
}

// In front of the PDS's own request handler: expired access tokens get
// the answer a real expiry gets.
function expiryGate(network) {
  const srv = network.pds.server.server;
  const handlers = srv.listeners('request');
  srv.removeAllListeners('request');
  srv.on('request', (req, res) => {
    const p = jwtPayload(req.headers.authorization);
    const tok = p && p.scope !== 'com.atproto.refresh' ? req.headers.authorization : null;
    if (tok) seen.add(tok);
    if (tok && expired.has(tok)) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'ExpiredToken', message: 'Token has expired' }));
      return;
    }
    if (slowCreateMs > 0 && req.url.startsWith('/xrpc/com.atproto.repo.createRecord') &&
        (!slowCreateDid || (p && p.sub === slowCreateDid))) {
      const end = res.end.bind(res);
      const ms = slowCreateMs;
      res.end = (...a) => { setTimeout(() => end(...a), ms); return res; };
    }
    for (const h of handlers) h.call(srv, req, res);
  });
}

function control(network) {
  const srv = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    try {
      if (req.method === 'POST' && url.pathname === '/pds/down') {
        const ms = Number(url.searchParams.get('ms') || '2000');
        pdsDown(network, ms);
        res.end('{}');
      } else if (req.method === 'POST' && url.pathname === '/slow-create') {
        slowCreateMs = Number(url.searchParams.get('ms') || '0');
        slowCreateDid = url.searchParams.get('did');
        res.end('{}');
      } else if (req.method === 'POST' && url.pathname === '/expire-tokens') {
        for (const t of seen) expired.add(t);
        res.end(JSON.stringify({ expired: expired.size }));
      } else if (req.method === 'POST' && url.pathname === '/accounts') {
        const made = [];
        for (const h of (url.searchParams.get('handles') || '').split(',').filter(Boolean))
          made.push(await makeAccount(network.pds.url, h));
        await network.processAll();
        res.end(JSON.stringify(made));
      } else if (req.method === 'POST' && url.pathname === '/sync') {
        await network.processAll();
        res.end('{}');
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    } catch (e) {
      res.statusCode = 500;
      res.end(JSON.stringify({ error: String(e) }));
    }
  });
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

async function main() {
  process.env.REDIS_HOST = process.env.REDIS_HOST || '127.0.0.1:1';
  const network = await TestNetwork.create({
    dbPostgresSchema: 'chathost',
    pds: { hostname: 'localhost' },
  });
  const accounts = [];
  for (const h of handles) accounts.push(await makeAccount(network.pds.url, h));
  await network.processAll();
  expiryGate(network);
  const ctl = await control(network);
  process.stdout.write(JSON.stringify({
    pds: network.pds.url,
    appview: network.bsky.url,
    plc: network.plc.url,
    control: `http://127.0.0.1:${ctl.address().port}`,
    accounts,
  }) + '\n');
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    ctl.close();
    try { await network.close(); } catch (e) { /* exiting anyway */ }
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  process.stderr.write(`devnet: ${e.stack || e}\n`);
  process.exit(1);
});
