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
import { chromium } from 'playwright-core';

const [url, scenario, shot] = process.argv.slice(2);
const TIMEOUT = 15000;

// Debian's Chromium, as root, on a machine without internet: no sandbox, nothing that calls
// home (refused connections otherwise pile up); playwright gives it a fresh profile each run.
async function launch() {
  return chromium.launch({
    executablePath: process.env.TIPGATE_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

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

const scenarios = { emergency };

const browser = await launch();
let status = 0;
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const out = await scenarios[scenario](page);
  out.page_errors = errors;
  process.stdout.write(JSON.stringify(out) + '\n');
} catch (e) {
  process.stderr.write(`webchat.mjs: ${e && e.stack ? e.stack : e}\n`);
  status = 1;
} finally {
  await browser.close();
}
process.exit(status);
