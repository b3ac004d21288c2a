// Starts the real Samavvik server (the `demo` command: SQLite, demo keys,
// mail written as .eml files) on a free loopback port for one test file.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** The `samavvik` binary: $SAMAVVIK_BIN, or a debug build made (or found up to date) here. */
function binary() {
  if (process.env.SAMAVVIK_BIN) return process.env.SAMAVVIK_BIN;
  const build = spawnSync("cargo", ["build", "--bin", "samavvik"], {
    cwd: repoRoot,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (build.status !== 0) throw new Error(`cargo build --bin samavvik failed (exit ${build.status})`);
  const target = process.env.CARGO_TARGET_DIR
    ? path.resolve(repoRoot, process.env.CARGO_TARGET_DIR)
    : path.join(repoRoot, "target");
  const bin = path.join(target, "debug", "samavvik");
  if (!existsSync(bin)) throw new Error(`no binary at ${bin} after cargo build`);
  return bin;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `samavvik demo` (with `extraArgs`, e.g. `--oidc`) and waits until `/helse/klar` answers 200.
 * Returns { baseUrl, dataDir, mailDir, log(), mails(), stop() }.
 */
export async function startServer(extraArgs = []) {
  const bin = binary();
  const dataDir = mkdtempSync(path.join(tmpdir(), "samavvik-browser-"));
  const port = await freePort();
  const bind = `127.0.0.1:${port}`;
  const child = spawn(bin, ["demo", "--data-dir", dataDir, "--bind", bind, ...extraArgs], {
    cwd: repoRoot,
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  let exited = null;
  child.once("exit", (code, signal) => (exited = { code, signal }));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const baseUrl = `http://${bind}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`samavvik demo exited early (${JSON.stringify(exited)}):\n${output}`);
    try {
      const res = await fetch(`${baseUrl}/helse/klar`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`samavvik demo not ready within 60 s:\n${output}`);
    }
    await sleep(100);
  }

  const mailDir = path.join(dataDir, "mail");
  return {
    baseUrl,
    dataDir,
    mailDir,
    log: () => output,
    /** The .eml files written so far, as text. */
    mails() {
      if (!existsSync(mailDir)) return [];
      return readdirSync(mailDir)
        .filter((f) => f.endsWith(".eml"))
        .map((f) => readFileSync(path.join(mailDir, f), "utf8"));
    },
    async stop() {
      process.removeListener("exit", killOnExit);
      if (!exited) {
        const gone = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
