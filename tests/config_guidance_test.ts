// Configuration errors that guide: durations with units (the settings in
// milliseconds), and "did you mean" for unknown sections in files.
import assert from "node:assert/strict";
import { ConfigError, type NatsConfigInput, parseConfig } from "../mod.ts";
import { configFileJsonSchema, loadConfig } from "../src/config/mod.ts";
import { durationMs } from "../src/config/_checks.ts";
import { NATS_SETTINGS } from "../src/config/settings.ts";
import { configError, issueAt, nats } from "./_config_helpers.ts";

const DURATIONS = [
  "duplicateWindow",
  "maxAge",
  "publishTimeout",
  "ackWait",
  "connectTimeout",
  "reconnectTimeWait",
  "reconnectJitter",
];

/** loadConfig over one in-memory file. */
async function loadFile(
  name: string,
  text: string,
): Promise<Record<string, unknown>> {
  const config = await loadConfig({
    file: name,
    readTextFile: () => Promise.resolve(text),
  });
  return (config as { nats?: Record<string, unknown> }).nats ?? {};
}

/** The ConfigError message loadConfig rejects with for one file. */
async function fileError(name: string, text: string): Promise<string> {
  const error = await loadFile(name, text).catch((e) => e);
  assert.ok(error instanceof ConfigError, String(error));
  return error.message;
}

Deno.test("the settings in milliseconds are the duration settings", () => {
  assert.deepEqual(
    Object.entries(NATS_SETTINGS)
      .filter(([, row]) => row.type === "duration")
      .map(([key]) => key),
    DURATIONS,
  );
});

Deno.test("durationMs: numbers as is, digits with ms, s, m or h; NaN otherwise", () => {
  const good: [unknown, number][] = [
    [1500, 1500],
    ["1500", 1500],
    ["500ms", 500],
    ["30s", 30_000],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["0s", 0],
  ];
  for (const [input, ms] of good) {
    assert.equal(durationMs(input), ms, String(input));
  }
  for (
    const bad of ["", "30 s", "30sec", "1d", "-5s", "s", "1e3", " 5s", "1.5s"]
  ) {
    assert.ok(Number.isNaN(durationMs(bad)), bad);
  }
  assert.ok(Number.isNaN(durationMs(true)));
  assert.ok(Number.isNaN(durationMs(null)));
});

Deno.test("parseConfig: every duration setting takes a number or a string with a unit", () => {
  const input: NatsConfigInput = {};
  const expected: Record<string, number> = {};
  DURATIONS.forEach((key, i) => {
    (input as Record<string, unknown>)[key] = `${i + 1}s`;
    expected[key] = (i + 1) * 1000;
  });
  const config = parseConfig(nats(input as Record<string, unknown>));
  assert.equal(config.transport, "nats");
  for (const key of DURATIONS) {
    assert.equal(
      (config.nats as unknown as Record<string, unknown>)[key],
      expected[key],
      key,
    );
  }
  const typed: NatsConfigInput = { ackWait: "45s", maxAge: 60_000 };
  const mixed = parseConfig(nats(typed as Record<string, unknown>));
  assert.equal(mixed.transport === "nats" && mixed.nats.ackWait, 45_000);
  assert.equal(mixed.transport === "nats" && mixed.nats.maxAge, 60_000);
});

Deno.test("parseConfig: a bad duration names the unit expected and the value", () => {
  const error = configError(
    nats({
      ackWait: "30 sec",
      maxAge: -1,
      publishTimeout: "0ms",
      connectTimeout: true,
      reconnectJitter: 1.5,
    }),
  );
  const hint =
    'expected milliseconds as a number >= 1 or a duration string like "30s"';
  assert.equal(issueAt(error, "nats.ackWait"), `${hint}, got "30 sec"`);
  assert.equal(issueAt(error, "nats.publishTimeout"), `${hint}, got "0ms"`);
  assert.equal(issueAt(error, "nats.connectTimeout"), `${hint}, got true`);
  assert.match(issueAt(error, "nats.maxAge"), /number >= 0 .*, got -1$/);
  assert.match(issueAt(error, "nats.reconnectJitter"), /, got 1\.5$/);
  // Counts are not durations: they still take only integers.
  assert.match(
    issueAt(configError(nats({ maxDeliver: "5s" })), "nats.maxDeliver"),
    /expected number, received string/,
  );
});

