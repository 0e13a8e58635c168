// Every page at 360 px (contract §16): nothing scrolls sideways, no cell is clipped, every
// navigation entry can be reached, no button wraps a word per line — in zh and en.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPortal, openBrowser, screenshot } from "../lib/harness.mjs";

let portal;
let browser;
before(async () => {
  portal = await startPortal();
  browser = await openBrowser({ width: 360, height: 740 });
});
after(async () => {
  await browser?.close();
  await portal?.stop();
});

const PAGES = ["/", "/account", "/plans", "/usage", "/invoices", "/statement", "/costs", "/fapiao", "/alerts", "/history"];

/** What does not fit at this width: the page's overflow, clipped cells, squeezed buttons. */
async function misfits(page) {
  return page.evaluate(() => {
    const found = [];
    const overflow = document.documentElement.scrollWidth - window.innerWidth;
    if (overflow > 0) found.push(`the page is ${overflow}px wider than the window`);
    for (const el of document.querySelectorAll("td, th, button, .badge, dd, dt")) {
      const style = getComputedStyle(el);
      if (style.display === "none" || el.getClientRects().length === 0) continue;
      if (el.scrollWidth > el.clientWidth + 1 && style.overflowX !== "auto") {
        found.push(`clipped ${el.tagName.toLowerCase()}.${el.className}: "${el.textContent.trim().slice(0, 30)}"`);
      }
      // A button whose text wraps one word (or character) per line.
      if (el.tagName === "BUTTON") {
        // The lines its visible text takes (a chart bar is a tall button of one short
        // line; text only for screen readers, 1 px wide, is not seen).
        const tops = new Set();
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (!node.textContent.trim() || node.parentElement.getBoundingClientRect().width <= 1) continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
        }
        const lines = tops.size;
        const words = el.textContent.trim().split(/\s+/).length;
        const chars = el.textContent.trim().length;
        if (lines > 2 && lines >= Math.min(words, chars)) {
          found.push(`button "${el.textContent.trim()}" wraps to ${lines} lines`);
        }
      }
    }
    // The chart's text stays readable and inside the chart.
    for (const svg of document.querySelectorAll("svg.usage-chart")) {
      const box = svg.getBoundingClientRect();
      for (const text of svg.querySelectorAll("text")) {
        const r = text.getBoundingClientRect();
        if (r.height < 10) found.push(`chart text "${text.textContent}" is ${r.height.toFixed(1)}px high`);
        if (r.left < box.left - 1 || r.right > box.right + 1) found.push(`chart text "${text.textContent}" leaves the chart`);
      }
    }
    // Tables: a column the table hides away (scrolled out of its box) is a misfit too.
    for (const wrap of document.querySelectorAll(".table-wrap")) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        found.push(`a table scrolls sideways: ${wrap.querySelector("table")?.className}`);
      }
    }
    return found;
  });
}

for (const lang of ["zh", "en"]) {
  test(`every page fits 360 px in ${lang}`, async () => {
    const { page } = browser;
    const token = portal.token({ role: "admin" });
    const problems = [];
    // An invoice's own page too (its lines, what paid it).
    const { invoices } = await portal.api("/api/portal/invoices", token);
    for (const path of [...PAGES, `/invoices/${invoices[0].invoice_id}`]) {
      await page.goto(`${portal.url}${path}?lang=${lang}&token=${token}`);
      await page.locator("main h1").waitFor();
      await page.locator(".state.loading, .spinner").first().waitFor({ state: "detached", timeout: 10_000 }).catch(() => {});
      await page.waitForLoadState("networkidle");
      for (const misfit of await misfits(page)) problems.push(`${path}: ${misfit}`);
      // The current page's tab is in view, even when it sits past the strip's edge.
      const tab = await page
        .locator("nav.tabs a[aria-current=page]")
        .evaluate((a) => {
          const r = a.getBoundingClientRect();
          // Clear of the fade at the strip's right edge (2.5rem).
          return r.left >= 0 && r.right <= window.innerWidth - 30;
        })
        .catch(() => false);
      if (!tab) problems.push(`${path}: its tab is out of view`);
      await screenshot(page, `narrow${path === "/" ? "-overview" : path.replaceAll("/", "-")}-${lang}`);
    }
    // Every navigation entry can be reached: the tab strip scrolls, and says so.
    const tabs = page.locator("nav.tabs");
    const hidden = await tabs.evaluate((nav) => nav.scrollWidth > nav.clientWidth);
    if (hidden) {
      const last = page.locator("nav.tabs a").last();
      await last.scrollIntoViewIfNeeded();
      assert.ok(await last.isVisible(), "the last tab can be scrolled to");
    }
    assert.deepEqual(problems, []);
  });
}
