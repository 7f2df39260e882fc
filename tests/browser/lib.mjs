// What the browser scripts share: Debian's Chromium launched headless (no sandbox, nothing
// fetched from elsewhere), and one run of a scenario — its page errors collected, what it saw
// printed as one JSON line for the Python test, a failure on stderr with exit status 1.
import { chromium } from 'playwright-core';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.TIPGATE_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// name: the script, for its error line. newContext(browser) → a context; fn(context, page) → what
// the scenario saw. Exits the process.
export async function runScenario(name, newContext, fn) {
  const browser = await launch();
  let status = 0;
  try {
    const context = await newContext(browser);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const out = await fn(context, page);
    out.page_errors = errors;
    process.stdout.write(JSON.stringify(out) + '\n');
  } catch (e) {
    process.stderr.write(`${name}: ${e && e.stack ? e.stack : e}\n`);
    status = 1;
  } finally {
    await browser.close();
  }
  process.exit(status);
}

// A scenario of several pages: fn(browser) → what it saw, printed as one JSON line; on a failure
// the error on stderr, a screenshot of each page in pages (who → page) as
// `${prefix}-failed-${who}.png`, and exit status 1. Exits the process.
export async function runPages(name, prefix, pages, fn) {
  const browser = await launch();
  let status = 0;
  try {
    process.stdout.write(JSON.stringify(await fn(browser)) + '\n');
  } catch (e) {
    process.stderr.write(`${name}: ${e && e.stack ? e.stack : e}\n`);
    status = 1;
    for (const [who, page] of Object.entries(pages)) {
      await page.screenshot({ path: `${prefix}-failed-${who}.png` }).catch(() => {});
    }
  } finally {
    await browser.close();
  }
  process.exit(status);
}
