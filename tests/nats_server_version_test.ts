// Which nats-server the NATS tests run on, asserted rather than assumed.
//
// - `MCB_NATS_SERVER` unset (the default lane): the server found by
//   natsServerPath() (Debian bookworm's package) is 2.9.x and no
//   `sync_interval` is configured.
// - `MCB_NATS_SERVER` set (the 2.10 lane, `MCB_NATS_SYNC=always` required):
//   the binary is the 2.10.x pinned in scripts/runtimes/nats_server.ts, and
//   `sync_interval: always` is in effect: 2.10 reports it in `/varz` as
//   `jetstream.config.sync_always: true` (checked on a single server and on
//   every node of the fault suite's cluster).
import assert from "node:assert/strict";
import {
  natsServerPath,
  natsSyncInterval,
  startNatsServer,
} from "./nats_server.ts";
import { startNatsCluster } from "./faults/_cluster.ts";

const chosen = Deno.env.get("MCB_NATS_SERVER") || undefined;
const sync = Deno.env.get("MCB_NATS_SYNC") || undefined;

/** The pin, read from the installer (Deno only: a path outside tests/). */
async function pinnedVersion(): Promise<string> {
  // A computed specifier on purpose: the Node/Bun runs copy tests/ only, and
  // this import is needed only in the 2.10 lane, which runs under Deno.
  const installer = "../scripts/runtimes/nats_server.ts";
  const mod: { NATS_SERVER_210: { version: string } } = await import(
    new URL(installer, import.meta.url).href
  );
  return mod.NATS_SERVER_210.version;
}

async function printedVersion(bin: string): Promise<string> {
  const out = await new Deno.Command(bin, { args: ["--version"] }).output();
  const text = new TextDecoder().decode(out.stdout) +
    new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `${bin} --version failed: ${text}`);
  const m = /v(\d+\.\d+\.\d+)/.exec(text);
  assert.ok(m, `no version in "${text.trim()}"`);
  return m[1];
}

// deno-lint-ignore no-explicit-any
async function varz(monitorPort: number): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${monitorPort}/varz`);
  assert.equal(res.status, 200);
  return await res.json();
}

/** The expected server version: the pin (2.10 lane) or any 2.9.x. */
async function expectVersion(version: string, where: string): Promise<void> {
  if (chosen) {
    const pinned = await pinnedVersion();
    assert.match(pinned, /^2\.10\.\d+$/);
    assert.equal(version, pinned, `${where}: not the pinned ${pinned}`);
  } else {
    assert.match(version, /^2\.9\.\d+$/, `${where}: default server not 2.9`);
  }
}

Deno.test("the lane's settings are consistent (2.10 lane: MCB_NATS_SYNC=always)", () => {
  if (chosen) {
    assert.equal(
      sync,
      "always",
      "the 2.10 lane runs with MCB_NATS_SYNC=always (fsync per write)",
    );
  } else {
    assert.equal(
      sync,
      undefined,
      "MCB_NATS_SYNC needs MCB_NATS_SERVER: nats-server 2.9 has no sync_interval",
    );
  }
  assert.equal(natsSyncInterval(), sync);
});

Deno.test("natsServerPath() follows MCB_NATS_SERVER and the binary has the expected version", async () => {
  const bin = natsServerPath();
  if (chosen) assert.equal(bin, chosen);
  const version = await printedVersion(bin);
  console.log(`nats-server binary: ${bin} (v${version})`);
  await expectVersion(version, bin);
});

Deno.test("a started server reports the expected version and sync_interval in /varz", async () => {
  await using server = await startNatsServer();
  const version = await server.version();
  const config = await Deno.readTextFile(server.configFile);
  const js = (await varz(server.monitorPort)).jetstream?.config;
  console.log(
    `nats-server ${version}: jetstream.config ${JSON.stringify(js)}`,
  );
  await expectVersion(version, "/varz");
  assert.ok(js, "JetStream is enabled");
  if (sync === "always") {
    assert.match(config, /jetstream \{[^}]*sync_interval: always[^}]*\}/);
    assert.equal(js.sync_always, true, "/varz jetstream.config.sync_always");
  } else {
    assert.doesNotMatch(config, /sync_interval/);
    assert.notEqual(js.sync_always, true);
  }
});

Deno.test("every node of the fault suite's cluster runs the same version and sync setting", async () => {
  await using cluster = await startNatsCluster();
  for (const { name, server } of cluster.nodes) {
    const v = await varz(server.monitorPort);
    await expectVersion(v.version, `node ${name}`);
    assert.equal(v.jetstream?.config?.sync_always === true, sync === "always");
  }
  console.log(
    `cluster: ${cluster.nodes.length} nodes on nats-server ` +
      `${await cluster.nodes[0].server.version()}, sync_interval ${
        sync ?? "default (2 min)"
      }`,
  );
});

Deno.test("MCB_NATS_SYNC is validated (always or a duration)", () => {
  const saved = Deno.env.get("MCB_NATS_SYNC");
  try {
    for (const ok of ["always", "500ms", "10s", "2m"]) {
      Deno.env.set("MCB_NATS_SYNC", ok);
      assert.equal(natsSyncInterval(), ok);
    }
    Deno.env.set("MCB_NATS_SYNC", "sometimes; listen: 0.0.0.0");
    assert.throws(() => natsSyncInterval(), /MCB_NATS_SYNC/);
  } finally {
    if (saved === undefined) Deno.env.delete("MCB_NATS_SYNC");
    else Deno.env.set("MCB_NATS_SYNC", saved);
  }
});
