// push.mjs — the web chat's notifications in Debian's headless Chromium (playwright-core), at
// 360 x 740, driven by tests/integration/test_browser_push.py:
//
//   node push.mjs URL SHOT_DIR      (env: TIPGATE_TEXT, TIPGATE_PUSH_ENDPOINT, _P256DH, _AUTH)
//
// Headless Chromium reaches no real push service, so PushManager's subscribe/getSubscription
// are replaced (addInitScript) by ones that hand back a subscription for the test's fake push
// service, with keys the test made. The script loads the page (no question, no permission
// asked), files a report, waits for the page's own question, screenshots it, answers "Có",
// waits until the subscription was acknowledged, hides the page (emulated visibility) and
// prints `WAITING_REPLY <code>`; the test then has an officer answer, and the script waits for
// the unread count in the title, screenshots, shows the page again and prints what it saw as
// one JSON line.
import { runScenario } from './lib.mjs';

const [url, shots] = process.argv.slice(2);
const TIMEOUT = 20000;

// Runs in the page (and again after a reload) before its scripts: a fake subscription, and a
// count of permission asks.
function fakePush(sub) {
  // Headless Chromium answers a permission request by itself: the fake counts the asks and
  // says "granted" the way a resident tapping "Allow" does.
  window.__permissionAsks = 0;
  window.__subscribed = null;
  let perm = 'default';
  Object.defineProperty(Notification, 'permission', { configurable: true, get: () => perm });
  Notification.requestPermission = async () => { window.__permissionAsks++; perm = 'granted'; return perm; };
  const make = () => ({
    endpoint: sub.endpoint,
    toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }),
    unsubscribe: async () => { window.__subscribed = null; return true; },
  });
  PushManager.prototype.subscribe = async function (opts) {
    window.__subscribed = { key_len: opts.applicationServerKey.byteLength, visible: opts.userVisibleOnly };
    return make();
  };
  PushManager.prototype.getSubscription = async function () {
    return window.__subscribed ? make() : null;
  };
}

async function setHidden(page, hidden) {
  await page.evaluate((h) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

async function run(context, page) {
  const sub = { endpoint: process.env.TIPGATE_PUSH_ENDPOINT,
                keys: { p256dh: process.env.TIPGATE_PUSH_P256DH, auth: process.env.TIPGATE_PUSH_AUTH } };
  await page.addInitScript(fakePush, sub);
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(url);
  await page.waitForSelector('#status[data-state="online"]', { timeout: TIMEOUT });
  const out = { viewport: 360 };
  out.on_load = await page.evaluate(() => ({
    asks: window.__permissionAsks, prompt: !!document.querySelector('.push-ask'),
    manifest: (document.querySelector('link[rel=manifest]') || {}).href || null,
  }));
  const man = await page.evaluate(async (href) => {
    const r = await fetch(href);
    const icons = [];
    const m = await r.json();
    for (const i of m.icons) {
      const ir = await fetch(new URL(i.src, href));
      const b = new Uint8Array(await ir.arrayBuffer());
      icons.push({ src: i.src, sizes: i.sizes, status: ir.status, type: ir.headers.get('content-type'),
                   png: b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 });
    }
    return { status: r.status, type: r.headers.get('content-type'), name: m.name, display: m.display,
             start_url: m.start_url, icons };
  }, out.on_load.manifest);
  out.manifest = man;

  await page.fill('#input', '/baotin ' + process.env.TIPGATE_TEXT);
  await page.click('#send');
  await page.waitForFunction(() => [...document.querySelectorAll('#messages .msg.bot .bubble')]
    .some((b) => /\/trangthai\s+\S{4}-\S{4}/.test(b.textContent)), null, { timeout: TIMEOUT });
  const receipt = await page.$$eval('#messages .msg.bot .bubble', (bs) =>
    bs.map((b) => b.lastChild.textContent).filter((t) => /\/trangthai/.test(t)).pop());
  out.code = (receipt.match(/[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}/) || [null])[0];
  await page.waitForSelector('.push-ask', { timeout: TIMEOUT });
  out.prompt = await page.$eval('.push-ask', (row) => {
    const r = row.getBoundingClientRect();
    return { text: row.querySelector('.bubble').textContent,
             buttons: [...row.querySelectorAll('button')].map((b) => b.textContent),
             inside: r.left >= 0 && r.right <= 360 && r.bottom <= window.innerHeight + 1 };
  });
  out.asks_before_answer = await page.evaluate(() => window.__permissionAsks);
  await page.screenshot({ path: `${shots}/push-prompt-360.png` });
  await page.click('.push-ask button:has-text("Có")');
  await page.waitForFunction(() => window.__subscribed && document.querySelector('.push-note:not(.push-ask)'),
                             null, { timeout: TIMEOUT });
  out.after_yes = await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration();
    return { asks: window.__permissionAsks, subscribed: window.__subscribed,
             note: [...document.querySelectorAll('.push-note')].pop().textContent,
             worker: reg && reg.active ? new URL(reg.active.scriptURL).pathname : null,
             choice: localStorage.getItem('tipgate.push') };
  });

  const title = await page.title();
  await setHidden(page, true);
  process.stdout.write(`WAITING_REPLY ${out.code}\n`);
  await page.waitForFunction((t) => document.title !== t, title, { timeout: TIMEOUT });
  out.hidden_title = await page.title();
  await page.screenshot({ path: `${shots}/push-unread-360.png` });
  await setHidden(page, false);
  out.visible_title = await page.title();
  out.base_title = title;

  // a reload asks nothing again: the answer is remembered
  await page.reload();
  await page.waitForSelector('#status[data-state="online"]', { timeout: TIMEOUT });
  out.after_reload = await page.evaluate(() => ({ asks: window.__permissionAsks,
                                                  prompt: !!document.querySelector('.push-ask') }));
  return out;
}

await runScenario('push.mjs', (browser) => browser.newContext(), run);
