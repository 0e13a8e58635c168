// How `portal serve` serves the built app: compressed, hashed assets cached for good,
// index.html revalidated, app routes falling back to index.html.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DIST, startPortal } from "../lib/harness.mjs";

let portal;
before(async () => {
  portal = await startPortal();
});
after(async () => {
  await portal?.stop();
});

const wasm = () => readdirSync(DIST).find((f) => f.endsWith("_bg.wasm"));

test("the wasm goes out compressed and is cached for good", async () => {
  const file = wasm();
  assert.ok(file, "a built wasm in dist/");
  const raw = statSync(join(DIST, file)).size;
  for (const encoding of ["gzip", "br"]) {
    // undici's fetch would decode the body; count the bytes on the wire instead.
    const res = await fetch(`${portal.url}/${file}`, { headers: { "accept-encoding": encoding } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-encoding"), encoding);
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const reader = res.body.getReader();
    let decoded = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      decoded += value.length;
    }
    assert.equal(decoded, raw, "the decoded body is the whole file");
  }
  const plain = await fetch(`${portal.url}/${file}`, { headers: { "accept-encoding": "identity" } });
  assert.equal(plain.headers.get("content-encoding"), null);
  assert.equal((await plain.arrayBuffer()).byteLength, raw);
});

test("index.html and app routes are never stored (their address may carry ?token=)", async () => {
  for (const path of ["/", "/index.html", "/usage", "/invoices/INV000000001"]) {
    const res = await fetch(`${portal.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("cache-control"), "no-store", path);
    assert.match(await res.text(), /<html/i, path);
  }
});
