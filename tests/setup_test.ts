// `deno task setup`, the first step of `deno task test`: on a machine that
// lacks a system package it installs it as root (apt-get) and otherwise
// stops at once with the one-line command to run.
import assert from "node:assert/strict";
import { type Need, NEEDS, plan } from "../scripts/setup.ts";

const need = (packages: string[]): Need => ({
  packages,
  why: `${packages[0]} is needed`,
  present: () => false,
});

Deno.test("setup plan: nothing missing does nothing; root with apt installs what is missing, saying why", () => {
  assert.deepEqual(plan([], { root: false, apt: false }), { action: "none" });
  assert.deepEqual(
    plan([need(["nats-server"]), need(["chromium", "fonts-liberation"])], {
      root: true,
      apt: true,
    }),
    {
      action: "install",
      packages: ["nats-server", "chromium", "fonts-liberation"],
      reasons: [
        "nats-server: nats-server is needed",
        "chromium: chromium is needed",
      ],
    },
  );
});

Deno.test("setup plan: without root, or without apt-get, it stops with one line naming the command", () => {
  const user = plan([need(["nats-server"])], { root: false, apt: true });
  assert.equal(user.action, "stop");
  assert.equal(
    (user as { message: string }).message,
    "deno task test needs nats-server: run `sudo apt-get install -y nats-server`, then run it again.",
  );
  const noApt = plan([need(["strace"])], { root: true, apt: false });
  assert.match(
    (noApt as { message: string }).message,
    /install strace with your package manager/,
  );
});

Deno.test("setup script: a user without the packages is stopped at once, with exit code 1 and one line", async () => {
  const empty = await Deno.makeTempDir();
  const started = Date.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../scripts/setup.ts", import.meta.url).pathname,
    ],
    env: {
      MCB_SETUP_PATH: `${empty}:/usr/bin`,
      MCB_SETUP_AS_USER: "1",
      NO_COLOR: "1",
    },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const elapsed = Date.now() - started;
  await Deno.remove(empty, { recursive: true });
  const stderr = new TextDecoder().decode(out.stderr).trim();
  assert.equal(out.code, 1, stderr);
  assert.equal(stderr.split("\n").length, 1, `one line: ${stderr}`);
  // /usr/bin may hold chromium or strace here; nats-server (in /usr/sbin on
  // Debian) is outside the search list, so it is always missing, and so is
  // postgresql (initdb lives in /usr/lib/postgresql/<major>/bin, not /usr/bin).
  assert.match(
    stderr,
    /^deno task test needs [a-z, -]*nats-server[a-z, -]*: run `sudo apt-get install -y /,
  );
  assert.match(stderr, /postgresql/);
  assert.ok(elapsed < 30_000, `stopped at once (${elapsed} ms)`);
});

Deno.test("setup: every need names a Debian package and a reason", () => {
  for (const n of NEEDS) {
    assert.ok(n.packages.length > 0 && n.why.length > 10, JSON.stringify(n));
  }
  assert.deepEqual(NEEDS.map((n) => n.packages[0]), [
    "nats-server",
    "chromium",
    "strace",
    "postgresql",
  ]);
});
