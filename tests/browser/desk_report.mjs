// desk_report.mjs — drives a commander's period report and KPI pages of the police web desk in
// Debian's headless Chromium (playwright-core): the report of a chosen period (its figures and
// tables as the page shows them, this period and the same period a year earlier), its print
// stylesheet, the CSV / HTML / JSON downloads, the export of the period's tips as CSV, the KPI
// page (targets met or not, the monthly charts' bars and points, the breakdowns), and an
// officer's desk, which offers none of it and whose requests are refused. Prints what the pages
// showed as one JSON object on stdout; tests/integration/test_browser_desk_report.py filled the
// database, took the sign-in links from /dangnhap and asserts on this.
//
//   node desk_report.mjs BASE_URL SHOT_PREFIX
//
// Environment: TIPGATE_LINK_COMMANDER, TIPGATE_LINK_OFFICER (sign-in links), TIPGATE_PERIOD
// (the period to choose, "2026-Q1"). Screenshots: SHOT_PREFIX-NN-step.png, at 1280 px and
// 360 px.
import { readFileSync } from 'node:fs';
import { runPages } from './lib.mjs';

const [base, prefix] = process.argv.slice(2);
const WIDE = 1280, NARROW = 360, HEIGHT = 800, A4 = 794;   // A4's width at 96 dpi
const TIMEOUT = 15000;
const env = process.env;

const pages = {};
let step = 0;
const shots = [];
async function shot(page, name, fullPage = true) {
  step++;
  const path = `${prefix}-${String(step).padStart(2, '0')}-${name}.png`;
  await page.screenshot({ path, fullPage });
  shots.push(path);
}

const visible = (page, sel) => page.waitForSelector(sel, { state: 'visible', timeout: TIMEOUT });
const until = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: TIMEOUT });
const squash = (s) => s.replace(/\s+/g, ' ').trim();

async function signIn(page, link) {
  await page.goto(link);
  await page.waitForURL(/\/desk\/(#.*)?$/, { timeout: TIMEOUT });
  await visible(page, '#who');
}

async function go(page, route) {
  await page.click(`#nav a[data-route="${route}"]`);
  await until(page, (r) => document.getElementById('view').dataset.route === r, route);
}

const navShown = (page) => page.$$eval('#nav a', (as) => as.filter((a) => a.offsetParent !== null)
  .map((a) => a.dataset.route));

// The report as the page shows it: {section id: {figures: {id: [value, previous, target]},
// tables: {id: [[label, value, previous], …]}, title}}.
const readReport = (page) => page.$$eval('[data-testid^="report-section-"]', (secs) => {
  const t = (x) => (x ? x.innerText.replace(/\s+/g, ' ').trim() : null);
  const out = {};
  for (const s of secs) {
    const figures = {};
    for (const tr of s.querySelectorAll('.doc-figures tbody tr')) {
      figures[tr.dataset.figure] = [t(tr.querySelector('.value')), t(tr.querySelector('.previous')),
        t(tr.querySelector('.target'))];
    }
    const tables = {};
    for (const tb of s.querySelectorAll('table[data-table]')) {
      tables[tb.dataset.table] = [...tb.querySelectorAll('tbody tr')].map((tr) =>
        [...tr.children].map((c) => t(c)));
    }
    out[s.dataset.section] = { title: t(s.querySelector('h3')), figures, tables };
  }
  return out;
});

// Clicks sel and returns the download: {name, bytes (as latin1 for the BOM check), text}.
async function download(page, sel) {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: TIMEOUT }), page.click(sel)]);
  const buf = readFileSync(await d.path());
  return { name: d.suggestedFilename(), bom: buf.subarray(0, 3).toString('hex') === 'efbbbf',
           text: buf.toString('utf8').replace(/^\ufeff/, '') };
}

