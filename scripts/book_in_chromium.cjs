// Opens the built book in headless Chromium, as a reader would, at 1280px and 400px:
// the prose must not scroll sideways, code must be highlighted, and no {{#include}}
// may be left in the text. Screenshots go to target/book-screenshots/.
//
//   mdbook build book && NODE_PATH=target/browser-check/node_modules node scripts/book_in_chromium.cjs
//
// (.ci/run installs Debian's chromium and playwright-core there when they are missing.)
const { chromium } = require("playwright-core");
const path = require("path");
const fs = require("fs");

const root = path.resolve(__dirname, "..");
const book = path.join(root, "book", "book");
const shots = path.join(root, "target", "book-screenshots");
const pages = ["introduction.html", "generation-1.html", "generation-2.html", "generation-3.html",
  "async-generators.html", "toolkit.html", "exercises.html"];
const widths = [1280, 400];

(async () => {
  fs.mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const problems = [];
  for (const name of pages) {
    for (const width of widths) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.goto("file://" + path.join(book, name));
      await page.waitForLoadState("load");
      const facts = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        highlighted: document.querySelectorAll("code.hljs").length,
        keywords: document.querySelectorAll("code.hljs .hljs-keyword").length,
        codeBlocks: document.querySelectorAll("pre code").length,
        rawInclude: document.body.innerText.includes("{{#include"),
      }));
      const file = path.join(shots, `${name.replace(".html", "")}-${width}.png`);
      await page.screenshot({ path: file });
      const where = `${name} at ${width}px`;
      if (facts.scrollWidth > facts.innerWidth + 1) {
        problems.push(`${where}: the page scrolls sideways (${facts.scrollWidth}px wide)`);
      }
      if (facts.codeBlocks === 0 || facts.highlighted < facts.codeBlocks || facts.keywords === 0) {
        problems.push(`${where}: code is not highlighted (${facts.highlighted} of ${facts.codeBlocks} blocks)`);
      }
      if (facts.rawInclude) {
        problems.push(`${where}: a raw {{#include}} is in the text`);
      }
      console.log(`${where}: ${facts.codeBlocks} code blocks, all highlighted; ${facts.scrollWidth}px wide; ${path.relative(root, file)}`);
      await page.close();
    }
  }
  await browser.close();
  for (const problem of problems) console.error(problem);
  process.exit(problems.length ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
