// desk.mjs — drives the police web desk (/desk/) in Debian's headless Chromium (playwright-core)
// the way officers on duty use it, beside a resident on the web chat, and prints what the pages
// showed as one JSON object on stdout; tests/integration/test_browser_desk.py started tipgate,
// enrolled the officers on its fake Telegram, took their sign-in links from their chats and
// asserts on this against the shipped texts.
//
//   node desk.mjs BASE_URL WIDTH SHOT_PREFIX
//
// Environment: TIPGATE_LINK_A (officer A's link, area of the tip), TIPGATE_LINK_B (officer B's,
// another area), TIPGATE_TEXT (the resident's urgent tip), TIPGATE_REPLY, TIPGATE_OUTCOME,
// TIPGATE_SEARCH (the search typed without diacritics). Three browser contexts at WIDTH px:
// officer A (notifications granted; window.Notification and WebAudio oscillators counted by an
// init script), officer B (its live frames counted), the resident. Screenshots: SHOT_PREFIX-NN-step.png.
import { runPages } from './lib.mjs';

const [base, widthArg, prefix] = process.argv.slice(2);
const WIDTH = Number(widthArg);
const HEIGHT = WIDTH < 600 ? 740 : 800;
const TIMEOUT = 15000;
const env = process.env;

// Counts what the page asked of the notification and sound machinery, still letting it run.
function countAlerts() {
  window.__notes = [];
  window.__tones = 0;
  const N = window.Notification;
  if (N) {
    class Counted extends N {
      constructor(title, opts) {
        window.__notes.push({ title, body: (opts && opts.body) || '' });
        super(title, opts);
      }
    }
    window.Notification = Counted;
  }
  const AC = window.AudioContext;
  if (AC) {
    const make = AC.prototype.createOscillator;
    AC.prototype.createOscillator = function () { window.__tones++; return make.call(this); };
  }
}

const pages = {};   // the open pages, for a screenshot of each when a step fails
// Counts the live socket's frames, so a check can wait until the server's hello was read.
function countFrames() {
  window.__frames = 0;
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { window.__frames++; });
    }
  };
}

let step = 0;
const shots = [];
async function shot(page, name) {
  step++;
  const path = `${prefix}-${String(step).padStart(2, '0')}-${name}.png`;
  await page.screenshot({ path, fullPage: false });
  shots.push(path);
}

const visible = (page, sel) => page.waitForSelector(sel, { state: 'visible', timeout: TIMEOUT });
const gone = (page, sel) => page.waitForSelector(sel, { state: 'detached', timeout: TIMEOUT });
// The queue on screen, its first page loaded.
const queueLoaded = (page) => page.waitForFunction(() => {
  const note = document.getElementById('queue-note');
  return note && note.textContent !== 'Đang tải…';
}, null, { timeout: TIMEOUT });
const text = (page, sel) => page.$eval(sel, (e) => e.innerText.replace(/\s+/g, ' ').trim());

async function signIn(page, link) {
  await page.goto(link);
  await page.waitForURL(/\/desk\/$/, { timeout: TIMEOUT });
  await visible(page, '#who');
  await visible(page, '[data-testid="conn"][data-state="online"]');
  await queueLoaded(page);
  return { who: await text(page, '#who'), conn: await text(page, '[data-testid="conn"]'),
           address: page.url() };
}

// The resident's bot messages, as the page shows them.
const botTexts = (page) => page.$$eval('#messages .msg.bot .bubble',
  (bs) => bs.map((b) => b.lastChild.textContent));

async function waitBotText(page, needle) {
  await page.waitForFunction((t) => [...document.querySelectorAll('#messages .msg.bot .bubble')]
    .some((b) => b.lastChild.textContent.includes(t)), needle, { timeout: TIMEOUT });
}

