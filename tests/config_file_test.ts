// loadConfig: configuration files (JSON, JSONC, TOML), precedence, errors,
// unknown keys, secret files, the examples and the committed JSON Schema.
import assert from "node:assert/strict";
import { ConfigError } from "../mod.ts";
import { loadConfig, type LoadConfigOptions } from "../src/config/mod.ts";
import { schemaText } from "../scripts/schema.ts";
import { run } from "../scripts/cli.ts";

const SECRET = "hunter2-s3cr3t";

/** loadConfig over an in-memory file system. */
function load(
  files: Record<string, string>,
  options: Omit<LoadConfigOptions, "readTextFile"> = {},
) {
  return loadConfig({
    readTextFile: (path) =>
      Object.hasOwn(files, path)
        ? Promise.resolve(files[path])
        : Promise.reject(new Error(`no such file: ${path}`)),
    ...options,
  });
}

/** The ConfigError loadConfig rejects with; checks no secret leaks. */
async function loadError(
  files: Record<string, string>,
  options: Omit<LoadConfigOptions, "readTextFile"> = {},
): Promise<ConfigError> {
  try {
    await load(files, options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.ok(!error.message.includes(SECRET), error.message);
    assert.ok(!error.message.includes("hunter2"), error.message);
    return error;
  }
  assert.fail("expected loadConfig to reject");
}

const paths = (error: ConfigError) => error.issues.map((i) => i.path);

Deno.test("loadConfig: TOML, JSON and JSONC files give the same config", async () => {
  const toml = `transport = "nats"
source = "/app/1"
[nats]
servers = ["ws://127.0.0.1:8080", "wss://b.example.com"]
subject_prefix = "app.events"
max_age = 60_000
`;
  const json = JSON.stringify({
    transport: "nats",
    source: "/app/1",
    nats: {
      servers: ["ws://127.0.0.1:8080", "wss://b.example.com"],
      subjectPrefix: "app.events",
      maxAge: 60000,
    },
  });
  const jsonc = `// comment with "quotes" and a // inside
{
  /* block */ "transport": "nats", "source": "/app/1",
  "nats": {
    "servers": ["ws://127.0.0.1:8080", "wss://b.example.com",],
    "subject_prefix": "app.events", // a trailing comment
    "max_age": 60000,
  },
}`;
  const files = { "a.toml": toml, "a.json": json, "a.jsonc": jsonc };
  const configs = await Promise.all(
    Object.keys(files).map((file) => load(files, { file })),
  );
  for (const config of configs) {
    assert.equal(config.transport, "nats");
    if (config.transport !== "nats") return;
    assert.deepEqual(config.nats.servers, [
      "ws://127.0.0.1:8080",
      "wss://b.example.com",
    ]);
    assert.equal(config.nats.subjectPrefix, "app.events");
    assert.equal(config.nats.maxAge, 60000);
    assert.equal(config.source, "/app/1");
  }
  assert.deepEqual(
    JSON.stringify(configs[0]),
    JSON.stringify(configs[2]),
  );
});

Deno.test("loadConfig: JSONC strings may hold comment markers", async () => {
  const config = await load({
    "a.jsonc": '{ "source": "/a//b/*c*/" /* x */ }',
  }, { file: "a.jsonc" });
  assert.equal(config.source, "/a//b/*c*/");
});

Deno.test("loadConfig: no file, no env: the defaults (local)", async () => {
  const config = await loadConfig();
  assert.equal(config.transport, "local");
});

Deno.test("loadConfig: an [event_bus] or eventBus section inside an application's file", async () => {
  const toml = `[app]
port = 8080
[event_bus]
transport = "local"
history = 5
`;
  const fromToml = await load({ "app.toml": toml }, { file: "app.toml" });
  assert.deepEqual({ ...fromToml }, { transport: "local", history: 5 });
  const fromJson = await load({
    "app.json": '{"port": 1, "eventBus": {"history": 7}}',
  }, { file: "app.json" });
  assert.equal((fromJson as { history?: number }).history, 7);
  const both = await loadError({
    "app.json": '{"event_bus": {}, "eventBus": {}}',
  }, { file: "app.json" });
  assert.match(
    both.message,
    /app\.json: eventBus: set either event_bus or eventBus/,
  );
  const notTable = await loadError({ "a.toml": 'event_bus = "x"' }, {
    file: "a.toml",
  });
  assert.deepEqual(paths(notTable), ["a.toml: event_bus"]);
});

Deno.test("loadConfig: precedence defaults < file < environment < overrides", async () => {
  const files = {
    "bus.toml": `transport = "nats"
source = "/from/file"
[nats]
servers = "ws://file:8080"
stream = "FILE"
subject_prefix = "file.events"
`,
  };
  const fileOnly = await load(files, { file: "bus.toml" });
  assert.ok(fileOnly.transport === "nats");
  assert.equal(fileOnly.nats.stream, "FILE");
  assert.equal(fileOnly.nats.replicas, 1, "default");

  const withEnv = await load(files, {
    file: "bus.toml",
    env: {
      MCB_EVENT_BUS_NATS_STREAM: "ENV",
      MCB_EVENT_BUS_SOURCE: "/from/env",
    },
  });
  assert.ok(withEnv.transport === "nats");
  assert.equal(withEnv.nats.stream, "ENV");
  assert.equal(withEnv.nats.subjectPrefix, "file.events", "file kept");
  assert.equal(withEnv.source, "/from/env");

  const withOverrides = await load(files, {
    file: "bus.toml",
    env: { MCB_EVENT_BUS_NATS_STREAM: "ENV" },
    overrides: { source: "/from/code", nats: { stream: "CODE" } },
  });
  assert.ok(withOverrides.transport === "nats");
  assert.equal(withOverrides.nats.stream, "CODE");
  assert.deepEqual(withOverrides.nats.servers, ["ws://file:8080"]);
  assert.equal(withOverrides.source, "/from/code");

  // The environment switches the transport; the file's nats section is unused.
  const local = await load(files, {
    file: "bus.toml",
    env: { MCB_EVENT_BUS_TRANSPORT: "tokio" },
  });
  assert.equal(local.transport, "local");
  assert.equal("nats" in local, false);
});

Deno.test("loadConfig: errors name the file, the key path and the expected form", async () => {
  const error = await loadError({
    "mcb.toml": `[event_bus]
transport = "nats"
[event_bus.nats]
servers = ["localhost"]
`,
  }, { file: "mcb.toml" });
  assert.equal(
    error.message,
    'Invalid event bus configuration: mcb.toml: event_bus.nats.servers[0]: expected a ws:// or wss:// URL, got "localhost"',
  );
  const many = await loadError({
    "bus.json": JSON.stringify({
      transport: "nats",
      history: 3,
      nats: { servers: "ws://a", max_age: -1, storage: "disk", user: "u" },
    }),
  }, { file: "bus.json" });
  assert.deepEqual(paths(many).sort(), [
    "bus.json: nats.max_age",
    "bus.json: nats.storage",
  ]);
  assert.match(
    many.message,
    /nats\.max_age: expected milliseconds as a number >= 0 or a duration string like "30s", got -1/,
  );
  assert.match(
    many.message,
    /nats\.storage: expected "file" or "memory", got "disk"/,
  );
  const pass = await loadError({
    "bus.json":
      '{"transport": "nats", "nats": {"servers": "ws://a", "user": "u"}}',
  }, { file: "bus.json" });
  assert.deepEqual(paths(pass), ["bus.json: nats.pass"]);
  const transport = await loadError({ "a.toml": 'transport = "kafka"' }, {
    file: "a.toml",
  });
  assert.match(
    transport.message,
    /a\.toml: transport: expected "local" or "nats", got "kafka"/,
  );
  const fromEnv = await loadError({
    "a.toml": 'transport = "nats"\nnats.servers = "ws://a"',
  }, {
    file: "a.toml",
    env: { MCB_EVENT_BUS_NATS_SERVERS: "localhost" },
  });
  assert.deepEqual(paths(fromEnv), [
    "MCB_EVENT_BUS_NATS_SERVERS (nats.servers[0])",
  ]);
  const fromOverride = await loadError({}, {
    overrides: { transport: "nats", nats: { servers: "x" } },
  });
  assert.deepEqual(paths(fromOverride), ["overrides: nats.servers"]);
});

Deno.test("loadConfig: unknown keys are reported with their path, not dropped", async () => {
  const error = await loadError({
    "mcb.toml": `[event_bus]
transprot = "nats"
onError = "x"
[event_bus.nats]
servers = "ws://a"
subjct_prefix = "x"
qqqqqq = 1
`,
  }, { file: "mcb.toml" });
  assert.deepEqual(paths(error), [
    "mcb.toml: event_bus.transprot",
    "mcb.toml: event_bus.onError",
    "mcb.toml: event_bus.nats.subjct_prefix",
    "mcb.toml: event_bus.nats.qqqqqq",
  ]);
  assert.match(
    error.message,
    /transprot: unknown key \(did you mean "transport"\?\)/,
  );
  assert.match(
    error.message,
    /subjct_prefix: unknown key \(did you mean "subject_prefix"\?\)/,
  );
  assert.match(
    error.message,
    /qqqqqq: unknown key \(expected one of servers, token, /,
  );
  const twice = await loadError({
    "a.json": '{"nats": {"subjectPrefix": "a", "subject_prefix": "b"}}',
  }, { file: "a.json" });
  assert.deepEqual(paths(twice), ["a.json: nats.subject_prefix"]);
  assert.match(twice.message, /set twice \(also as "subjectPrefix"\)/);
});

Deno.test("loadConfig: file-level errors: unreadable, extension, syntax (with line), no reader given", async () => {
  const missing = await loadError({}, { file: "none.toml" });
  assert.deepEqual(paths(missing), ["none.toml"]);
  assert.match(missing.message, /none\.toml: cannot read it \(no such file/);
  const ext = await loadError({ "a.yaml": "" }, { file: "a.yaml" });
  assert.match(
    ext.message,
    /a\.yaml: expected a \.json, \.jsonc or \.toml file/,
  );
  const json = await loadError({
    "a.json": `{\n  "nats": {\n    "token": ${SECRET}\n  }\n}`,
  }, { file: "a.json" });
  assert.match(
    json.message,
    /a\.json: not valid JSON: expected a value, found a value character at line 3, column 14/,
  );
  const comment = await loadError({ "a.json": "// x\n{}" }, { file: "a.json" });
  assert.match(
    comment.message,
    /comments are not allowed in JSON .* at line 1, column 1/,
  );
  const duplicate = await loadError({
    "a.jsonc": '{"source": "/a",\n "source": "/b"}',
  }, { file: "a.jsonc" });
  assert.match(
    duplicate.message,
    /a\.jsonc: not valid JSONC: duplicate key "source" at line 2, column 2/,
  );
  const toml = await loadError({
    "a.toml": `[nats]\ntoken = ${SECRET}\n`,
  }, { file: "a.toml" });
  assert.match(
    toml.message,
    /a\.toml: not valid TOML: .* at line 2, column \d+/,
  );
  const array = await loadError({ "a.json": "[]" }, { file: "a.json" });
  assert.match(
    array.message,
    /a\.json: expected an object at the top level, got array/,
  );
  // No reader given: the runtime's own reads the disk (Deno's, or
  // node:fs on Node and Bun; browsers and Workers have none: there
  // loadConfig asks for readTextFile).
  await assert.rejects(
    () => loadConfig({ file: "no-such-dir/a.toml", env: {} }),
    (e: Error) =>
      e instanceof ConfigError &&
      /no-such-dir\/a\.toml: cannot read it \((No such file|ENOENT)/.test(
        e.message,
      ),
  );
});

Deno.test("loadConfig: secrets never appear in errors or in the result's JSON", async () => {
  const error = await loadError({
    "a.toml": `transport = "nats"
[nats]
servers = "ws://a"
token = "${SECRET}"
pass = "${SECRET}"
`,
  }, { file: "a.toml" });
  assert.match(
    error.message,
    /a\.toml: nats\.user: required when nats\.pass is set/,
  );
  const config = await load({
    "a.toml":
      `transport = "nats"\n[nats]\nservers = "ws://a"\ntoken = "${SECRET}"\n`,
  }, { file: "a.toml" });
  assert.ok(!JSON.stringify(config).includes(SECRET));
  assert.ok(!String(Deno.inspect(config)).includes(SECRET));
});

Deno.test("loadConfig: token_file, pass_file, nkey_seed_file and creds_file read secrets", async () => {
  const creds =
    "-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER JWT------\n";
  const files = {
    "/etc/app/bus.toml": `transport = "nats"
[nats]
servers = "wss://nats.example.com"
token_file = "/run/secrets/nats_token"
`,
    "/run/secrets/nats_token": `${SECRET}\n`,
    "/etc/app/creds.toml": `transport = "nats"
[nats]
servers = "wss://nats.example.com"
creds_file = "mcb.creds"
`,
    "/etc/app/mcb.creds": creds,
    "/etc/app/userpass.json": JSON.stringify({
      transport: "nats",
      nats: { servers: "ws://a", user: "u", passFile: "/run/secrets/pass" },
    }),
    "/run/secrets/pass": SECRET,
    "/etc/app/nkey.toml": `transport = "nats"
nats = { servers = "ws://a", nkey_seed_file = "/run/secrets/seed" }
`,
    "/run/secrets/seed": "SUAEXAMPLE\n",
  };
  const token = await load(files, { file: "/etc/app/bus.toml" });
  assert.ok(token.transport === "nats");
  assert.equal(token.nats.token?.reveal(), SECRET, "trailing newline removed");
  assert.ok(!JSON.stringify(token).includes(SECRET));
  const fromCreds = await load(files, { file: "/etc/app/creds.toml" });
  assert.ok(fromCreds.transport === "nats");
  assert.equal(fromCreds.nats.creds?.reveal(), creds, "relative to the file");
  const userPass = await load(files, { file: "/etc/app/userpass.json" });
  assert.ok(userPass.transport === "nats");
  assert.equal(userPass.nats.pass?.reveal(), SECRET);
  const nkey = await load(files, { file: "/etc/app/nkey.toml" });
  assert.ok(nkey.transport === "nats");
  assert.equal(nkey.nats.nkeySeed?.reveal(), "SUAEXAMPLE");
  // The environment still wins over a secret file.
  const env = await load(files, {
    file: "/etc/app/bus.toml",
    env: { MCB_EVENT_BUS_NATS_TOKEN: "from-env" },
  });
  assert.ok(env.transport === "nats");
  assert.equal(env.nats.token?.reveal(), "from-env");
});

Deno.test("loadConfig: secret file errors name the key and the file, not the secret", async () => {
  const base = `transport = "nats"\n[nats]\nservers = "ws://a"\n`;
  const unreadable = await loadError({
    "a.toml": `${base}token_file = "/run/secrets/none"\n`,
  }, { file: "a.toml" });
  assert.deepEqual(paths(unreadable), ["a.toml: nats.token_file"]);
  assert.match(unreadable.message, /cannot read "\/run\/secrets\/none"/);
  const empty = await loadError({
    "a.toml": `${base}token_file = "/t"\n`,
    "/t": "\n",
  }, { file: "a.toml" });
  assert.match(empty.message, /a\.toml: nats\.token_file: "\/t" is empty/);
  const both = await loadError({
    "a.toml": `${base}token = "${SECRET}"\ntoken_file = "/t"\n`,
    "/t": SECRET,
  }, { file: "a.toml" });
  assert.match(
    both.message,
    /a\.toml: nats\.token_file: set either token or token_file, not both/,
  );
  const notString = await loadError({
    "a.toml": `${base}creds_file = 1\n`,
  }, { file: "a.toml" });
  assert.match(
    notString.message,
    /a\.toml: nats\.creds_file: expected the path of a file, got number/,
  );
  const twoMethods = await loadError({
    "a.toml": `${base}token_file = "/t"\ncreds_file = "/c"\n`,
    "/t": SECRET,
    "/c": SECRET,
  }, { file: "a.toml" });
  assert.match(
    twoMethods.message,
    /a\.toml: nats: expected at most one authentication method, got token, creds/,
  );
});

const EXAMPLES = new URL("../examples/config/", import.meta.url);

Deno.test("examples/config/*: every example loads and validates", async () => {
  const readTextFile = (path: string) =>
    path.startsWith("/run/secrets/")
      ? Promise.resolve("example-secret\n")
      : Deno.readTextFile(path);
  const seen: string[] = [];
  for await (const entry of Deno.readDir(EXAMPLES)) {
    seen.push(entry.name);
    const file = new URL(entry.name, EXAMPLES).pathname;
    const config = await loadConfig({ file, readTextFile });
    assert.ok(config.transport === "local" || config.transport === "nats");
  }
  assert.deepEqual(seen.sort(), [
    "local.toml",
    "nats-cluster.toml",
    "nats.jsonc",
  ]);
  const cluster = await loadConfig({
    file: new URL("nats-cluster.toml", EXAMPLES).pathname,
    readTextFile,
  });
  assert.ok(cluster.transport === "nats");
  assert.equal(cluster.nats.servers.length, 3);
  assert.ok(cluster.nats.servers.every((s) => s.startsWith("wss://")));
  assert.equal(cluster.nats.replicas, 3);
  assert.equal(cluster.nats.creds?.reveal(), "example-secret\n");
});

Deno.test("schema/event-bus-config.schema.json is up to date (deno task schema)", async () => {
  const committed = await Deno.readTextFile(
    new URL("../schema/event-bus-config.schema.json", import.meta.url),
  );
  assert.equal(committed, schemaText(), "run `deno task schema`");
  const schema = JSON.parse(committed);
  const defs = schema.$defs;
  const nats = defs["bus.nats"].properties;
  for (
    const key of [
      "servers",
      "subject_prefix",
      "subjectPrefix",
      "token_file",
      "creds_file",
      "nkey_seed_file",
    ]
  ) {
    assert.ok(key in nats, key);
  }
  assert.equal(defs["nats.replicas"].type, "integer");
  assert.equal(defs["nats.stream"].default, "MCB_EVENTS");
  assert.match(defs["nats.stream"].description, /MCB_EVENT_BUS_NATS_STREAM/);
});

Deno.test("cli: --config reads TOML and reports file errors with their key path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/bus.toml`;
    await Deno.writeTextFile(
      file,
      '[event_bus]\ntransport = "nats"\n[event_bus.nats]\nservers = ["localhost"]\n',
    );
    const err: string[] = [];
    const code = await run([
      "publish",
      "cache.invalidate",
      "{}",
      "--config",
      file,
    ], {
      env: {},
      out: () => {},
      err: (line) => err.push(line),
      readFile: (path) => Deno.readTextFile(path),
      readStdin: () => Promise.resolve(""),
      signal: new AbortController().signal,
      color: false,
    });
    assert.equal(code, 2, err.join("\n"));
    assert.match(
      err.join("\n"),
      /bus\.toml: event_bus\.nats\.servers\[0\]: expected a ws:\/\/ or wss:\/\/ URL, got "localhost"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
