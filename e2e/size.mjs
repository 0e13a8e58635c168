// `just size`: what the app's first load costs. Prints the gzip and brotli sizes of the
// files a first visit loads from dist/ (html, js, wasm, css), what `portal serve`
// actually transferred, and how long the overview takes to show data on loopback in
// headless Chromium (cold cache, median of several loads).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { DIST, startPortal, openBrowser } from "./lib/harness.mjs";

const RUNS = 7;
const kB = (n) => `${(n / 1000).toFixed(1)} kB`;

const files = readdirSync(DIST).filter((f) => /\.(html|js|wasm|css)$/.test(f));
const rows = files.map((file) => {
  const bytes = readFileSync(join(DIST, file));
  return {
    file,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
});
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), {
  raw: 0,
  gzip: 0,
  brotli: 0,
});

console.log("First load (dist/):");
console.log(`  ${"file".padEnd(44)} ${"raw".padStart(10)} ${"gzip -9".padStart(10)} ${"brotli".padStart(10)}`);
for (const r of rows) {
  console.log(`  ${r.file.padEnd(44)} ${kB(r.raw).padStart(10)} ${kB(r.gzip).padStart(10)} ${kB(r.brotli).padStart(10)}`);
}
console.log(`  ${"total".padEnd(44)} ${kB(total.raw).padStart(10)} ${kB(total.gzip).padStart(10)} ${kB(total.brotli).padStart(10)}`);

const portal = await startPortal();
// The server compresses the hashed assets once at brotli's best after it starts (a few
// seconds; per response meanwhile): measure what a browser gets from then on. A
// precompressed answer has a Content-Length (the per-response one is chunked).
const wasmFile = files.find((f) => f.endsWith("_bg.wasm"));
for (let waited = 0; ; waited += 200) {
  const res = await fetch(`${portal.url}/${wasmFile}`, { headers: { "accept-encoding": "br" } });
  await res.arrayBuffer();
  if (res.headers.get("content-length")) break;
  if (waited > 60_000) throw new Error("the assets were not precompressed within a minute");
  await new Promise((r) => setTimeout(r, 200));
}
const times = [];
let transferred = 0;
try {
  for (let run = 0; run < RUNS; run += 1) {
    const { page, close } = await openBrowser();
    try {
      const token = portal.token();
      await page.goto(`${portal.url}/?token=${token}`, { waitUntil: "commit" });
      // From the start of navigation to the overview showing the plan and the quota bars.
      const shown = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const check = () =>
              document.querySelector(".plan-name") && document.querySelectorAll(".quota").length === 3
                ? resolve(performance.now())
                : requestAnimationFrame(check);
            check();
          }),
      );
      times.push(shown);
      if (run === 0) {
        transferred = await page.evaluate(() =>
          performance
            .getEntriesByType("navigation")
            .concat(performance.getEntriesByType("resource"))
            .filter((e) => !e.name.includes("/api/"))
            .reduce((sum, e) => sum + e.transferSize, 0),
        );
      }
    } finally {
      await close();
    }
  }
} finally {
  await portal.stop();
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`Transferred by portal serve on the first load (app files, headers included): ${kB(transferred)}`);
console.log(
  `Overview shows data (plan and quota bars) after: median ${median.toFixed(0)} ms, ` +
    `fastest ${times[0].toFixed(0)} ms, slowest ${times.at(-1).toFixed(0)} ms (${RUNS} cold loads, loopback)`,
);