async function scenario(browser) {
  const origin = new URL(base).origin;
  // An officer's browser in Vietnam: its language and clock (the date inputs follow them).
  const size = { viewport: { width: WIDTH, height: HEIGHT }, locale: 'vi-VN',
                 timezoneId: 'Asia/Ho_Chi_Minh' };
  const out = { width: WIDTH, page_errors: [] };
  const watch = (page, who) => page.on('pageerror', (e) => out.page_errors.push(who + ': ' + e));

  // Officer A: notifications allowed, alerts counted.
  const ctxA = await browser.newContext(size);
  await ctxA.grantPermissions(['notifications'], { origin });
  await ctxA.addInitScript(countAlerts);
  const a = pages.a = await ctxA.newPage();
  watch(a, 'officer A');
  out.a = await signIn(a, env.TIPGATE_LINK_A);
  // The first tap on the page lets it make sound (browsers require a gesture).
  await a.click('#ward');
  await a.waitForFunction(() => /đã bật/.test(document.getElementById('sound-hint').textContent),
                          null, { timeout: TIMEOUT });
  out.a.sound_hint = await text(a, '#sound-hint');
  await shot(a, 'signed-in');

  // Officer B, another area.
  const ctxB = await browser.newContext(size);
  await ctxB.addInitScript(countFrames);
  const b = pages.b = await ctxB.newPage();
  watch(b, 'officer B');
  out.b = await signIn(b, env.TIPGATE_LINK_B);

  // The resident, on the web chat, sends an urgent tip.
  const ctxR = await browser.newContext(size);
  const r = pages.resident = await ctxR.newPage();
  watch(r, 'resident');
  await r.goto(base + '/');
  await visible(r, '#status[data-state="online"]');
  await a.evaluate(() => { window.__sameDocument = true; });
  await r.fill('#input', env.TIPGATE_TEXT);
  await r.click('#send');
  await r.waitForFunction(() => document.querySelectorAll('#messages .msg.bot').length >= 2,
                          null, { timeout: TIMEOUT });
  out.resident_filed = await botTexts(r);
  await shot(r, 'resident-filed');

  // A's red banner, live: the same document, no reload.
  await visible(a, '[data-testid="urgent-banner"]');
  await a.waitForFunction(() => window.__notes.length > 0 && window.__tones > 0, null,
                          { timeout: TIMEOUT });
  out.banner = await a.$$eval('[data-testid="urgent-banner"]', (xs) => xs.map((x) => ({
    code: x.dataset.code, text: x.innerText.replace(/\s+/g, ' ').trim(),
    color: getComputedStyle(x).backgroundColor })));
  out.alerts = await a.evaluate(() => ({ same_document: window.__sameDocument === true,
    notifications: window.__notes, tones: window.__tones }));
  await shot(a, 'banner');
  const code = out.banner[0].code;

  // B's desk stays quiet, live and after a fresh load (whose hello lists its urgent tips).
  out.b.banners_live = await b.$$eval('[data-testid="urgent-banner"]', (xs) => xs.length);
  await b.reload();
  await visible(b, '[data-testid="conn"][data-state="online"]');
  await b.waitForFunction(() => window.__frames > 0, null, { timeout: TIMEOUT });   // the hello
  await queueLoaded(b);
  out.b.banners_after_load = await b.$$eval('[data-testid="urgent-banner"]', (xs) => xs.length);
  out.b.rows = await b.$$eval('[data-testid="tip-row"]', (xs) => xs.map((x) => x.dataset.code));
  out.b.queue_note = await text(b, '#queue-note');
  await shot(b, 'other-officer');

  // "Mở tin" → the tip page.
  await a.click(`[data-testid="urgent-banner"][data-code="${code}"] [data-testid="banner-open"]`);
  await visible(a, `#tip-head[data-code="${code}"]`);
  // The choices of the action forms, once filled from /categories and /colleagues.
  await a.waitForFunction(() => !['act-classify-category', 'act-assign-person'].some((id) =>
    [...document.getElementById(id).options].some((o) => o.text === 'Đang tải…')), null,
  { timeout: TIMEOUT });
  const options = (id) => a.$eval('#' + id, (s) => [...s.options].map((o) => o.text));
  out.tip = { address: a.url(), heading: await text(a, '#tip-head h1'),
              description: await text(a, '#tip-head .tip-desc'),
              head: await text(a, '#tip-head'),
              status_options: await options('act-status-value'),
              classify_options: await options('act-classify-category'),
              assign_options: await options('act-assign-person') };
  await shot(a, 'tip');

  // Acknowledge → the banner goes.
  await a.click('[data-testid="act-ack"] button[type="submit"]');
  await gone(a, '[data-testid="urgent-banner"]');
  await gone(a, '[data-testid="act-ack"]');
  out.acked = { banners: await a.$$eval('[data-testid="urgent-banner"]', (xs) => xs.length),
                facts: await text(a, '#tip-head .facts-list'), head: await text(a, '#tip-head') };
  await shot(a, 'acked');

  // Reply → it reaches the resident's chat.
  await a.fill('#act-reply-text', env.TIPGATE_REPLY);
  await a.click('[data-testid="act-reply"] button[type="submit"]');
  await a.waitForFunction((t) => [...document.querySelectorAll('#tip-story .story-item')]
    .some((s) => s.innerText.includes(t)), env.TIPGATE_REPLY, { timeout: TIMEOUT });
  await shot(a, 'replied');
  await waitBotText(r, env.TIPGATE_REPLY);
  out.resident_reply = (await botTexts(r)).filter((t) => t.includes(env.TIPGATE_REPLY));
  await shot(r, 'resident-reply');

  // Close with the outcome → the tip shows closed; the resident is told.
  await a.click('details[data-action="close"] > summary');
  await a.fill('#act-close-outcome', env.TIPGATE_OUTCOME);
  await a.click('[data-testid="act-close"] button[type="submit"]');
  await visible(a, '[data-testid="act-reopen"]');
  out.closed = { status: await text(a, '[data-testid="tip-status"]'),
                 facts: await text(a, '#tip-head .facts-list'), head: await text(a, '#tip-head') };
  await a.$eval('#tip-head', (h) => h.scrollIntoView());
  await shot(a, 'closed');
  await waitBotText(r, env.TIPGATE_OUTCOME);
  out.resident_closed = (await botTexts(r)).filter((t) => t.includes(env.TIPGATE_OUTCOME));
  await shot(r, 'resident-closed');

  // The queue: urgent only, searched without diacritics.
  await a.click('#nav a[data-route="queue"]');
  await queueLoaded(a);
  if (!(await a.$eval('#filters', (d) => d.open))) await a.click('#filters > summary');
  await a.check('#f-urgent');
  await a.waitForFunction(() => /urgent=1/.test(location.hash), null, { timeout: TIMEOUT });
  await a.fill('#q', env.TIPGATE_SEARCH);
  await a.press('#q', 'Enter');
  await a.waitForFunction(() => /[?&]q=/.test(location.hash), null, { timeout: TIMEOUT });
  await visible(a, `[data-testid="tip-row"][data-code="${code}"]`);
  await queueLoaded(a);
  out.search = { address: a.url(),
    rows: await a.$$eval('[data-testid="tip-row"]', (xs) => xs.map((x) => ({
      code: x.dataset.code, text: x.innerText.replace(/\s+/g, ' ').trim() }))) };
  await a.click('#filters > summary');   // folded away, as an officer would, to read the result
  await a.$eval(`[data-testid="tip-row"][data-code="${code}"]`, (r) => r.scrollIntoView({ block: 'center' }));
  await shot(a, 'queue-search');
  // Nothing is found for words the tip does not hold.
  await a.fill('#q', env.TIPGATE_SEARCH + ' xyzzy');
  await a.press('#q', 'Enter');
  await a.waitForFunction(() => !document.querySelector('[data-testid="tip-row"]') &&
    document.getElementById('queue-note').textContent !== 'Đang tải…', null, { timeout: TIMEOUT });
  out.search.none_note = await text(a, '#queue-note');

  out.code = code;
  out.shots = shots;
  return out;
}

await runPages('desk.mjs', prefix, pages, scenario);
