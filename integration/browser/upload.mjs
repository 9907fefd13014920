// Opens the minis3 demo page in headless Chromium, uploads each file of BROWSER_UPLOADS with the
// mode it names, waits until every row is done or failed, saves a screenshot and prints one
// `UPLOAD {json}` line per file. Run by tests/browser.rs, which decides what the outcome must be.
//
// Environment: DEMO_PAGE_URL (the page, on its own origin), BROWSER_UPLOADS (JSON list of
// {mode: "put"|"post", path, type}), SCREENSHOT (PNG path), USER_DATA_DIR (a fresh profile dir),
// CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const STEP_TIMEOUT_MS = 60_000;

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const pageUrl = required('DEMO_PAGE_URL');
const uploads = JSON.parse(required('BROWSER_UPLOADS'));
const screenshot = required('SCREENSHOT');
const userDataDir = required('USER_DATA_DIR');

const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  timeout: STEP_TIMEOUT_MS,
  viewport: { width: 900, height: 620 },
  // This machine blocks Chromium's own background traffic: keep it from trying.
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-proxy-server',
  ],
});
try {
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = context.pages()[0] ?? await context.newPage();
  page.on('console', (m) => console.error(`[page console.${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  page.on('requestfailed', (r) =>
    console.error(`[request failed] ${r.method()} ${r.url().split('?')[0]}: ${r.failure()?.errorText}`));
  await page.goto(pageUrl);

  for (const upload of uploads) {
    const name = basename(upload.path);
    const key = `uploads/${name}`;
    await page.selectOption('#mode', upload.mode);
    await page.setInputFiles('#files', {
      name,
      mimeType: upload.type,
      buffer: readFileSync(upload.path),
    });
    await page.click('#upload');
    const row = `#uploads li[data-key="${key}"]`;
    await page.waitForFunction(
      (selector) => {
        const li = document.querySelector(selector);
        return li !== null && li.dataset.status !== 'uploading';
      },
      row,
      { timeout: STEP_TIMEOUT_MS },
    );
    const result = await page.$eval(row, (li) => ({
      key: li.dataset.key,
      status: li.dataset.status,
      detail: li.querySelector('.detail')?.textContent ?? '',
      link: li.querySelector('a')?.href ?? null,
      progress: li.querySelector('progress')?.value ?? null,
    }));
    console.log('UPLOAD ' + JSON.stringify({ mode: upload.mode, ...result }));
  }
  await page.screenshot({ path: screenshot, fullPage: true });
} finally {
  await context.close();
}
