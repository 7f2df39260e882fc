// desk_lists.mjs — drives the police web desk's pages besides the queue and the tip page in
// Debian's headless Chromium (playwright-core): leads, groups, scam shield, handover (and its
// print stylesheet) for an officer and a commander, and a group leader's desk, which is the
// groups page alone. Prints what the pages showed as one JSON object on stdout;
// tests/integration/test_browser_desk_lists.py started tipgate, bound the groups, made the lead
// and the tip, took the sign-in links from /dangnhap and asserts on this.
//
//   node desk_lists.mjs BASE_URL WIDTH SHOT_PREFIX
//
// Environment: TIPGATE_LINK_OFFICER, TIPGATE_LINK_COMMANDER, TIPGATE_LINK_LEADER (sign-in
// links), TIPGATE_PHONE_TYPED (the phone as added), TIPGATE_PHONE_SEARCH (as searched),
// TIPGATE_IMPORT (the JSON Lines imported). Screenshots: SHOT_PREFIX-NN-step.png.
import { runPages } from './lib.mjs';

const [base, widthArg, prefix] = process.argv.slice(2);
const WIDTH = Number(widthArg);
const HEIGHT = WIDTH < 600 ? 740 : 800;
const TIMEOUT = 15000;
const env = process.env;

const pages = {};   // the open pages, for a screenshot of each when a step fails
let step = 0;
const shots = [];
async function shot(page, name, fullPage = false) {
  step++;
  const path = `${prefix}-${String(step).padStart(2, '0')}-${name}.png`;
  await page.screenshot({ path, fullPage });
  shots.push(path);
}

const visible = (page, sel) => page.waitForSelector(sel, { state: 'visible', timeout: TIMEOUT });
const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: TIMEOUT });
const text = (page, sel) => page.$eval(sel, (e) => e.innerText.replace(/\s+/g, ' ').trim());
const mainText = (page) => text(page, '#view');
const rows = (page, sel) => page.$$eval(sel, (xs) => xs.map((x) => ({
  code: x.dataset.code, text: x.innerText.replace(/\s+/g, ' ').trim() })));

