import assert from "node:assert/strict";
import { DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX, parseConfig } from "../mod.ts";
import { configError, issueAt, nats } from "./_config_helpers.ts";

Deno.test("parseConfig() turns {} into the local transport", () => {
  assert.deepEqual(parseConfig({}), { transport: "local" });
  assert.deepEqual(parseConfig({ transport: "local" }), { transport: "local" });
});

Deno.test("parseConfig() keeps local source, validate and onError", () => {
  const onError = () => {};
  const config = parseConfig({
    transport: "local",
    source: "/app/1",
    validate: false,
    onError,
  });
  assert.deepEqual(config, {
    transport: "local",
    source: "/app/1",
    validate: false,
    onError,
  });
  assert.match(
    issueAt(configError({ source: "has space" }), "source"),
    /URI-reference/,
  );
  assert.match(issueAt(configError({ source: "" }), "source"), /URI-reference/);
  assert.match(
    issueAt(configError({ validate: "yes" }), "validate"),
    /expected boolean/,
  );
  assert.match(issueAt(configError({ onError: 1 }), "onError"), /function/);
});

Deno.test("parseConfig() normalizes nats servers and fills defaults", () => {
  const one = parseConfig({
    transport: "nats",
    nats: { servers: "ws://127.0.0.1:8080" },
  });
  assert.deepEqual(one, {
    transport: "nats",
    nats: {
      servers: ["ws://127.0.0.1:8080"],
      stream: "MCB_EVENTS",
      subjectPrefix: "mcb.events",
      ephemeralPrefix: "mcb.events_ephemeral",
      ephemeralEncoding: "structured",
      provision: true,
      duplicateWindow: 120_000,
      maxAge: 0,
      maxMsgs: -1,
      maxBytes: -1,
      storage: "file",
      replicas: 1,
      publishTimeout: 10_000,
      ackWait: 30_000,
      maxDeliver: 5,
      maxEventBytes: 1_048_576,
      connectTimeout: 5000,
      reconnectTimeWait: 1000,
      reconnectJitter: 500,
      maxReconnectAttempts: -1,
    },
  });
  const servers = ["ws://a:1", "wss://b:2"];
  const many = parseConfig({ transport: "nats", nats: { servers } });
  assert.ok(many.transport === "nats");
  assert.deepEqual(many.nats.servers, servers);
  assert.notEqual(many.nats.servers, servers, "the input array is copied");
  assert.equal(DEFAULT_STREAM, "MCB_EVENTS");
  assert.equal(DEFAULT_SUBJECT_PREFIX, "mcb.events");
  const custom = parseConfig(
    nats({ stream: "MY-STREAM_1", subjectPrefix: "app.ev" }),
  );
  assert.ok(custom.transport === "nats");
  assert.equal(custom.nats.stream, "MY-STREAM_1");
  assert.equal(custom.nats.subjectPrefix, "app.ev");
});

Deno.test("parseConfig() names a bad transport value", () => {
  assert.equal(
    issueAt(configError({ transport: "kafka" }), "transport"),
    'expected "local" or "nats", got "kafka"',
  );
  assert.match(
    issueAt(configError({ transport: 5 }), "transport"),
    /"local" or "nats", got 5/,
  );
  assert.match(
    issueAt(configError({ transport: "NATS" }), "transport"),
    /"NATS"/,
  );
});

