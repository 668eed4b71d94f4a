#!/usr/bin/env node
// Runs Twilio's unmodified JavaScript Conversations SDK against a fresh Parley and prints one PASS/FAIL line per flow
// (issue 13). No npm install: the SDK's folder is given, never copied here or committed.
//
//   swift build && node tools/sdk/driver.js /path/to/node_modules [--only name,name] [--verbose]
//
// It starts `.build/debug/parley serve` on a temporary database and a free port, creates an API key with
// `parley keys create`, mints Twilio-shaped access tokens (HS256, cty twilio-fpa;v=1) with node's crypto, makes
// conversations over the REST API and drives two or three SDK clients through the flows.
'use strict';
const path = require('path');
const fs = require('fs');
const os = require('os');
const net = require('net');
const crypto = require('crypto');
const { spawn, execFileSync } = require('child_process');

const sdkDir = process.argv[2];
if (!sdkDir || !fs.existsSync(path.join(sdkDir, '@twilio', 'conversations'))) {
  console.error('usage: node tools/sdk/driver.js <folder holding @twilio/conversations and its dependencies> [--only a,b] [--verbose]');
  process.exit(2);
}
const verbose = process.argv.includes('--verbose');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? new Set(process.argv[onlyArg + 1].split(',')) : null;
const { Client } = require(path.resolve(sdkDir, '@twilio', 'conversations'));

const repo = path.resolve(__dirname, '..', '..');
const parleyBinary = path.join(repo, '.build', 'debug', 'parley');
const ACCOUNT = 'AC' + crypto.randomBytes(16).toString('hex');
const AUTH_TOKEN = crypto.randomBytes(16).toString('hex');

// ---------------------------------------------------------------- server

const freePort = () => new Promise((resolve) => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
});

