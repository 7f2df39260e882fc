// The period report printed: tipgate's HTML report (a file written by `tipgate report
// --format html --out …`) opened in headless Chromium and printed to PDF on A4 with the page's
// own print CSS, as a ward prints it to attach to its report. tests/integration/test_report.py
// reads the PDF's text back with pdftotext.
//
//   node tests/browser/report_pdf.mjs REPORT.html OUT.pdf
import { runScenario } from './lib.mjs';
import { pathToFileURL } from 'node:url';

const [html, pdf] = process.argv.slice(2);
if (!html || !pdf) {
  process.stderr.write('usage: node report_pdf.mjs REPORT.html OUT.pdf\n');
  process.exit(2);
}

await runScenario('report_pdf', (browser) => browser.newContext(), async (context, page) => {
  // nothing but the file itself may load: the report must carry everything it shows
  const fetched = [];
  page.on('request', (r) => { if (!r.url().startsWith('file:')) fetched.push(r.url()); });
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
  await page.emulateMedia({ media: 'print' });
  const a4 = await page.evaluate(() => {
    const rules = [...document.styleSheets].flatMap((s) => [...s.cssRules]);
    return rules.some((r) => r.cssText.startsWith('@page') && /size: *a4/i.test(r.cssText));
  });
  await page.pdf({ path: pdf, format: 'A4', preferCSSPageSize: true, printBackground: false });
  return { a4, fetched, title: await page.title() };
});
