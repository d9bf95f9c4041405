import assert from "node:assert/strict";
import { z } from "zod";
import {
  ConfigError,
  configFromEnv,
  defineEvents,
  ENV_ALIASES,
  ENV_VARIABLES,
  Secret,
} from "../mod.ts";
import { createEventBus } from "../src/config/mod.ts";

function envError(env: Record<string, string | undefined>): ConfigError {
  try {
    configFromEnv(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail(`expected configFromEnv(${JSON.stringify(env)}) to throw`);
}

const NATS = { MCB_EVENT_BUS_TRANSPORT: "nats" };

Deno.test("configFromEnv() reads every MCB_EVENT_BUS_* variable", () => {
  assert.deepEqual(Object.keys(ENV_VARIABLES), [
    "MCB_EVENT_BUS_TRANSPORT",
    "MCB_EVENT_BUS_SOURCE",
    "MCB_EVENT_BUS_NATS_SERVERS",
    "MCB_EVENT_BUS_NATS_TOKEN",
    "MCB_EVENT_BUS_NATS_USER",
    "MCB_EVENT_BUS_NATS_PASS",
    "MCB_EVENT_BUS_NATS_NKEY_SEED",
    "MCB_EVENT_BUS_NATS_CREDS",
    "MCB_EVENT_BUS_NATS_STREAM",
    "MCB_EVENT_BUS_NATS_SUBJECT_PREFIX",
  ]);
  const base = {
    ...NATS,
    MCB_EVENT_BUS_SOURCE: "/app/instance-9",
    MCB_EVENT_BUS_NATS_SERVERS: "wss://n1.example.com",
    MCB_EVENT_BUS_NATS_STREAM: "APP_EVENTS",
    MCB_EVENT_BUS_NATS_SUBJECT_PREFIX: "app.events",
  };
  const auth: [
    Record<string, string>,
    "token" | "pass" | "nkeySeed" | "creds",
    string,
  ][] = [
    [{ MCB_EVENT_BUS_NATS_TOKEN: "tok-SECRET-123" }, "token", "tok-SECRET-123"],
    [
      {
        MCB_EVENT_BUS_NATS_USER: "bob",
        MCB_EVENT_BUS_NATS_PASS: "pass-SECRET-123",
      },
      "pass",
      "pass-SECRET-123",
    ],
    [
      { MCB_EVENT_BUS_NATS_NKEY_SEED: "SU-SECRET-SEED" },
      "nkeySeed",
      "SU-SECRET-SEED",
    ],
    [
      { MCB_EVENT_BUS_NATS_CREDS: "creds-SECRET-456" },
      "creds",
      "creds-SECRET-456",
    ],
  ];
  for (const [vars, key, value] of auth) {
    const config = configFromEnv({ ...base, ...vars });
    assert.equal(config.transport, "nats");
    if (config.transport !== "nats") return;
    assert.equal(config.source, "/app/instance-9");
    assert.deepEqual(config.nats.servers, ["wss://n1.example.com"]);
    assert.equal(config.nats.stream, "APP_EVENTS");
    assert.equal(config.nats.subjectPrefix, "app.events");
    const secret = config.nats[key];
    assert.ok(secret instanceof Secret, key);
    assert.equal(secret.reveal(), value);
    assert.ok(!JSON.stringify(config).includes(value));
    assert.ok(!Deno.inspect(config, { depth: 10 }).includes(value));
    if (key === "pass") assert.equal(config.nats.user, "bob");
  }
});

Deno.test("configFromEnv() with no variables selects local", () => {
  assert.deepEqual(configFromEnv({}), { transport: "local" });
  assert.deepEqual(configFromEnv({ MCB_EVENT_BUS_SOURCE: "/s" }), {
    transport: "local",
    source: "/s",
  });
});

Deno.test("configFromEnv() splits comma-separated servers", () => {
  const config = configFromEnv({
    ...NATS,
    MCB_EVENT_BUS_NATS_SERVERS: " ws://a:1 , wss://b:2,,ws://c:3 ",
  });
  assert.ok(config.transport === "nats");
  assert.deepEqual(config.nats.servers, ["ws://a:1", "wss://b:2", "ws://c:3"]);
});

Deno.test("configFromEnv() reads the MCP_EVENT_BUS_TYPE and MCP_NATS_URL aliases", () => {
  assert.deepEqual(ENV_ALIASES, {
    MCP_EVENT_BUS_TYPE: "MCB_EVENT_BUS_TRANSPORT",
    MCP_NATS_URL: "MCB_EVENT_BUS_NATS_SERVERS",
  });
  assert.equal(
    configFromEnv({ MCP_EVENT_BUS_TYPE: "tokio" }).transport,
    "local",
  );
  assert.equal(
    configFromEnv({ MCP_EVENT_BUS_TYPE: "Tokio" }).transport,
    "local",
  );
  const config = configFromEnv({
    MCP_EVENT_BUS_TYPE: "nats",
    MCP_NATS_URL: "ws://legacy:8080,ws://l2:8080",
  });
  assert.ok(config.transport === "nats");
  assert.deepEqual(config.nats.servers, ["ws://legacy:8080", "ws://l2:8080"]);
});

Deno.test("configFromEnv() prefers MCB_* over MCP_*", () => {
  const config = configFromEnv({
    MCB_EVENT_BUS_TRANSPORT: "nats",
    MCP_EVENT_BUS_TYPE: "tokio",
    MCB_EVENT_BUS_NATS_SERVERS: "ws://new:1",
    MCP_NATS_URL: "ws://old:1",
  });
  assert.ok(config.transport === "nats");
  assert.deepEqual(config.nats.servers, ["ws://new:1"]);
  assert.equal(
    configFromEnv({
      MCB_EVENT_BUS_TRANSPORT: "local",
      MCP_EVENT_BUS_TYPE: "nats",
    }).transport,
    "local",
  );
});

Deno.test("configFromEnv() treats empty values as unset", () => {
  assert.deepEqual(
    configFromEnv({
      MCB_EVENT_BUS_TRANSPORT: "",
      MCB_EVENT_BUS_SOURCE: "",
      MCP_EVENT_BUS_TYPE: "",
    }),
    { transport: "local" },
  );
  // An empty MCB_* falls back to its MCP_* alias.
  const config = configFromEnv({
    MCB_EVENT_BUS_TRANSPORT: "",
    MCP_EVENT_BUS_TYPE: "nats",
    MCB_EVENT_BUS_NATS_SERVERS: "",
    MCP_NATS_URL: "ws://alias:1",
    MCB_EVENT_BUS_NATS_TOKEN: "",
    MCB_EVENT_BUS_NATS_STREAM: "",
  });
  assert.ok(config.transport === "nats");
  assert.deepEqual(config.nats.servers, ["ws://alias:1"]);
  assert.equal(config.nats.token, undefined);
  assert.equal(config.nats.stream, "MCB_EVENTS");
});

Deno.test("configFromEnv() errors name the environment variable", () => {
  const servers = envError({
    ...NATS,
    MCB_EVENT_BUS_NATS_SERVERS: "localhost",
  });
  assert.match(servers.message, /MCB_EVENT_BUS_NATS_SERVERS/);
  assert.match(servers.message, /ws:\/\/ or wss:\/\//);
  assert.ok(servers.issues[0].path.startsWith("MCB_EVENT_BUS_NATS_SERVERS"));
  const second = envError({
    ...NATS,
    MCB_EVENT_BUS_NATS_SERVERS: "ws://ok,nats://bad:4222",
  });
  assert.equal(
    second.issues[0].path,
    "MCB_EVENT_BUS_NATS_SERVERS (nats.servers[1])",
  );
  assert.match(
    envError({ MCB_EVENT_BUS_TRANSPORT: "kafka" }).message,
    /MCB_EVENT_BUS_TRANSPORT.*"kafka"/,
  );
  assert.match(
    envError({ MCP_EVENT_BUS_TYPE: "kafka" }).message,
    /MCB_EVENT_BUS_TRANSPORT/,
  );
  assert.match(
    envError({ MCB_EVENT_BUS_SOURCE: "has space" }).message,
    /MCB_EVENT_BUS_SOURCE/,
  );
  assert.match(
    envError({
      ...NATS,
      MCB_EVENT_BUS_NATS_SERVERS: "ws://a",
      MCB_EVENT_BUS_NATS_STREAM: "a.b",
    }).message,
    /MCB_EVENT_BUS_NATS_STREAM/,
  );
  assert.match(
    envError({
      ...NATS,
      MCB_EVENT_BUS_NATS_SERVERS: "ws://a",
      MCB_EVENT_BUS_NATS_SUBJECT_PREFIX: "a.*",
    }).message,
    /MCB_EVENT_BUS_NATS_SUBJECT_PREFIX/,
  );
  assert.match(envError(NATS).message, /MCB_EVENT_BUS_NATS_SERVERS/);
  assert.match(
    envError({ ...NATS, MCB_EVENT_BUS_NATS_SERVERS: " , " }).message,
    /MCB_EVENT_BUS_NATS_SERVERS/,
  );
  // The same issues, re-keyed for the environment: no cause repeating them.
  assert.equal(envError({ MCB_EVENT_BUS_TRANSPORT: "kafka" }).cause, undefined);
});

Deno.test("configFromEnv() errors never contain a secret", () => {
  const env = {
    ...NATS,
    MCB_EVENT_BUS_NATS_SERVERS: "ws://a",
    MCB_EVENT_BUS_NATS_TOKEN: "tok-SECRET-123",
    MCB_EVENT_BUS_NATS_USER: "bob",
  };
  const error = envError(env);
  assert.match(error.message, /MCB_EVENT_BUS_NATS_PASS/);
  assert.match(error.message, /at most one authentication method/);
  const passOnly = envError({
    ...NATS,
    MCB_EVENT_BUS_NATS_SERVERS: "ws://a",
    MCB_EVENT_BUS_NATS_PASS: "pass-SECRET-123",
  });
  assert.match(passOnly.message, /MCB_EVENT_BUS_NATS_USER/);
  const url = envError({
    ...NATS,
    MCB_EVENT_BUS_NATS_SERVERS: "nats://bob:url-SECRET-789@h:4222",
  });
  for (const e of [error, passOnly, url]) {
    const shown = [
      e.message,
      Deno.inspect(e, { depth: 10 }),
      JSON.stringify(e.issues),
    ];
    for (const text of shown) assert.ok(!/SECRET/.test(text), text);
  }
});

const catalog = defineEvents({
  "context.updated": z.object({ path: z.string() }),
});

Deno.test("createEventBus() without config returns a local bus that delivers", async () => {
  await using bus = await createEventBus(catalog);
  assert.equal(bus.transport, "local");
  const seen: string[] = [];
  bus.subscribe("context.*", (event) => {
    seen.push(event.data.path);
  });
  await bus.publish("context.updated", { path: "/src/main.ts" });
  assert.deepEqual(seen, ["/src/main.ts"]);
});

Deno.test("createEventBus() applies source and validate from the config", async () => {
  await using bus = await createEventBus(
    catalog,
    configFromEnv({ MCB_EVENT_BUS_SOURCE: "/env/source" }),
  );
  assert.equal(bus.transport, "local");
  const event = await bus.publish("context.updated", { path: "/a" });
  assert.equal(event.source, "/env/source");
  await using lax = await createEventBus(catalog, { validate: false });
  // @ts-expect-error validate: false lets wrong data through
  const unchecked = await lax.publish("context.updated", { path: 1 });
  assert.deepEqual(unchecked.data, { path: 1 });
});

Deno.test("createEventBus() rejects an invalid config with ConfigError", async () => {
  await assert.rejects(
    () => createEventBus(catalog, { transport: "kafka" } as never),
    (error: unknown) =>
      error instanceof ConfigError && /transport/.test(error.message),
  );
  await assert.rejects(
    () =>
      createEventBus(catalog, {
        transport: "nats",
        nats: { servers: "localhost", token: "tok-SECRET-123" },
      }),
    (error: unknown) =>
      error instanceof ConfigError && /nats\.servers/.test(error.message) &&
      !error.message.includes("tok-SECRET-123"),
  );
  await assert.rejects(
    () => createEventBus(catalog, { sorce: "/x" } as never),
    ConfigError,
  );
});
