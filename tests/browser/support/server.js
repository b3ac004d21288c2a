// Starts the real Samavvik server (the `demo` command: demo keys, mail
// written as .eml files) on a free loopback port for one test file, on
// SQLite or on a fresh PostgreSQL database made here and dropped in stop().

import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
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

// Interrupted (Ctrl+C, a CI timeout): exit normally, so the "exit" handlers
// below stop the servers and drop their databases.
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(signal === "SIGINT" ? 130 : 143));

/** The PostgreSQL server's admin database, as the Rust tests find it. */
const POSTGRES_ADMIN_URL = process.env.SAMAVVIK_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Runs one SQL statement with psql on the admin database; returns { ok, out }. */
function psql(sql) {
  const r = spawnSync("psql", [POSTGRES_ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-Atc", sql], { encoding: "utf8" });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error?.message ?? ""}`.trim() };
}

/**
 * The engines to run database-dependent tests on: SQLite, and PostgreSQL
 * when it answers. With CI set an unreachable PostgreSQL is an error, not
 * a skip. SAMAVVIK_BROWSER_ENGINES=sqlite (or postgres) picks one by hand.
 */
export function engines() {
  const wanted = (process.env.SAMAVVIK_BROWSER_ENGINES ?? "sqlite,postgres").split(",").map((e) => e.trim());
  for (const e of wanted) if (!["sqlite", "postgres"].includes(e)) throw new Error(`unknown engine ${e}`);
  if (!wanted.includes("postgres")) return wanted;
  const probe = psql("SELECT 1");
  if (probe.ok) return wanted;
  const why = `PostgreSQL at ${POSTGRES_ADMIN_URL} does not answer (${probe.out})`;
  if (process.env.CI) throw new Error(`${why}; CI must not skip the PostgreSQL browser tests`);
  console.warn(`\n*** SKIPPING the PostgreSQL browser tests: ${why} ***\n`);
  return wanted.filter((e) => e !== "postgres");
}

/** Creates an empty PostgreSQL database; returns its name and URL. */
function createPostgres() {
  const name = `samavvik_browser_${randomBytes(8).toString("hex")}`;
  const made = psql(`CREATE DATABASE ${name}`);
  if (!made.ok) throw new Error(`cannot create PostgreSQL database ${name}: ${made.out}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** Drops a database made by createPostgres (WITH FORCE: the server may still be connected). */
function dropPostgres(name) {
  psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/**
 * Starts `samavvik demo` (with `extraArgs`, e.g. `--oidc`) on `engine`
 * ("sqlite" or "postgres") and waits until `/helse/klar` answers 200.
 * Returns { engine, baseUrl, dataDir, mailDir, log(), mails(), stop() }.
 */
export async function startServer(extraArgs = [], { engine = "sqlite" } = {}) {
  const bin = binary();
  const dataDir = mkdtempSync(path.join(tmpdir(), "samavvik-browser-"));
  const port = await freePort();
  const bind = `127.0.0.1:${port}`;
  const database = engine === "postgres" ? createPostgres() : null;
  const dbArgs = database ? ["--database-url", database.url] : [];
  const child = spawn(bin, ["demo", "--data-dir", dataDir, "--bind", bind, ...dbArgs, ...extraArgs], {
    cwd: repoRoot,
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  let exited = null;
  child.once("exit", (code, signal) => (exited = { code, signal }));
  const killOnExit = () => {
    child.kill("SIGKILL");
    if (database) dropPostgres(database.name);
  };
  process.once("exit", killOnExit);

  const baseUrl = `http://${bind}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      process.removeListener("exit", killOnExit);
      if (database) dropPostgres(database.name);
      throw new Error(`samavvik demo exited early (${JSON.stringify(exited)}):\n${output}`);
    }
    try {
      const res = await fetch(`${baseUrl}/helse/klar`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      process.removeListener("exit", killOnExit);
      killOnExit();
      throw new Error(`samavvik demo not ready within 60 s:\n${output}`);
    }
    await sleep(100);
  }

  const mailDir = path.join(dataDir, "mail");
  return {
    engine,
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
      if (database) dropPostgres(database.name);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