async function scenario(browser) {
  const out = { page_errors: [], texts: {} };
  const ctx = (width) => browser.newContext({ viewport: { width, height: HEIGHT }, locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh', acceptDownloads: true });
  const watch = (page, who) => page.on('pageerror', (e) => out.page_errors.push(who + ': ' + e));

  // ---- the commander: the period report ----
  const c = pages.commander = await (await ctx(WIDE)).newPage();
  watch(c, 'commander');
  await signIn(c, env.TIPGATE_LINK_COMMANDER);
  out.nav_commander = await navShown(c);
  await go(c, 'report');
  await visible(c, '#report-doc');
  out.periods = await c.$$eval('#report-period option', (os) => os.map((o) => o.value));
  await c.selectOption('#report-period', env.TIPGATE_PERIOD);
  await c.click('#report-form button[type="submit"]');
  await until(c, (p) => location.hash.includes('period=' + p), env.TIPGATE_PERIOD);
  await until(c, () => !document.getElementById('report-doc').hidden &&
    document.getElementById('report-note').textContent === '');
  out.report = {
    title: squash(await c.innerText('#report-title')),
    period: squash(await c.innerText('.doc-period')),
    previous: squash(await c.innerText('.doc-prev')),
    sections: await readReport(c),
  };
  out.texts.report = squash(await c.innerText('#view'));
  await shot(c, 'report-1280');

  // printed: the document alone
  await c.emulateMedia({ media: 'print' });
  out.print = { nav: await c.isVisible('#nav'), form: await c.isVisible('#report-form'),
                tools: await c.isVisible('#report-tools'), export: await c.isVisible('#export-form'),
                doc: await c.isVisible('#report-doc'), sign: await c.isVisible('.doc-sign') };
  await c.setViewportSize({ width: A4, height: 1123 });
  await shot(c, 'report-print-a4');
  await c.setViewportSize({ width: WIDE, height: HEIGHT });
  await c.emulateMedia({ media: 'screen' });

  // the downloads
  out.csv = await download(c, '[data-testid="report-csv"]');
  out.html = await download(c, '[data-testid="report-html"]');
  out.html.text = out.html.text.length;   // its size only: the text is R's, checked elsewhere
  const json = await download(c, '[data-testid="report-json"]');
  out.json = { name: json.name, period: JSON.parse(json.text).period.code };

  // the export of the period's tips, as CSV, without contact numbers
  await c.selectOption('#export-format', 'csv');
  out.export_contacts_offered = await c.isVisible('#export-contacts');
  out.export = await download(c, '[data-testid="export-submit"]');
  await until(c, () => document.getElementById('export-note').textContent !== '');
  out.export.note = await c.innerText('#export-note');
  await c.$eval('#export-form', (f) => f.scrollIntoView({ block: 'center' }));
  await shot(c, 'report-export', false);

  // the same page on a phone
  await c.setViewportSize({ width: NARROW, height: HEIGHT });
  await shot(c, 'report-360');

  // ---- the commander: KPIs ----
  await c.setViewportSize({ width: WIDE, height: HEIGHT });
  await go(c, 'kpi');
  await visible(c, '[data-testid="kpi-target"]');
  out.kpi = {
    months: Number(await c.inputValue('#kpi-months')),
    targets: await c.$$eval('[data-testid="kpi-target"]', (xs) => xs.map((x) => ({
      id: x.dataset.id, met: x.dataset.met, value: x.querySelector('.kpi-value').innerText.trim(),
      goal: x.querySelector('.kpi-goal').innerText.trim(), mark: x.querySelector('.kpi-mark').innerText.trim() }))),
    bars: await c.$$eval('#chart-counts rect.bar-received', (xs) => xs.map((x) => [x.dataset.month, Number(x.dataset.value)])),
    resolved_bars: await c.$$eval('#chart-counts rect.bar-resolved', (xs) => xs.length),
    points: await c.$$eval('#chart-shares circle.pt-resolved-pct', (xs) => xs.map((x) => [x.dataset.month, Number(x.dataset.value)])),
    svg_inline: await c.$$eval('svg.chart', (xs) => xs.length),
    by_area: await c.$$eval('#kpi-by-area tbody tr', (trs) => trs.map((tr) => [...tr.children].map((x) => x.innerText.trim()))),
    by_category: await c.$$eval('#kpi-by-category tbody tr', (trs) => trs.map((tr) => [...tr.children].map((x) => x.innerText.trim()))),
  };
  out.texts.kpi = squash(await c.innerText('#view'));
  await shot(c, 'kpi-1280');
  await c.setViewportSize({ width: NARROW, height: HEIGHT });
  await c.reload();
  await visible(c, '#chart-counts');
  out.kpi.bars_360 = await c.$$eval('#chart-counts rect.bar-received', (xs) => xs.length);
  await shot(c, 'kpi-360');

  // ---- an officer: no such pages, and the server refuses them ----
  const o = pages.officer = await (await ctx(NARROW)).newPage();
  watch(o, 'officer');
  await signIn(o, env.TIPGATE_LINK_OFFICER);
  out.nav_officer = await navShown(o);
  await o.goto(base + '/desk/#/report');
  await until(o, () => location.hash === '#/' && document.getElementById('view').dataset.route === 'queue');
  out.officer_address = o.url();
  out.officer_status = await o.evaluate(async (p) => {
    const r = {};
    for (const path of ['/report?period=' + p, '/kpi', '/report.csv?period=' + p, '/report.html?period=' + p,
      '/export?period=' + p + '&format=csv']) {
      r[path.split('?')[0]] = (await fetch('/api/desk' + path, { credentials: 'same-origin' })).status;
    }
    return r;
  }, env.TIPGATE_PERIOD);
  await shot(o, 'officer', false);

  out.shots = shots;
  return out;
}

await runPages('desk_report.mjs', prefix, pages, scenario);
