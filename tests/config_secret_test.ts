import assert from "node:assert/strict";
import { type NatsConfig, parseConfig, redactUrl, Secret } from "../mod.ts";
import { configError, issueAt, nats } from "./_config_helpers.ts";

/** Parses a nats config and returns its validated `nats` section. */
function natsOf(input: Record<string, unknown>): NatsConfig {
  const config = parseConfig(nats(input));
  if (config.transport !== "nats") assert.fail("expected the nats transport");
  return config.nats;
}

Deno.test("parseConfig() wraps every secret in Secret", () => {
  const token = natsOf({ token: "tok-SECRET-123" }).token;
  assert.ok(token instanceof Secret);
  assert.equal(token.reveal(), "tok-SECRET-123");
  const userPass = natsOf({ user: "bob", pass: "pass-SECRET-123" });
  assert.ok(userPass.pass instanceof Secret);
  assert.equal(userPass.pass.reveal(), "pass-SECRET-123");
  assert.equal(userPass.user, "bob");
  const nkeySeed = natsOf({ nkeySeed: "SU-SECRET-SEED" }).nkeySeed;
  assert.ok(nkeySeed instanceof Secret);
  assert.equal(nkeySeed.reveal(), "SU-SECRET-SEED");
  const creds = natsOf({ creds: "-----BEGIN NATS USER JWT-----c" }).creds;
  assert.ok(creds instanceof Secret);
  assert.equal(creds.reveal(), "-----BEGIN NATS USER JWT-----c");
  const given = new Secret("given-SECRET");
  assert.equal(natsOf({ token: given }).token, given);
});

Deno.test("parseConfig() output never shows a secret in JSON, String() or Deno.inspect()", () => {
  const values = [
    "tok-SECRET-123",
    "pass-SECRET-123",
    "SU-SECRET-SEED",
    "creds-SECRET-456",
  ];
  const configs = [
    parseConfig(nats({ token: values[0] })),
    parseConfig(nats({ user: "bob", pass: values[1] })),
    parseConfig(nats({ nkeySeed: values[2] })),
    parseConfig(nats({ creds: values[3] })),
  ];
  for (const config of configs) {
    const shown = [
      JSON.stringify(config),
      Deno.inspect(config, { depth: 10 }),
      String(config),
    ];
    if (config.transport !== "nats") assert.fail("expected the nats transport");
    const secret = config.nats.token ?? config.nats.pass ??
      config.nats.nkeySeed ?? config.nats.creds;
    assert.ok(secret instanceof Secret);
    shown.push(
      String(secret),
      `${secret}`,
      JSON.stringify(secret),
      Deno.inspect(secret),
    );
    for (const text of shown) {
      for (const value of values) {
        assert.ok(!text.includes(value), `${value} leaked in ${text}`);
      }
    }
    assert.ok(JSON.stringify(config).includes('"[redacted]"'));
    assert.equal(String(secret), "[redacted]");
    assert.equal(Deno.inspect(secret), "[redacted]");
  }
});

Deno.test("Secret rejects a non-string and reveals only through reveal()", () => {
  assert.throws(() => new Secret(5 as never), TypeError);
  const secret = new Secret("tok-SECRET-123");
  assert.equal(secret.reveal(), "tok-SECRET-123");
  assert.equal(JSON.stringify({ secret }), '{"secret":"[redacted]"}');
  assert.ok(!Deno.inspect({ secret }).includes("tok-SECRET-123"));
  assert.ok(!Object.keys(secret).length);
});

Deno.test("parseConfig() redacts user:password of a server URL in errors", () => {
  const error = configError(
    nats({ servers: "nats://bob:hunter2-SECRET@x:4222" }),
  );
  assert.ok(!error.message.includes("hunter2-SECRET"), error.message);
  assert.ok(!error.message.includes("bob"), error.message);
  assert.match(issueAt(error, "nats.servers"), /nats:\/\/\[redacted\]@x:4222/);
  const inArray = configError(
    nats({ servers: ["ws://ok", "http://u:pw-SECRET@h"] }),
  );
  assert.ok(!inArray.message.includes("pw-SECRET"), inArray.message);
  assert.equal(
    redactUrl("wss://u:p@host:443/x"),
    "wss://[redacted]@host:443/x",
  );
  assert.equal(redactUrl("wss://host:443/x"), "wss://host:443/x");
});
