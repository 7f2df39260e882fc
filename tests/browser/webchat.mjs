// webchat.mjs — drives the web chat page in Debian's headless Chromium (playwright-core) the
// way a resident on a phone does, and prints what the page showed as one JSON object on
// stdout; the Python test that started tipgate (tests/integration/test_browser_webchat.py)
// asserts on it against the shipped texts.
//
//   node webchat.mjs URL SCENARIO SCREENSHOT.png
//
// Scenario "emergency": at 360 x 740, types an emergency, waits for the bot's first two
// messages, reads their text, their tel: links and buttons (with their boxes, to tell whether
// they fit the screen), then presses the last button and reads the answer.
// Scenario "first": at 360 x 740, the empty first screen: its lines and buttons with their
// boxes, and whether anything needs scrolling.
// Scenario "reload": at 360 x 740, starts a report from the first screen, describes it, reads
// the question with its buttons, reloads, reads it again, presses its first button and reads
// the next question. Screenshots: SCREENSHOT with -before/-after before the extension.
// Scenario "tabs": two tabs of one identity (one browser context, so one localStorage), each
// at 360 x 740: types in the first, reads both; a reply shows in both.
// Scenario "category": at 360 x 740, a report whose text says nothing of its kind, up to the
// category step: whether the question stays in view above its buttons.
// Scenario "busy": the page opened while the server holds all the browsers it may: what its
// status line says once the server turned it away.
import { runScenario } from './lib.mjs';

const [url, scenario, shot] = process.argv.slice(2);
const TIMEOUT = 15000;

// Debian's Chromium, as root, on a machine without internet: no sandbox, nothing that calls
// home (refused connections otherwise pile up); playwright gives it a fresh profile each run.
// The bot messages on the page, each with its text, tel: links and reply buttons.
async function botMessages(page) {
  return page.$$eval('#messages .msg.bot', (rows) => rows.map((row) => {
    const box = (e) => { const r = e.getBoundingClientRect(); return { x: r.x, w: r.width, h: r.height }; };
    const bubble = row.querySelector('.bubble');
    const text = bubble ? bubble.lastChild.textContent : '';
    return {
      text,
      tel: [...row.querySelectorAll('.kb a.kb-tel')].map((a) => ({ label: a.textContent, href: a.getAttribute('href'), box: box(a) })),
      buttons: [...row.querySelectorAll('.kb button.kb-btn')].map((b) => ({ label: b.textContent, box: box(b) })),
    };
  }));
}

async function waitBot(page, n) {
  await page.waitForFunction((k) => document.querySelectorAll('#messages .msg.bot').length >= k,
                             n, { timeout: TIMEOUT });
  return botMessages(page);
}

async function emergency(page) {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(url);
  await page.waitForSelector('#status[data-state="online"]', { timeout: TIMEOUT });
  const before = (await botMessages(page)).length;
  await page.fill('#input', process.env.TIPGATE_TEXT);
  await page.click('#send');
  const msgs = (await waitBot(page, before + 2)).slice(before);
  await page.screenshot({ path: shot, fullPage: false });
  const last = msgs[1].buttons[msgs[1].buttons.length - 1];
  await page.click(`#messages .msg.bot >> nth=${before + 1} >> button.kb-btn:has-text("${last.label}")`);
  const after = (await waitBot(page, before + 3)).slice(before + 2);
  return { viewport: 360, first: msgs[0], second: msgs[1], after_last_button: after[0] };
}

// Where a screenshot of one step goes: shot.png → shot-<step>.png.
const shotOf = (step) => shot.replace(/\.png$/, '') + '-' + step + '.png';

const box = (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; };

async function online(page) {
  await page.waitForSelector('#status[data-state="online"]', { timeout: TIMEOUT });
}

async function first(page) {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(url);
  await online(page);
  await page.waitForSelector('#messages .intro', { timeout: TIMEOUT });
  await page.screenshot({ path: shot, fullPage: false });
  return page.evaluate(() => {
    const b = (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; };
    const intro = document.querySelector('#messages .intro');
    const list = document.getElementById('messages');
    return {
      viewport: { w: innerWidth, h: innerHeight },
      lines: [...intro.querySelectorAll('.bubble p')].map((p) => ({ text: p.textContent.replace(/\s+/g, ' ').trim(), box: b(p) })),
      tel: [...intro.querySelectorAll('a[href^="tel:"]')].map((a) => a.getAttribute('href')),
      buttons: [...intro.querySelectorAll('button')].map((x) => ({ label: x.textContent, cmd: x.dataset.cmd, box: b(x) })),
      page_scrolls: document.documentElement.scrollHeight > innerHeight,
      list_scrolls: list.scrollHeight > list.clientHeight,
    };
  });
}