async function signIn(page, link) {
  await page.goto(link);
  await page.waitForURL(/\/desk\/(#.*)?$/, { timeout: TIMEOUT });
  await visible(page, '#who');
}

async function go(page, route) {
  await page.click(`#nav a[data-route="${route}"]`);
  await until(page, (r) => document.getElementById('view').dataset.route === r, route);
}

// The groups page, loaded: each row as [title, area, platform, leads, warnings].
async function groups(page) {
  await until(page, () => {
    const n = document.getElementById('groups-note');
    return n && n.textContent !== 'Đang tải…';
  });
  return page.$$eval('#groups-table tbody tr', (trs) => trs.map((tr) =>
    [...tr.children].map((c) => c.innerText.trim())));
}

const scamItems = (page) => page.$$eval('[data-testid="scam-item"] .item-main',
  (xs) => xs.map((x) => x.innerText.replace(/\s+/g, ' ').trim()));
const scamCount = (page, n) => until(page, (k) =>
  document.querySelectorAll('[data-testid="scam-item"]').length === k, n);

async function scenario(browser) {
  const size = { viewport: { width: WIDTH, height: HEIGHT }, locale: 'vi-VN',
                 timezoneId: 'Asia/Ho_Chi_Minh' };
  const out = { width: WIDTH, page_errors: [], texts: {} };
  const watch = (page, who) => page.on('pageerror', (e) => out.page_errors.push(who + ': ' + e));

  // ---- the officer of Tổ dân phố 5: leads, groups, handover ----
  const o = pages.officer = await (await browser.newContext(size)).newPage();
  watch(o, 'officer');
  await signIn(o, env.TIPGATE_LINK_OFFICER);
  await go(o, 'leads');
  await visible(o, '#leads-list [data-testid="tip-row"]');
  out.leads = await rows(o, '#leads-list [data-testid="tip-row"]');
  out.texts.leads = await mainText(o);
  await shot(o, 'leads');

  await go(o, 'groups');
  out.groups_officer = await groups(o);
  out.texts.groups_officer = await mainText(o);
  await shot(o, 'groups');

  await go(o, 'handover');
  await visible(o, '[data-testid="bucket-new"]');
  out.handover = { new: await o.$$eval('[data-testid="bucket-new"] [data-testid="tip-row"]',
    (xs) => xs.map((x) => x.dataset.code)) };
  out.texts.handover = await mainText(o);
  await shot(o, 'handover');
  await o.emulateMedia({ media: 'print' });
  out.handover.print = { nav: await o.isVisible('#nav'), form: await o.isVisible('#handover-form'),
                         head: await o.isVisible('#handover-print-head') };
  await shot(o, 'handover-print', true);
  await o.setViewportSize({ width: 794, height: HEIGHT });   // an A4 page's width at 96 dpi
  await shot(o, 'handover-print-a4', true);
  await o.setViewportSize({ width: WIDTH, height: HEIGHT });
  await o.emulateMedia({ media: 'screen' });

  // ---- the commander: the ward's groups, the scam shield ----
  const c = pages.commander = await (await browser.newContext(size)).newPage();
  watch(c, 'commander');
  await signIn(c, env.TIPGATE_LINK_COMMANDER);
  await go(c, 'groups');
  out.groups_commander = await groups(c);
  await shot(c, 'groups-commander');

  await go(c, 'scam');
  await until(c, () => document.getElementById('scam-note').textContent === 'Danh sách đang trống.');
  const scam = out.scam = {};
  await c.fill('#scam-add-value', env.TIPGATE_PHONE_TYPED);
  await c.fill('#scam-add-note', 'Giả danh công an gọi lừa chuyển tiền');
  await c.click('#scam-add button[type="submit"]');
  await scamCount(c, 1);
  scam.after_add = await scamItems(c);
  await shot(c, 'scam-added');

  await c.fill('#scam-lines', env.TIPGATE_IMPORT);
  await c.click('#scam-import button[type="submit"]');
  await visible(c, '#scam-import-result p');
  scam.import = await c.$$eval('#scam-import-result p, #scam-import-result li',
    (xs) => xs.map((x) => x.innerText.trim()));
  await scamCount(c, 2);
  scam.after_import = await scamItems(c);
  out.texts.scam = await mainText(c);
  await c.$eval('#scam-import-result', (r) => r.scrollIntoView({ block: 'center' }));
  await shot(c, 'scam-imported');

  await c.fill('#scam-q', env.TIPGATE_PHONE_SEARCH);
  await c.press('#scam-q', 'Enter');
  await until(c, () => /[?&]q=/.test(location.hash));
  await scamCount(c, 1);
  scam.found = await scamItems(c);
  await c.$eval('#scam-list', (l) => l.scrollIntoView({ block: 'center' }));
  await shot(c, 'scam-found');

  c.once('dialog', (d) => { scam.confirm = d.message(); d.accept(); });
  await c.click('[data-testid="scam-remove"]');
  await scamCount(c, 0);
  await until(c, () => document.getElementById('scam-note').textContent !== '');
  scam.after_remove = await scamItems(c);
  scam.none_note = await text(c, '#scam-note');
  out.texts.scam_removed = await mainText(c);
  await shot(c, 'scam-removed');

  // ---- the leader: the groups page alone, whatever the address ----
  const l = pages.leader = await (await browser.newContext(size)).newPage();
  watch(l, 'leader');
  await signIn(l, env.TIPGATE_LINK_LEADER);
  await until(l, () => location.hash === '#/groups');
  const leaderGroups = await groups(l);
  await l.evaluate(() => { location.hash = '#/'; });
  await until(l, () => location.hash === '#/groups' &&
    document.getElementById('view').dataset.route === 'groups');
  out.leader = { address: l.url(), groups: leaderGroups,
                 nav: await l.$$eval('#nav a', (as) => as.filter((a) => a.offsetParent !== null)
                   .map((a) => a.innerText.trim())) };
  out.texts.leader = await mainText(l);
  await shot(l, 'leader');

  out.shots = shots;
  return out;
}

await runPages('desk_lists.mjs', prefix, pages, scenario);