class Server {
  constructor(dir, port) { this.dir = dir; this.port = port; this.db = path.join(dir, 'parley.db'); this.base = `http://127.0.0.1:${port}`; }
  async start() {
    this.process = spawn(parleyBinary, ['serve', '--db', this.db, '--port', String(this.port), '--data-dir', this.dir], {
      env: { ...process.env, PARLEY_ACCOUNT_SID: ACCOUNT, PARLEY_AUTH_TOKEN: AUTH_TOKEN }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.log = '';
    this.process.stdout.on('data', (d) => { this.log += d; });
    this.process.stderr.on('data', (d) => { this.log += d; if (verbose) process.stderr.write(d); });
    for (let i = 0; i < 200; i++) {
      try { if ((await fetch(`${this.base}/healthz`)).ok) return; } catch {}
      await sleep(100);
    }
    throw new Error('parley did not start:\n' + this.log);
  }
  async stop() {
    if (!this.process) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    if (await Promise.race([exited.then(() => true), sleep(10000).then(() => false)]) === false) this.process.kill('SIGKILL');
    this.process = null;
  }
}

// ---------------------------------------------------------------- REST and tokens

let server, apiKey, serviceSid;

async function rest(method, path, form) {
  const headers = { Authorization: 'Basic ' + Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64') };
  let body;
  if (form) { headers['Content-Type'] = 'application/x-www-form-urlencoded'; body = new URLSearchParams(form).toString(); }
  const response = await fetch(server.base + path, { method, headers, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const b64url = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
function token(identity, { ttl = 3600, secret = apiKey.secret, keySid = apiKey.sid, pushCredentialSid } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' };
  const chat = { service_sid: serviceSid };
  if (pushCredentialSid) chat.push_credential_sid = pushCredentialSid;
  const claims = { jti: `${keySid}-${now}-${crypto.randomBytes(4).toString('hex')}`, iss: keySid, sub: ACCOUNT, nbf: now, exp: now + ttl,
    grants: { identity, chat } };
  const unsigned = `${b64url(header)}.${b64url(claims)}`;
  return `${unsigned}.${crypto.createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

// ---------------------------------------------------------------- SDK clients

const clients = [];
function sdk(tokenValue) {
  const client = new Client(tokenValue, { Twilsock: { uri: `ws://127.0.0.1:${server.port}/v3/wsconnect` }, logLevel: verbose ? 'debug' : 'silent' });
  clients.push(client);
  return client;
}
const initialized = (client, ms = 15000) => within(ms, new Promise((resolve, reject) => {
  client.once('initialized', resolve);
  client.once('initFailed', ({ error }) => reject(error || new Error('initFailed')));
}), 'initialized');

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
function within(ms, promise, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms); })])
    .finally(() => clearTimeout(timer));
}
/** The next `event` on `emitter` that satisfies `test`. */
function next(emitter, event, test = () => true, ms = 10000) {
  return within(ms, new Promise((resolve) => {
    const handler = (...args) => { if (test(...args)) { emitter.removeListener(event, handler); resolve(args[0]); } };
    emitter.on(event, handler);
  }), event);
}
function check(condition, message) { if (!condition) throw new Error(message); }

// ---------------------------------------------------------------- flows

const results = [];
async function flow(name, body) {
  if (only && !only.has(name)) return;
  const started = Date.now();
  try {
    const detail = await within(60000, body(), `flow ${name}`);
    results.push([name, true]);
    console.log(`PASS ${name}${detail ? ` (${detail})` : ''} [${Date.now() - started} ms]`);
  } catch (error) {
    results.push([name, false]);
    console.log(`FAIL ${name}: ${error && error.message ? error.message : error}`);
    if (verbose && error && error.stack) console.log(error.stack);
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-sdk-'));
  server = new Server(dir, await freePort());
  await server.start();
  const keyOutput = execFileSync(parleyBinary, ['keys', 'create', '--db', server.db]).toString();
  apiKey = { sid: keyOutput.match(/SK[0-9a-f]{32}/)[0], secret: keyOutput.match(/Secret:\s+([0-9a-f]{32})/)[1] };
  serviceSid = (await rest('GET', '/v1/Configuration')).default_chat_service_sid;

  // A conversation made over REST with alice and bob in it, before anyone connects.
  const general = await rest('POST', '/v1/Conversations', { FriendlyName: 'General', UniqueName: 'general' });
  await rest('POST', `/v1/Conversations/${general.sid}/Participants`, { Identity: 'alice' });
  await rest('POST', `/v1/Conversations/${general.sid}/Participants`, { Identity: 'bob' });

  let alice, bob, aliceGeneral, bobGeneral;

  await flow('initialize', async () => {
    alice = sdk(token('alice'));
    bob = sdk(token('bob'));
    await Promise.all([initialized(alice), initialized(bob)]);
    check(alice.user.identity === 'alice' && bob.user.identity === 'bob', 'wrong identities');
    return 'alice and bob';
  });
  if (!alice || !bob) return;

  await flow('rest-conversation-listed', async () => {
    const page = await bob.getSubscribedConversations();
    bobGeneral = page.items.find((c) => c.sid === general.sid);
    check(bobGeneral, `bob's list lacks ${general.sid}: ${page.items.map((c) => c.sid)}`);
    check(bobGeneral.friendlyName === 'General' && bobGeneral.uniqueName === 'general', `properties: ${bobGeneral.friendlyName}/${bobGeneral.uniqueName}`);
    aliceGeneral = await alice.getConversationBySid(general.sid);
    return `${general.sid} General`;
  });
  if (!aliceGeneral || !bobGeneral) return;

  await flow('send-receive', async () => {
    const received = next(bobGeneral, 'messageAdded', (m) => m.body === 'hello from alice');
    const index = await aliceGeneral.sendMessage('hello from alice', { kind: 'greeting' });
    const message = await received;
    check(message.author === 'alice', `author ${message.author}`);
    check(message.index === index, `index ${message.index} != ${index}`);
    check(message.attributes && message.attributes.kind === 'greeting', `attributes ${JSON.stringify(message.attributes)}`);
    return `index ${index}`;
  });

  await flow('rest-message-live', async () => {
    const toAlice = next(aliceGeneral, 'messageAdded', (m) => m.body === 'from the backend');
    const toBob = next(bobGeneral, 'messageAdded', (m) => m.body === 'from the backend');
    await rest('POST', `/v1/Conversations/${general.sid}/Messages`, { Author: 'system', Body: 'from the backend' });
    const [a, b] = await Promise.all([toAlice, toBob]);
    check(a.author === 'system' && b.author === 'system', 'author');
    return `index ${b.index}`;
  });

  await flow('typing', async () => {
    const started = next(bobGeneral, 'typingStarted', (p) => p.identity === 'alice');
    await aliceGeneral.typing();
    await started;
    return 'typingStarted';
  });

  await flow('read-horizon', async () => {
    await bobGeneral.setAllMessagesRead();
    const zero = await bobGeneral.getUnreadMessagesCount();
    check(zero === 0, `unread after setAllMessagesRead: ${zero}`);
    const arrived = next(bobGeneral, 'messageAdded', (m) => m.body === 'one more');
    await aliceGeneral.sendMessage('one more');
    await arrived;
    const one = await bobGeneral.getUnreadMessagesCount();
    check(one === 1, `unread after one more: ${one}`);
    const updated = next(aliceGeneral, 'participantUpdated', ({ participant }) => participant.identity === 'bob' && participant.lastReadMessageIndex !== null);
    await bobGeneral.setAllMessagesRead();
    await updated;
    // setAllMessagesUnread clears the horizon: the count is unknown (null) until a horizon is set again.
    const cleared = next(aliceGeneral, 'participantUpdated', ({ participant }) => participant.identity === 'bob' && participant.lastReadMessageIndex === null);
    await bobGeneral.setAllMessagesUnread();
    await cleared;
    const none = await bobGeneral.getUnreadMessagesCount();
    check(none === null, `unread after setAllMessagesUnread: ${none}`);
    await bobGeneral.setAllMessagesRead();
    return `0 then 1, alice saw bob's horizon; setAllMessagesUnread cleared it`;
  });

  await flow('history-paging', async () => {
    for (let i = 0; i < 25; i++) await rest('POST', `/v1/Conversations/${general.sid}/Messages`, { Author: 'system', Body: `history ${i}` });
    await sleep(300);
    const last = await bobGeneral.getMessages(10);
    check(last.items.length === 10, `first page ${last.items.length}`);
    check(last.items[9].body === 'history 24', `newest ${last.items[9].body}`);
    check(last.hasPrevPage, 'no previous page');
    const older = await last.prevPage();
    check(older.items.length === 10 && older.items[9].index === last.items[0].index - 1, `older page ${older.items.map((m) => m.index)}`);
    const indices = [...older.items, ...last.items].map((m) => m.index);
    check(indices.every((x, i) => i === 0 || x === indices[i - 1] + 1), `not contiguous: ${indices}`);
    return `${older.items[0].index}..${last.items[9].index}`;
  });

  await flow('participant-joined-left', async () => {
    const joined = next(aliceGeneral, 'participantJoined', (p) => p.identity === 'carol');
    const carol = await rest('POST', `/v1/Conversations/${general.sid}/Participants`, { Identity: 'carol' });
    await joined;
    const count = await aliceGeneral.getParticipantsCount();
    check(count === 3, `getParticipantsCount ${count}`);
    const left = next(aliceGeneral, 'participantLeft', (p) => p.identity === 'carol');
    await rest('DELETE', `/v1/Conversations/${general.sid}/Participants/${carol.sid}`);
    await left;
    return 'carol (3 participants while in)';
  });

  await flow('participant-attributes', async () => {
    const bobOnAlicesSide = await aliceGeneral.getParticipantByIdentity('bob');
    const updated = next(aliceGeneral, 'participantUpdated', ({ participant, updateReasons }) => participant.identity === 'bob' && updateReasons.includes('attributes'));
    const bobHimself = await bobGeneral.getParticipantByIdentity('bob');
    await bobHimself.updateAttributes({ status: 'away' });
    await updated;
    check(bobOnAlicesSide.attributes.status === 'away', `alice sees ${JSON.stringify(bobOnAlicesSide.attributes)}`);
    return 'participantUpdated';
  });

  await flow('edit-remove', async () => {
    const added = next(bobGeneral, 'messageAdded', (m) => m.body === 'typo');
    await aliceGeneral.sendMessage('typo');
    const bobsCopy = await added;
    const aliceCopy = (await aliceGeneral.getMessages(1)).items[0];
    check(aliceCopy.body === 'typo', `alice's copy ${aliceCopy.body}`);
    const updated = next(bobGeneral, 'messageUpdated', ({ message }) => message.sid === bobsCopy.sid && message.body === 'fixed');
    await aliceCopy.updateBody('fixed');
    await updated;
    const removed = next(bobGeneral, 'messageRemoved', (m) => m.sid === bobsCopy.sid);
    await aliceCopy.remove();
    await removed;
    return 'messageUpdated, messageRemoved';
  });

  await flow('update-name-attributes', async () => {
    // alice needs the rights: make her the conversation's admin over REST, as a backend would.
    const roles = await rest('GET', `/v1/Services/${serviceSid}/Roles`);
    const admin = roles.roles.find((r) => r.friendly_name === 'channel admin');
    await rest('POST', `/v1/Conversations/${general.sid}/Participants/alice`, { RoleSid: admin.sid });
    const renamed = next(bobGeneral, 'updated', ({ conversation, updateReasons }) => updateReasons.includes('friendlyName') && conversation.friendlyName === 'Renamed');
    await aliceGeneral.updateFriendlyName('Renamed');
    await renamed;
    const attributed = next(bobGeneral, 'updated', ({ updateReasons }) => updateReasons.includes('attributes'));
    await aliceGeneral.updateAttributes({ topic: 'sdk' });
    await attributed;
    check(bobGeneral.attributes.topic === 'sdk', `attributes ${JSON.stringify(bobGeneral.attributes)}`);
    return 'friendlyName, attributes';
  });

  let created;
  await flow('create-join-add', async () => {
    created = await alice.createConversation({ friendlyName: 'Made by the SDK', uniqueName: 'sdk-made' });
    await created.join();
    const bobJoined = next(bob, 'conversationJoined', (c) => c.sid === created.sid);
    await created.add('bob');
    const bobsCopy = await bobJoined;
    check(bobsCopy.friendlyName === 'Made by the SDK', `bob sees ${bobsCopy.friendlyName}`);
    const got = next(bobsCopy, 'messageAdded', (m) => m.body === 'welcome');
    await created.sendMessage('welcome');
    await got;
    return created.sid;
  });

  await flow('media-both-ways', async () => {
    const bytes = crypto.randomBytes(2048);
    for (const [from, to, name] of [[aliceGeneral, bobGeneral, 'a.png'], [bobGeneral, aliceGeneral, 'b.png']]) {
      const arrived = next(to, 'messageAdded', (m) => m.type === 'media' && m.attachedMedia && m.attachedMedia[0] && m.attachedMedia[0].filename === name);
      await from.sendMessage({ contentType: 'image/png', filename: name, media: bytes });
      const message = await arrived;
      const media = message.attachedMedia[0];
      check(media.contentType === 'image/png' && media.size === bytes.length, `media ${media.contentType} ${media.size}`);
      const url = await media.getContentTemporaryUrl();
      check(url && url.startsWith(server.base), `temporary URL ${url}`);
      const fetched = Buffer.from(await (await fetch(url)).arrayBuffer());
      check(fetched.equals(bytes), `content differs (${fetched.length} bytes)`);
      // The media-set call (POST …/MediaSet), several media at once.
      const urls = await message.getTemporaryContentUrlsForAttachedMedia();
      check(urls.get(media.sid) && urls.get(media.sid).startsWith(server.base), `media set URL ${urls.get(media.sid)}`);
    }
    return 'alice to bob and back, content by temporary URL and by media set';
  });

  await flow('non-member-refused', async () => {
    const dave = sdk(token('dave'));
    await initialized(dave);
    let refused = false;
    try { await dave.getConversationBySid(general.sid); } catch { refused = true; }
    check(refused, 'dave opened a conversation he is not in');
    const own = await dave.getSubscribedConversations();
    check(own.items.length === 0, `dave lists ${own.items.length} conversations`);
    await dave.shutdown();
    return 'not found';
  });

  await flow('bad-token-refused', async () => {
    const forged = sdk(token('mallory', { secret: crypto.randomBytes(16).toString('hex') }));
    const outcome = await within(15000, new Promise((resolve) => {
      forged.once('initialized', () => resolve('initialized'));
      forged.once('initFailed', () => resolve('initFailed'));
      forged.on('connectionStateChanged', (state) => { if (state === 'denied') resolve('denied'); });
    }), 'refusal');
    check(outcome !== 'initialized', 'a wrongly signed token initialized');
    await forged.shutdown();
    return outcome;
  });

  await flow('update-token', async () => {
    await alice.updateToken(token('alice', { ttl: 7200 }));
    const got = next(bobGeneral, 'messageAdded', (m) => m.body === 'after updateToken');
    await aliceGeneral.sendMessage('after updateToken');
    await got;
    return 'still sending';
  });

  await flow('push-registration', async () => {
    // An FCM credential (a service account with a fresh RSA key) named in the token's chat grant, as Twilio's docs
    // have it; the SDK registers the device through ERS (tunnelled), and unregisters it.
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const account = { type: 'service_account', project_id: 'parley-driver', client_email: 'driver@parley-driver.iam.gserviceaccount.com',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }), token_uri: 'https://oauth2.googleapis.com/token' };
    const credential = await rest('POST', '/v1/Credentials', { Type: 'fcm', FriendlyName: 'driver', Secret: JSON.stringify(account) });
    const erin = sdk(token('erin', { pushCredentialSid: credential.sid }));
    await initialized(erin);
    const bindings = async () => (await rest('GET', `/v1/Services/${serviceSid}/Bindings?Identity=erin`)).bindings;
    await erin.setPushRegistrationId('fcm', 'driver-device-token-1');
    let found = [];
    for (let i = 0; i < 50 && found.length === 0; i++) { found = await bindings(); if (!found.length) await sleep(100); }
    check(found.length === 1 && found[0].binding_type === 'fcm' && found[0].credential_sid === credential.sid, `bindings ${JSON.stringify(found)}`);
    await erin.unsetPushRegistrationId('fcm');
    for (let i = 0; i < 50 && found.length !== 0; i++) { found = await bindings(); if (found.length) await sleep(100); }
    check(found.length === 0, `still bound after unset: ${JSON.stringify(found)}`);
    await erin.shutdown();
    return 'setPushRegistrationId made a binding, unsetPushRegistrationId removed it';
  });

