// media.mjs — a resident on a 360 x 740 phone attaches a photo and shares a location during a
// guided report in Debian's headless Chromium (playwright-core), then files the tip; prints
// what the page showed as one JSON object on stdout. tests/integration/test_browser_media.py
// starts tipgate, runs this, and checks the stored photo, the tip and the texts.
//
//   node media.mjs URL SHOTS_DIR
//
// Environment: TIPGATE_TEXT (the description), TIPGATE_LABELS ("Tiếp tục|Ẩn danh|Gửi": the
// buttons pressed after the photo and the location), TIPGATE_LAT / TIPGATE_LON / TIPGATE_ACC
// (the position the browser reports; the geolocation permission is granted, as a tap on
// "Allow" would).
import { runScenario } from './lib.mjs';
import path from 'node:path';

const [url, shots] = process.argv.slice(2);
const TIMEOUT = 20000;
const geo = { latitude: Number(process.env.TIPGATE_LAT), longitude: Number(process.env.TIPGATE_LON),
              accuracy: Number(process.env.TIPGATE_ACC) };

const botCount = (page) => page.$$eval('#messages .msg.bot', (r) => r.length);

async function waitBot(page, n) {
  await page.waitForFunction((k) => document.querySelectorAll('#messages .msg.bot').length >= k,
                             n, { timeout: TIMEOUT });
  return page.$$eval('#messages .msg.bot .bubble', (b) => b.map((x) => x.lastChild.textContent));
}

async function say(page, text) {
  const n = await botCount(page);
  await page.fill('#input', text);
  await page.click('#send');
  return (await waitBot(page, n + 1)).slice(n);
}

async function press(page, label) {
  const n = await botCount(page);
  await page.click(`#messages .msg.bot >> nth=${n - 1} >> button.kb-btn:has-text("${label}")`);
  return (await waitBot(page, n + 1)).slice(n);
}

// A 3000 x 2000 PNG drawn in the page (a gradient and some text, so it is a real photo-sized
// picture), handed back as bytes for the file chooser.
async function bigPng(page) {
  const b64 = await page.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 3000;
    c.height = 2000;
    const g = c.getContext('2d');
    const grad = g.createLinearGradient(0, 0, 3000, 2000);
    grad.addColorStop(0, '#204060');
    grad.addColorStop(1, '#e0a030');
    g.fillStyle = grad;
    g.fillRect(0, 0, 3000, 2000);
    g.fillStyle = '#fff';
    g.font = '200px sans-serif';
    g.fillText('59-X1 123.45', 400, 1100);
    const blob = await new Promise((res) => c.toBlob(res, 'image/png'));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  });
  return Buffer.from(b64, 'base64');
}

async function media(page) {
  await page.goto(url);
  await page.waitForSelector('#status[data-state="online"]', { timeout: TIMEOUT });
  await say(page, '/baotin');
  const asked = await say(page, process.env.TIPGATE_TEXT);
  const tools = await page.$$eval('.tools .tool', (b) => b.map((x) => {
    const r = x.getBoundingClientRect();
    return { label: x.textContent, x: r.x, w: r.width, h: r.height, bottom: r.bottom };
  }));
  const png = await bigPng(page);
  await page.setInputFiles('#photo-input', { name: 'bien-so.png', mimeType: 'image/png', buffer: png });
  await page.waitForSelector('#messages .msg.me.photo[data-state="sent"]', { timeout: TIMEOUT });
  await page.screenshot({ path: path.join(shots, 'media-photo-360.png') });
  await page.click('#locate');
  await page.waitForFunction(() => [...document.querySelectorAll('#messages .msg.me')].some(
    (r) => r.dataset.state === 'sent' && r.textContent.includes('📍')), null, { timeout: TIMEOUT });
  const located = await page.$$eval('#messages .msg.me .bubble', (b) => b.map((x) => x.lastChild.textContent)
    .filter((t) => t.includes('📍')));
  await page.screenshot({ path: path.join(shots, 'media-location-360.png') });
  const after = [];
  for (const label of process.env.TIPGATE_LABELS.split('|')) after.push(...await press(page, label));
  await page.screenshot({ path: path.join(shots, 'media-filed-360.png') });
  return { asked, tools, png_bytes: png.length, located, after };
}

await runScenario('media.mjs', (browser) => browser.newContext({
  viewport: { width: 360, height: 740 }, geolocation: geo, permissions: ['geolocation'] }),
                  (context, page) => media(page));
