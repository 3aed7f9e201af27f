// Checks a built deck the way a presenter would find out too late: does it
// render, is the code readable, does the PDF have every slide?
//
//   node slides/check.mjs [--out DIR]      (default: build/slides)
//
// - the HTML opens in headless Chromium, and the title slide and the first
//   slide with code render to screenshots that are not blank (PNG files
//   beside the deck: title.png, code.png);
// - the PDF, where one was built, has one page per slide (pdfinfo).
// Exit status 0 when all holds, 1 with a message otherwise, 2 when Chromium
// or the built deck is missing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

function fail(message, status = 1) {
  console.error(`slides check: ${message}`);
  process.exit(status);
}

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? path.resolve(args[outIndex + 1] || '') : path.join(process.env.LUNCH_BUILD || path.join(root, 'build'), 'slides');
const html = path.join(out, 'deck.html');
if (!fs.existsSync(html)) fail(`no ${html}: build the deck first (./lunch slides)`, 2);
const stats = JSON.parse(fs.readFileSync(path.join(out, 'deck.json'), 'utf8'));
const browserPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .concat(process.env.CHROME_PATH ? [process.env.CHROME_PATH] : [])
  .find((p) => fs.existsSync(p));
if (!browserPath) fail('no Chromium to render with (scripts/install-deps.sh --slides installs it)', 2);

// The share of pixels that differ from the top-left one (the background).
async function inkShare(page, png) {
  return page.evaluate(async (dataUrl) => {
    const img = new Image();
    img.src = dataUrl;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4)
      if (Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > 60) ++ink;
    return ink / (d.length / 4);
  }, `data:image/png;base64,${png.toString('base64')}`);
}

const browser = await puppeteer.launch({
  executablePath: browserPath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 720 });
  const codeSlide = stats.firstCodeSlide;
  if (!codeSlide) fail('the deck has no slide with code');
  for (const [name, slide] of [['title', 1], ['code', codeSlide]]) {
    await page.goto(`file://${html}#${slide}`, { waitUntil: 'load' });
    await new Promise((r) => setTimeout(r, 300));
    const png = await page.screenshot({ type: 'png' });
    fs.writeFileSync(path.join(out, `${name}.png`), png);
    const share = await inkShare(page, png);
    if (share < 0.01) fail(`the ${name} slide (${slide}) renders blank (${(share * 100).toFixed(2)} % ink)`);
    console.log(`slides check: ${name} slide ${slide} renders (${(share * 100).toFixed(1)} % of pixels inked)`);
  }
} finally {
  await browser.close();
}

const pdf = path.join(out, 'deck.pdf');
if (fs.existsSync(pdf)) {
  const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
  const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
  if (pages !== stats.slides) fail(`deck.pdf has ${pages} pages for ${stats.slides} slides`);
  console.log(`slides check: deck.pdf has one page per slide (${pages})`);
}
console.log(`slides check: ok (${stats.slides} slides, ${stats.regions} code regions, ${stats.timelines} timelines)`);