Deno.test("parseConfig() rejects non-ws nats servers naming nats.servers", () => {
  for (const servers of ["localhost", "nats://x:4222", "http://x:8080"]) {
    const message = issueAt(configError(nats({ servers })), "nats.servers");
    assert.match(message, /ws:\/\/ or wss:\/\//);
    assert.ok(message.includes(JSON.stringify(servers)), message);
  }
  const indexed = configError(
    nats({ servers: ["ws://ok:1", "nats://x:4222"] }),
  );
  assert.match(issueAt(indexed, "nats.servers[1]"), /ws:\/\/ or wss:\/\//);
  assert.match(
    issueAt(configError(nats({ servers: ["localhost"] })), "nats.servers[0]"),
    /ws:\/\/ or wss:\/\//,
  );
});

Deno.test("parseConfig() rejects an empty nats.servers array", () => {
  assert.match(
    issueAt(configError(nats({ servers: [] })), "nats.servers"),
    /at least one ws:\/\/ or wss:\/\/ URL/,
  );
});

Deno.test("parseConfig() reports a missing nats section or servers", () => {
  assert.match(
    issueAt(configError({ transport: "nats" }), "nats"),
    /expected object, but it is missing/,
  );
  assert.match(
    issueAt(configError({ transport: "nats", nats: {} }), "nats.servers"),
    /expected a ws:\/\/ or wss:\/\/ URL or an array of them, but it is missing/,
  );
  assert.match(
    issueAt(configError(nats({ servers: 5 })), "nats.servers"),
    /expected string or array, received number/,
  );
});

Deno.test("parseConfig() reports unknown keys", () => {
  const top = configError({ transport: "local", sorce: "x" });
  assert.ok(top.issues.some((i) => i.message.includes('"sorce"')), top.message);
  assert.match(
    top.message,
    /unexpected keys "sorce" \(did you mean "source"\?\)/,
  );
  const inNats = configError(nats({ tokn: "tok-SECRET-123" }));
  assert.match(
    issueAt(inNats, "nats"),
    /unexpected keys "tokn" \(did you mean "token"\?\)/,
  );
  assert.ok(!inNats.message.includes("tok-SECRET-123"));
  const nest = configError({
    transport: "nats",
    nats: { servers: "ws://a" },
    servers: "ws://b",
  });
  assert.match(nest.message, /"servers"/);
});

Deno.test("parseConfig() requires user and pass together", () => {
  assert.equal(
    issueAt(configError(nats({ user: "bob" })), "nats.pass"),
    "required when nats.user is set",
  );
  const passOnly = configError(nats({ pass: "pass-SECRET-123" }));
  assert.equal(
    issueAt(passOnly, "nats.user"),
    "required when nats.pass is set",
  );
  assert.ok(!passOnly.message.includes("pass-SECRET-123"));
  const ok = parseConfig(nats({ user: "bob", pass: "pass-SECRET-123" }));
  assert.ok(ok.transport === "nats");
  assert.equal(ok.nats.user, "bob");
});

Deno.test("parseConfig() rejects two authentication methods", () => {
  const error = configError(
    nats({ token: "tok-SECRET-123", nkeySeed: "SU-SECRET-SEED" }),
  );
  assert.match(
    issueAt(error, "nats"),
    /at most one authentication method, got token, nkeySeed/,
  );
  const three = configError(
    nats({
      creds: "creds-SECRET",
      user: "u",
      pass: "pass-SECRET-123",
      token: "tok-SECRET-123",
    }),
  );
  assert.match(issueAt(three, "nats"), /token, user\/pass, creds/);
  for (const error_ of [error, three]) {
    assert.ok(!/SECRET/.test(error_.message), error_.message);
  }
});

Deno.test("parseConfig() rejects empty or non-string secrets without echoing them", () => {
  assert.match(
    issueAt(configError(nats({ token: "" })), "nats.token"),
    /at least 1/,
  );
  assert.match(
    issueAt(configError(nats({ creds: 12345 })), "nats.creds"),
    /non-empty string or a Secret/,
  );
  assert.ok(!configError(nats({ creds: 98765 })).message.includes("98765"));
});

Deno.test("parseConfig() rejects a bad stream name and a wildcard subjectPrefix", () => {
  for (const stream of ["a.b", "has space", "", "x".repeat(256), "a*"]) {
    assert.match(
      issueAt(configError(nats({ stream })), "nats.stream"),
      /A-Z, a-z, 0-9/,
    );
  }
  for (const subjectPrefix of ["mcb.*", "mcb.>", "mcb..events", "", "a b"]) {
    const message = issueAt(
      configError(nats({ subjectPrefix })),
      "nats.subjectPrefix",
    );
    assert.match(message, /no wildcards/);
  }
});

Deno.test("parseConfig() rejects a non-object input", () => {
  for (
    const [input, kind] of [["x", "string"], [null, "null"], [[], "array"], [
      42,
      "number",
    ], [undefined, "undefined"]] as const
  ) {
    assert.equal(
      issueAt(configError(input), "(root)"),
      `expected an object, got ${kind}`,
    );
  }
});

Deno.test("parseConfig() rejects credentials inside a server URL without echoing them", () => {
  const error = configError(nats({ servers: "wss://bob:p@ss-SECRET@x:4222" }));
  assert.match(issueAt(error, "nats.servers"), /use nats.user and nats.pass/);
  assert.ok(!error.message.includes("SECRET"), error.message);
  assert.ok(!error.message.includes("bob"), error.message);
});

Deno.test("parseConfig() rejects an ephemeral prefix inside the stream's subjects", () => {
  const error = configError(
    nats({ subjectPrefix: "a.b", ephemeralPrefix: "a.b.eph" }),
  );
  assert.match(issueAt(error, "nats.ephemeralPrefix"), /outside "a\.b\.>"/);
});

Deno.test("parseConfig() rejects out-of-range nats numbers with the value", () => {
  const error = configError(nats({ replicas: 0, maxDeliver: 1.5 }));
  assert.match(issueAt(error, "nats.replicas"), /integer >= 1, got 0/);
  assert.match(issueAt(error, "nats.maxDeliver"), /integer >= 1, got 1.5/);
});
