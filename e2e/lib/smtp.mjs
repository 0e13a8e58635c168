// A real SMTP server for the browser tests: scripts/smtp-sink.sh (Python's aiosmtpd, from
// PyPI, installed into target/test-venv on first use) on a loopback port. Each accepted
// message is saved as JSON with its decoded subject and text.

import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, freePort } from "./harness.mjs";

/** Starts the sink; `messages()` lists what arrived, oldest first. */
export async function startSmtpSink() {
  const dir = mkdtempSync(join(tmpdir(), "portal-smtp-"));
  const port = await freePort();
  const child = spawn(join(ROOT, "scripts", "smtp-sink.sh"), [dir, String(port)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  await new Promise((ok, fail) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("ready")) ok();
    });
    child.once("exit", (code) => fail(new Error(`smtp-sink.sh exited with ${code}`)));
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    /** @returns {{from: string, to: string[], subject: string, text: string}[]} */
    messages() {
      return readdirSync(dir)
        .filter((name) => name.endsWith(".json"))
        .sort()
        .map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")));
    },
    /** The first message `match` accepts, polled until `ms` have passed. */
    async waitForMessage(match = () => true, ms = 20_000) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const found = this.messages().find(match);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no matching e-mail within ${ms} ms: ${JSON.stringify(this.messages())}`);
    },
    async stop() {
      child.stdin.end();
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