Deno.test("loadConfig: TOML and JSON files take durations with units", async () => {
  const toml = await loadFile(
    "bus.toml",
    '[event_bus]\ntransport = "nats"\n[event_bus.nats]\nservers = ["ws://a"]\nack_wait = "30s"\nmax_age = "1h"\npublish_timeout = 2500\n',
  );
  assert.equal(toml.ackWait, 30_000);
  assert.equal(toml.maxAge, 3_600_000);
  assert.equal(toml.publishTimeout, 2500);
  const json = await loadFile(
    "bus.json",
    '{"transport": "nats", "nats": {"servers": "ws://a", "duplicateWindow": "2m", "reconnect_time_wait": "750ms"}}',
  );
  assert.equal(json.duplicateWindow, 120_000);
  assert.equal(json.reconnectTimeWait, 750);
  assert.match(
    await fileError(
      "bus.toml",
      '[event_bus]\ntransport = "nats"\n[event_bus.nats]\nservers = ["ws://a"]\nack_wait = "30 seconds"\n',
    ),
    /bus\.toml: event_bus\.nats\.ack_wait: expected milliseconds as a number >= 1 or a duration string like "30s", got "30 seconds"/,
  );
});

Deno.test("the JSON Schema accepts exactly the duration strings parseConfig does", () => {
  const defs = configFileJsonSchema().$defs as Record<string, {
    anyOf?: { type: string; pattern?: string; minimum?: number }[];
    description: string;
  }>;
  for (const key of DURATIONS) {
    const def = defs[`nats.${key}`];
    assert.ok(def.anyOf, key);
    assert.equal(def.anyOf[0].type, "integer");
    assert.match(def.description, /"30s"/, key);
    const pattern = new RegExp(def.anyOf[1].pattern!);
    for (
      const s of [
        "1500",
        "500ms",
        "30s",
        "2m",
        "1h",
        "1.5s",
        "30 s",
        "1d",
        "x",
        "5S",
      ]
    ) {
      assert.equal(
        pattern.test(s),
        !Number.isNaN(durationMs(s)),
        `${key} ${s}`,
      );
    }
  }
});

Deno.test("loadConfig: an unknown section gets 'did you mean'", async () => {
  assert.match(
    await fileError(
      "app.toml",
      '[event-bus]\ntransport = "nats"\n[event-bus.nats]\nservers = ["ws://a"]\n',
    ),
    /app\.toml: \["event-bus"\]: unknown section \(did you mean "event_bus"\?\)/,
  );
  assert.match(
    await fileError("app.json", '{"evntBus": {"transport": "local"}}'),
    /app\.json: evntBus: unknown section \(did you mean "eventBus"\?\)/,
  );
  assert.match(
    await fileError(
      "bus.json",
      '{"transport": "nats", "natss": {"servers": "ws://a"}}',
    ),
    /bus\.json: natss: unknown section \(did you mean "nats"\?\)/,
  );
  assert.match(
    await fileError(
      "app.toml",
      '[event_bus]\ntransport = "nats"\n[event_bus.nats_]\nservers = ["ws://a"]\n',
    ),
    /app\.toml: event_bus\.nats_: unknown section \(did you mean "nats"\?\)/,
  );
  // Inside a section, the section names are not suggested for keys.
  assert.match(
    await fileError("app.toml", '[event_bus]\nevent_bus = "x"\n'),
    /event_bus\.event_bus: unknown key \(expected one of /,
  );
});
