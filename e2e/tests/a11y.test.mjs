// axe-core (WCAG 2.1 AA and best practice) on every page of the app, in zh and en, at
// 1280 and 360 px (contract §16): no violation.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { startPortal, openBrowser } from "../lib/harness.mjs";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

let portal;
before(async () => {
  portal = await startPortal();
});
after(async () => {
  await portal?.stop();
});

for (const width of [1280, 360]) {
  test(`axe finds nothing on any page at ${width} px, in zh and en`, async () => {
    const token = portal.token({ role: "admin" });
    const { invoices } = await portal.api("/api/portal/invoices", token);
    const pages = ["/", "/account", "/plans", "/usage", "/invoices", `/invoices/${invoices[0].invoice_id}`,
      "/statement", "/costs", "/fapiao", "/alerts", "/history"];
    const browser = await openBrowser({ width, height: 900 });
    const found = [];
    try {
      for (const lang of ["zh", "en"]) {
        for (const path of pages) {
          await browser.page.goto(`${portal.url}${path}?lang=${lang}&token=${token}`);
          await browser.page.locator("main h1").waitFor();
          await browser.page.waitForLoadState("networkidle");
          await browser.page.evaluate(AXE);
          const violations = await browser.page.evaluate(
            async (rules) => (await window.axe.run(document, { runOnly: rules })).violations
              .map((v) => `${v.id} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 2).join(", ")})`),
            RULES,
          );
          for (const v of violations) found.push(`${path} ${lang}: ${v}`);
        }
      }
    } finally {
      await browser.close();
    }
    assert.deepEqual(found, []);
  });
}