// The last bot message: its text and its buttons, with whether each can still be pressed.
async function lastBot(page) {
  return page.$$eval('#messages .msg.bot', (rows) => {
    const row = rows[rows.length - 1];
    const bubble = row.querySelector('.bubble');
    return {
      text: bubble ? bubble.lastChild.textContent : '',
      buttons: [...row.querySelectorAll('.kb button.kb-btn')].map((b) => ({ label: b.textContent, enabled: !b.disabled })),
    };
  });
}

async function botCount(page) {
  return page.$$eval('#messages .msg.bot', (rows) => rows.length);
}

async function reload(page) {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(url);
  await online(page);
  await page.click('#messages .intro button[data-cmd="/baotin"]');
  await waitBot(page, 1);
  await page.fill('#input', process.env.TIPGATE_TEXT);
  await page.click('#send');
  await waitBot(page, 2);
  const before = await lastBot(page);
  await page.screenshot({ path: shotOf('before'), fullPage: false });
  await page.reload();
  await online(page);
  await waitBot(page, 2);
  const after = await lastBot(page);
  await page.screenshot({ path: shotOf('after'), fullPage: false });
  const n = await botCount(page);
  await page.click('#messages .msg.bot >> nth=' + (n - 1) + ' >> button.kb-btn >> nth=0');
  await waitBot(page, n + 1);
  const next = await lastBot(page);
  await page.screenshot({ path: shot, fullPage: false });
  const older = await page.$$eval('#messages .msg.bot button.kb-btn:not(:disabled)', (b) => b.length);
  return { before, after, next, enabled_buttons_left: older - next.buttons.filter((b) => b.enabled).length };
}

// The resident's own bubbles on a page, in order.
async function mine(page) {
  return page.$$eval('#messages .msg.me .bubble', (bs) => bs.map((b) => b.lastChild.textContent));
}

async function tabs(page) {
  const context = page.context();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(url);
  await online(page);
  const other = await context.newPage();
  await other.setViewportSize({ width: 360, height: 740 });
  await other.goto(url);
  await online(other);
  await page.fill('#input', process.env.TIPGATE_TEXT);
  await page.click('#send');
  await other.waitForFunction((t) => [...document.querySelectorAll('#messages .msg.me .bubble')]
    .some((b) => b.lastChild.textContent === t), process.env.TIPGATE_TEXT, { timeout: TIMEOUT });
  await waitBot(page, 1);
  await waitBot(other, 1);
  await page.screenshot({ path: shotOf('first'), fullPage: false });
  await other.screenshot({ path: shotOf('second'), fullPage: false });
  await page.screenshot({ path: shot, fullPage: false });
  return {
    first: { mine: await mine(page), bot: await lastBot(page) },
    second: { mine: await mine(other), bot: await lastBot(other), intro_left: await other.$$eval('#messages .intro', (x) => x.length) },
  };
}

async function category(page) {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(url);
  await online(page);
  await page.fill('#input', '/baotin');
  await page.click('#send');
  await waitBot(page, 1);
  await page.fill('#input', process.env.TIPGATE_TEXT);
  await page.click('#send');
  await waitBot(page, 2);
  await page.waitForTimeout(300); // let the list settle at the bottom after the keyboard lays out
  await page.screenshot({ path: shot, fullPage: false });
  return page.evaluate(() => {
    const rows = document.querySelectorAll('#messages .msg.bot');
    const row = rows[rows.length - 1];
    const list = document.getElementById('messages').getBoundingClientRect();
    const q = row.querySelector('.bubble').getBoundingClientRect();
    const btns = [...row.querySelectorAll('.kb button.kb-btn')].map((b) => b.getBoundingClientRect());
    return {
      question_top: q.top, list_top: list.top, list_bottom: list.bottom,
      buttons: btns.length, buttons_right: Math.max(...btns.map((b) => b.right)),
      keyboard_height: btns.length ? Math.max(...btns.map((b) => b.bottom)) - Math.min(...btns.map((b) => b.top)) : 0,
    };
  });
}

// Scenario "counter": the counter under the box, in characters, for a text typed decomposed.
async function counter(page) {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(url);
  await online(page);
  const read = async (n) => {
    await page.fill('#input', 'e\u0323\u0302'.repeat(n));   // "ệ" as e and two marks
    return page.$eval('#counter', (c) => ({ text: c.textContent, hidden: c.hidden, over: c.classList.contains('over') }));
  };
  const at4950 = await read(4950);
  const at5001 = await read(5001);
  await page.screenshot({ path: shot, fullPage: false });
  return { at4950, at5001 };
}

// Scenario "busy": the status the page shows when the server turns it away as busy.
async function busy(page) {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(url);
  await page.waitForSelector('#status[data-state="busy"]', { timeout: TIMEOUT });
  await page.screenshot({ path: shot, fullPage: false });
  return { status: await page.$eval('#status .label', (e) => e.textContent) };
}

const scenarios = { emergency, first, reload, tabs, category, counter, busy };

// One context: its pages share localStorage, so they are tabs of one identity.
await runScenario('webchat.mjs', (browser) => browser.newContext(),
                  (context, page) => scenarios[scenario](page));
