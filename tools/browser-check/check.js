// Loads a tenantless report in headless Chromium, driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: file descriptors 3 and 4, NUL-separated JSON; no WebSocket, no npm
// package), and prints one JSON object with what it saw:
//   errors      console errors, uncaught exceptions and log errors (a CSP violation is one)
//   screenshot  where the PNG of the loaded page went
//   loadMs      the page's load event, in ms from navigation start (its script runs before it)
//   anomalies   per anomaly row: its id, status and the rules whose query it folds in
//   click       after a real mouse click on a record that has correlated records: how many
//               records the page outlines as correlated, which ones, and the detail panel's text
//
// Usage: node check.js REPORT.html SCREENSHOT.png [CHROMIUM]
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [report, screenshot, browser] = process.argv.slice(2);
if (!report || !screenshot) {
  console.error('usage: node check.js REPORT.html SCREENSHOT.png [CHROMIUM]');
  process.exit(2);
}
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantless-chromium-'));
const chromium = spawn(browser || 'chromium', [
  '--headless=new', '--remote-debugging-pipe', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--no-default-browser-check', '--disable-extensions', `--user-data-dir=${profile}`, 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
let stderr = '';
chromium.stderr.on('data', (d) => { stderr += d; });

const toBrowser = chromium.stdio[3];
const fromBrowser = chromium.stdio[4];
const pending = new Map();
const listeners = [];
let nextId = 1;
let buffer = Buffer.alloc(0);
fromBrowser.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  let end;
  while ((end = buffer.indexOf(0)) >= 0) {
    const message = JSON.parse(buffer.subarray(0, end).toString('utf8'));
    buffer = buffer.subarray(end + 1);
    const waiting = message.id !== undefined && pending.get(message.id);
    if (waiting) {
      pending.delete(message.id);
      if (message.error) waiting.reject(new Error(`${waiting.method}: ${JSON.stringify(message.error)}`));
      else waiting.resolve(message.result);
    } else {
      listeners.forEach((listen) => listen(message));
    }
  }
});

function send(method, params = {}, sessionId) {
  const id = nextId++;
  const message = { id, method, params };
  if (sessionId) message.sessionId = sessionId;
  toBrowser.write(JSON.stringify(message) + '\0');
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject, method }));
}

function event(name, sessionId) {
  return new Promise((resolve) => listeners.push((m) => {
    if (m.method === name && m.sessionId === sessionId) resolve(m.params);
  }));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function evaluate(expression, sessionId) {
  const result = await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, sessionId);
  if (result.exceptionDetails) throw new Error(`evaluating: ${JSON.stringify(result.exceptionDetails)}`);
  return result.result.value;
}

// Finds a drawn record with correlated records whose centre is not covered by another mark,
// scrolled into view, and returns where to click it.
const FIND_TARGET = `(() => {
  const t = window.tenantless;
  if (!t) return null;
  for (const dot of document.querySelectorAll('circle.rec')) {
    const i = Number(dot.getAttribute('data-i'));
    if (!t.correlatedWith(i).length) continue;
    dot.scrollIntoView({ block: 'center' });
    const box = dot.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    if (document.elementFromPoint(x, y) === dot) return { i, x, y, peers: t.correlatedWith(i) };
  }
  return null;
})()`;

const AFTER_CLICK = `(() => ({
  selected: [...document.querySelectorAll('circle.rec.selected')].map((c) => Number(c.getAttribute('data-i'))),
  outlined: [...document.querySelectorAll('circle.rec.correlated')].map((c) => Number(c.getAttribute('data-i'))),
  drawn: [...document.querySelectorAll('circle.rec')].map((c) => Number(c.getAttribute('data-i'))),
  listed: document.querySelectorAll('#correlated-list li').length,
  detailShown: !document.getElementById('detail').hidden,
  detailJson: (document.getElementById('detail-json') || {}).textContent || '',
}))()`;

async function main() {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const errors = [];
  listeners.push((m) => {
    if (m.sessionId !== sessionId) return;
    if (m.method === 'Runtime.consoleAPICalled' && (m.params.type === 'error' || m.params.type === 'assert')) {
      errors.push('console: ' + m.params.args.map((a) => a.value ?? a.description).join(' '));
    } else if (m.method === 'Runtime.exceptionThrown') {
      const d = m.params.exceptionDetails;
      errors.push('exception: ' + ((d.exception && d.exception.description) || d.text));
    } else if (m.method === 'Log.entryAdded' && m.params.entry.level === 'error') {
      errors.push(`log (${m.params.entry.source}): ${m.params.entry.text} ${m.params.entry.url || ''}`.trim());
    }
  });
  await send('Runtime.enable', {}, sessionId);
  await send('Log.enable', {}, sessionId);
  await send('Page.enable', {}, sessionId);
  await send('Emulation.setDeviceMetricsOverride', { width: 1400, height: 1000, deviceScaleFactor: 1, mobile: false }, sessionId);
  const loaded = event('Page.loadEventFired', sessionId);
  await send('Page.navigate', { url: 'file://' + path.resolve(report) }, sessionId);
  await loaded;
  await sleep(500);
  const loadMs = await evaluate("Math.round(performance.getEntriesByType('navigation')[0].loadEventEnd)", sessionId);
  const anomalies = await evaluate(`[...document.querySelectorAll('#anomaly-list .status')].map((s) => ({
    id: s.getAttribute('data-id'), status: s.getAttribute('data-status'),
    ruleQueries: s.closest('tr').querySelectorAll('details.verdict-rule pre.query').length,
  }))`, sessionId);
  const shot = await send('Page.captureScreenshot', { format: 'png' }, sessionId);
  fs.writeFileSync(screenshot, Buffer.from(shot.data, 'base64'));
  const target = await evaluate(FIND_TARGET, sessionId);
  let click = null;
  if (target) {
    for (const type of ['mouseMoved', 'mousePressed', 'mouseReleased']) {
      await send('Input.dispatchMouseEvent', { type, x: target.x, y: target.y, button: 'left', clickCount: 1 }, sessionId);
    }
    await sleep(300);
    click = { record: target.i, peers: target.peers, ...(await evaluate(AFTER_CLICK, sessionId)) };
  }
  return { errors, screenshot, loadMs, anomalies, click };
}

const deadline = setTimeout(() => finish({ error: 'timed out after 90 s', stderr }), 90_000);
function finish(result) {
  clearTimeout(deadline);
  process.stdout.write(JSON.stringify(result) + '\n');
  chromium.kill('SIGKILL');
  fs.rmSync(profile, { recursive: true, force: true });
  process.exit(result.error ? 1 : 0);
}
chromium.on('error', (e) => finish({ error: `cannot start ${browser || 'chromium'}: ${e.message}` }));
main().then(finish, (e) => finish({ error: e.message, stderr }));
