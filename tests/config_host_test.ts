// loadConfig's defaults (src/config/host.ts, #config-host): on Deno it reads
// files and the environment itself; without --allow-env it says which flag,
// and `env: {}` reads none.
import assert from "node:assert/strict";
import { loadConfig } from "../src/config/mod.ts";

Deno.test("loadConfig on Deno reads the file and the environment without being handed readers", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/bus.toml`;
  await Deno.writeTextFile(
    file,
    '[event_bus]\ntransport = "nats"\n[event_bus.nats]\nservers = "ws://127.0.0.1:1"\nstream = "FROM_FILE"\n',
  );
  Deno.env.set("MCB_EVENT_BUS_NATS_SUBJECT_PREFIX", "from.env");
  try {
    const config = await loadConfig({ file });
    assert.equal(config.transport, "nats");
    if (config.transport !== "nats") return;
    assert.equal(config.nats.stream, "FROM_FILE");
    assert.equal(config.nats.subjectPrefix, "from.env", "the environment wins");
    const none = await loadConfig({ file, env: {} });
    assert.equal(
      none.transport === "nats" && none.nats.subjectPrefix,
      "mcb.events",
      "env: {} reads no variable",
    );
  } finally {
    Deno.env.delete("MCB_EVENT_BUS_NATS_SUBJECT_PREFIX");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadConfig on Deno without --allow-env names the flag (and env: {} works)", async () => {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/load.ts`;
  const config = new URL("../src/config/mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { loadConfig } from ${JSON.stringify(config)};
try { await loadConfig(); console.log("no error"); } catch (e) { console.log(e.name + ": " + e.message); }
console.log(JSON.stringify(await loadConfig({ env: {} })));`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--config",
      new URL("../deno.json", import.meta.url).pathname,
      "--allow-read",
      script,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(dir, { recursive: true });
  const [first, second] = new TextDecoder().decode(out.stdout).trim().split(
    "\n",
  );
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(
    first,
    "TypeError: loadConfig reads the MCB_EVENT_BUS_* environment variables: run with --allow-env, or pass env (e.g. env: {} to read none)",
  );
  assert.equal(JSON.parse(second).transport, "local");
});