  // Once in a real browser (headless Chromium, if installed): the SDK's browser build on a page from another origin.
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
  if (chromium) await flow('browser', async () => {
    await rest('POST', `/v1/Conversations/${general.sid}/Participants`, { Identity: 'browser' });
    const http = require('http');
    const bundle = path.resolve(sdkDir, '@twilio', 'conversations', 'builds', 'twilio-conversations.js');
    const reports = [];
    let reported = () => {};
    const page = `<!doctype html><script src="/sdk.js"></script><script>
      (async () => {
        const q = new URLSearchParams(location.search);
        const report = (r) => fetch('/result', { method: 'POST', body: JSON.stringify(r) });
        try {
          const client = new Twilio.Conversations.Client(q.get('token'), { Twilsock: { uri: q.get('ws') }, logLevel: 'silent' });
          await new Promise((res, rej) => { client.on('initialized', res); client.on('initFailed', (e) => rej(e.error)); });
          const conversation = await client.getConversationBySid(q.get('conversation'));
          const got = new Promise((res) => conversation.on('messageAdded', (m) => { if (m.body === 'to the browser') res(m); }));
          await conversation.sendMessage('from the browser');
          await report({ step: 'sent' });
          const message = await got;
          // Media from the page's origin: upload, temporary URLs (single and media set) and the content, all
          // cross-origin requests the browser only lets through with CORS.
          const bytes = new Uint8Array(1024).map((_, i) => i % 251);
          const mine = new Promise((res) => conversation.on('messageAdded', (m) => { if (m.type === 'media' && m.author === 'browser') res(m); }));
          await conversation.sendMessage({ contentType: 'image/png', filename: 'browser.png', media: new Blob([bytes], { type: 'image/png' }) });
          const sent = await mine;
          const media = sent.attachedMedia[0];
          const url = await media.getContentTemporaryUrl();
          const urls = await sent.getTemporaryContentUrlsForAttachedMedia();
          const fetched = new Uint8Array(await (await fetch(url)).arrayBuffer());
          const same = fetched.length === bytes.length && fetched.every((b, i) => b === bytes[i]);
          await report({ ok: true, author: message.author, media: same ? 'same' : 'differs', mediaSet: Boolean(urls.get(media.sid)) });
        } catch (e) { await report({ ok: false, error: String((e && e.message) || e) }); }
      })();</script>`;
    const site = http.createServer((req, res) => {
      if (req.url === '/sdk.js') { res.writeHead(200, { 'Content-Type': 'text/javascript' }); fs.createReadStream(bundle).pipe(res); return; }
      if (req.url === '/result') {
        let body = '';
        req.on('data', (d) => { body += d; });
        req.on('end', () => { reports.push(JSON.parse(body)); reported(); res.end(); });
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html' }); res.end(page);
    });
    const sitePort = await freePort();
    await new Promise((r) => site.listen(sitePort, '127.0.0.1', r));
    const fromBrowser = next(aliceGeneral, 'messageAdded', (m) => m.body === 'from the browser', 30000);
    const query = new URLSearchParams({ token: token('browser'), ws: `ws://127.0.0.1:${server.port}/v3/wsconnect`, conversation: general.sid });
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-chromium-'));
    const browser = spawn(chromium, ['--headless=new', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`,
      `http://127.0.0.1:${sitePort}/?${query}`], { stdio: 'ignore' });
    const waitFor = (test) => within(30000, new Promise((resolve) => {
      const poll = () => { const found = reports.find(test); if (found) resolve(found); else reported = poll; };
      poll();
    }), 'the browser');
    try {
      const first = await waitFor((r) => r.step === 'sent' || r.ok === false);
      check(first.step === 'sent', `browser: ${first.error}`);
      const message = await fromBrowser;
      check(message.author === 'browser', `author ${message.author}`);
      await aliceGeneral.sendMessage('to the browser');
      const last = await waitFor((r) => r.ok !== undefined);
      check(last.ok && last.author === 'alice', `browser: ${last.error || last.author}`);
      check(last.media === 'same' && last.mediaSet, `browser media: ${last.media}, media set ${last.mediaSet}`);
    } finally {
      browser.kill('SIGKILL');
      site.close();
    }
    return 'sent and received text and media in headless Chromium (cross-origin page)';
  });

  await flow('server-restart', async () => {
    const missed = [], aliceMissed = [];
    bobGeneral.on('messageAdded', (m) => { if (m.body.startsWith('while down')) missed.push(m.body); });
    aliceGeneral.on('messageAdded', (m) => { if (m.body.startsWith('while down')) aliceMissed.push(m.body); });
    const bobDown = next(bob, 'connectionStateChanged', (s) => s !== 'connected', 20000);
    await server.stop();
    await bobDown;
    await server.start();
    // Sent while the SDK clients are still reconnecting.
    await rest('POST', `/v1/Conversations/${general.sid}/Messages`, { Author: 'system', Body: 'while down 1' });
    await rest('POST', `/v1/Conversations/${general.sid}/Messages`, { Author: 'system', Body: 'while down 2' });
    await next(bob, 'connectionStateChanged', (s) => s === 'connected', 30000).catch(() => {});
    for (let i = 0; i < 100 && (missed.length < 2 || aliceMissed.length < 2); i++) await sleep(200);
    await sleep(1000); // time for a duplicate to show up, if one were sent
    const expected = JSON.stringify(['while down 1', 'while down 2']);
    check(JSON.stringify(missed) === expected, `bob recovered ${JSON.stringify(missed)}`);
    check(JSON.stringify(aliceMissed) === expected, `alice recovered ${JSON.stringify(aliceMissed)}`);
    const sent = next(bobGeneral, 'messageAdded', (m) => m.body === 'after the restart');
    await aliceGeneral.sendMessage('after the restart');
    await sent;
    return 'both missed messages, in order, once';
  });
}

(async () => {
  try {
    await main();
  } catch (error) {
    console.log(`FAIL setup: ${error.stack || error}`);
    results.push(['setup', false]);
  }
  await Promise.all(clients.map((c) => c.shutdown().catch(() => {})));
  if (server) await server.stop();
  const failed = results.filter(([, ok]) => !ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
