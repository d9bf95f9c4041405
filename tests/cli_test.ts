// The command line (scripts/cli.ts, `deno task events -- ...`): usage and
// input errors exit 2 with a clear message before connecting; `publish`
// and `tail` work against a real nats-server, both in-process (`run()`) and
// as the real task in a child process (pretty and --json output, --count,
// --from, stdin, SIGINT, --config, connection failure).
import assert from "node:assert/strict";
import { type CloudEvent, decodeCloudEvent, mcbEvents } from "../mod.ts";
import { createEventBus } from "../src/config/mod.ts";
import { type CliIO, run } from "../scripts/cli.ts";
import { freePort, startNatsServer } from "./nats_server.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** A CliIO that records what the CLI writes. */
function fakeIO(
  env: Record<string, string> = {},
  extra: Partial<CliIO> = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    env,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readFile: (p) => Deno.readTextFile(p),
    readStdin: () => Promise.resolve(""),
    signal: new AbortController().signal,
    color: false,
    ...extra,
  };
  return { io, out, err };
}

async function cli(args: string[], env: Record<string, string> = {}) {
  const { io, out, err } = fakeIO(env);
  const code = await run(args, io);
  return { code, out, err: err.join("\n") };
}

Deno.test("cli: usage and input errors exit 2 with a clear message, before connecting", async () => {
  const nats = {
    MCB_EVENT_BUS_TRANSPORT: "nats",
    // Nothing listens here: these errors must come before any connection.
    MCB_EVENT_BUS_NATS_SERVERS: "ws://127.0.0.1:9",
  };
  const cases: [string[], Record<string, string>, RegExp][] = [
    [[], {}, /a command is needed: tail, publish, types or group/],
    [["frobnicate"], {}, /unknown command "frobnicate"/],
    [["tail", ">", "--bogus"], {}, /unknown option --bogus/],
    [["tail"], {}, /tail needs a PATTERN/],
    [["tail", "indexin.>"], nats, /pattern "indexin.>" matches no event type/],
    [["tail", "a..b"], nats, /a\.\.b/],
    [["tail", ">", "--from", "yesterday"], nats, /--from: expected new, all/],
    [["tail", ">", "--count", "0"], nats, /--count: expected an integer >= 1/],
    [
      ["tail", ">", "--until-caught-up"],
      nats,
      /--until-caught-up needs a history/,
    ],
    [["publish"], nats, /publish needs an event TYPE/],
    [
      ["publish", "indexing.start", "{}"],
      nats,
      /unknown event type "indexing.start"; did you mean indexing.started, indexing.progress, indexing.completed\?/,
    ],
    [["publish", "cache.invalidate"], nats, /needs DATA: a JSON value/],
    [
      ["publish", "cache.invalidate", "{namespace: 'x'}"],
      nats,
      /DATA is not valid JSON \(.*\): "\{namespace: 'x'\}"/,
    ],
    [
      ["publish", "cache.invalidate", "{", "}"],
      nats,
      /quote the JSON/,
    ],
    [
      ["publish", "indexing.started", '{"collection":"docs"}'],
      nats,
      /data\.total_files: expected number, but it is missing/,
    ],
    [
      ["publish", "cache.invalidate", "{}"],
      {},
      /needs a NATS bus .*MCB_EVENT_BUS_TRANSPORT=nats/,
    ],
    [
      ["publish", "cache.invalidate", "{}"],
      {
        MCB_EVENT_BUS_TRANSPORT: "nats",
        MCB_EVENT_BUS_NATS_SERVERS: "nats://127.0.0.1:4222",
      },
      /MCB_EVENT_BUS_NATS_SERVERS \(nats\.servers\[0\]\): expected a ws:\/\/ or wss:\/\/ URL/,
    ],
    [
      ["publish", "cache.invalidate", "{}", "--config", "/nonexistent.json"],
      {},
      /--config \/nonexistent\.json: cannot read it/,
    ],
  ];
  for (const [args, env, message] of cases) {
    const { code, err } = await cli(args, env);
    assert.equal(code, 2, `${args.join(" ")}: ${err}`);
    assert.match(err, message, args.join(" "));
  }
});

Deno.test("cli: --help, a leading -- (as deno task passes it) and types", async () => {
  const help = await cli(["--", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out.join("\n"), /Usage: deno task events -- <command>/);
  const types = await cli(["--", "types"]);
  assert.equal(types.code, 0);
  assert.equal(types.out.length, mcbEvents.types.length);
  assert.ok(types.out.includes("cache.invalidate"));
  assert.ok(
    types.out.includes(
      "metrics.snapshot  (ephemeral: at-most-once, not stored)",
    ),
  );
});

Deno.test("cli: a server that cannot be reached exits 1 with the connection error (--config with JSON)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/bus.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        transport: "nats",
        nats: {
          servers: `ws://127.0.0.1:${await freePort()}`,
          connectTimeout: 500,
        },
      }),
    );
    const { code, err } = await cli([
      "publish",
      "cache.invalidate",
      "{}",
      "--config",
      file,
    ]);
    assert.equal(code, 1, err);
    assert.match(err, /NatsConnectionError/);
    await Deno.writeTextFile(file, "{ not json");
    const bad = await cli(["types", "--config", file]);
    assert.equal(bad.code, 0, "types needs no configuration");
    const badPublish = await cli([
      "publish",
      "cache.invalidate",
      "{}",
      "--config",
      file,
    ]);
    assert.equal(badPublish.code, 2);
    assert.match(badPublish.err, /--config .*bus\.json: not valid JSON/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// --- against a real nats-server ------------------------------------------

const server = await startNatsServer();
let streams = 0;

function natsEnv() {
  const n = ++streams;
  return {
    MCB_EVENT_BUS_TRANSPORT: "nats",
    MCB_EVENT_BUS_SOURCE: "/tests/cli",
    MCB_EVENT_BUS_NATS_SERVERS: server.wsUrl,
    MCB_EVENT_BUS_NATS_STREAM: `CLI_${n}`,
    MCB_EVENT_BUS_NATS_SUBJECT_PREFIX: `cli.t${n}`,
  };
}

function busFor(env: Record<string, string>) {
  return createEventBus(mcbEvents, {
    transport: "nats",
    nats: {
      servers: env.MCB_EVENT_BUS_NATS_SERVERS,
      stream: env.MCB_EVENT_BUS_NATS_STREAM,
      subjectPrefix: env.MCB_EVENT_BUS_NATS_SUBJECT_PREFIX,
    },
  });
}

/** `deno task events -- ...args` as a child process. */
function spawnTask(
  args: string[],
  env: Record<string, string>,
  stdin: "null" | "piped" = "null",
) {
  return new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "events", "--", ...args],
    cwd: ROOT,
    env: { ...env, NO_COLOR: "1" },
    stdin,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Collects a child's output; `ready` resolves when stderr shows `marker`. */
function collect(child: Deno.ChildProcess, marker: string) {
  let stdout = "";
  let stderr = "";
  let seen: () => void;
  const ready = new Promise<void>((r) => (seen = r));
  const read = async (
    stream: ReadableStream<Uint8Array>,
    add: (s: string) => void,
  ) => {
    for await (const s of stream.pipeThrough(new TextDecoderStream())) add(s);
  };
  const done = Promise.all([
    read(child.stdout, (s) => (stdout += s)),
    read(child.stderr, (s) => {
      stderr += s;
      if (stderr.includes(marker)) seen();
    }),
  ]);
  return {
    ready,
    done,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The `section` of config.reloaded events printed as JSON lines. */
const sections = (lines: string[]) =>
  lines.map((l) => (decodeCloudEvent(l).data as { section: string }).section);

const natsTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });

natsTest(
  "cli (task): publish stores one event and prints it; DATA may come from stdin",
  async () => {
    const env = natsEnv();
    const child = spawnTask([
      "publish",
      "cache.invalidate",
      '{"namespace":"search"}',
      "--json",
      "--id",
      "cli-1",
    ], env);
    const out = collect(child, "stored");
    const status = await withTimeout(child.status, 30_000, "publish");
    await out.done;
    assert.equal(status.code, 0, out.stderr);
    const printed = decodeCloudEvent(out.stdout.trim());
    assert.equal(printed.id, "cli-1");
    assert.equal(printed.type, "cache.invalidate");
    assert.deepEqual(printed.data, { namespace: "search" });
    assert.match(out.stderr, /cache\.invalidate cli-1 stored at n:CLI_\d+:1/);

    const piped = spawnTask(["publish", "config.reloaded", "-"], env, "piped");
    const pipedOut = collect(piped, "stored");
    const writer = piped.stdin.getWriter();
    await writer.write(new TextEncoder().encode('{"section":"from stdin"}\n'));
    await writer.close();
    assert.equal((await piped.status).code, 0);
    await pipedOut.done;

    await using bus = await busFor(env);
    const stored: CloudEvent[] = [];
    await bus.subscribe(">", (e) => {
      stored.push(e);
    }, { from: "all" }).ready;
    const deadline = Date.now() + 5000;
    while (stored.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(stored.map((e) => [e.type, e.data]), [
      ["cache.invalidate", { namespace: "search" }],
      ["config.reloaded", { section: "from stdin" }],
    ]);
    assert.equal(stored[1].id, pipedOut.stdout.trim());
  },
);

natsTest(
  "cli (task): tail --json prints matching events as they arrive, one JSON per line, and --count ends it",
  async () => {
    const env = natsEnv();
    await using bus = await busFor(env);
    const child = spawnTask(
      ["tail", "indexing.>", "--json", "--count", "3"],
      env,
    );
    const out = collect(child, "ready");
    await withTimeout(out.ready, 30_000, `tail ready; stderr: ${out.stderr}`);
    const sent = [
      await bus.publish("indexing.started", {
        collection: "d",
        total_files: 2,
      }),
      await bus.publish("cache.invalidate", {}), // not matched
      await bus.publish("indexing.progress", {
        collection: "d",
        processed: 1,
        total: 2,
        current_file: 'naïve "file"\n.ts',
      }),
      await bus.publish("indexing.completed", {
        collection: "d",
        chunks: 3,
        duration_ms: 4,
      }),
    ];
    const status = await withTimeout(child.status, 15_000, "tail --count 3");
    await out.done;
    assert.equal(status.code, 0, out.stderr);
    const lines = out.stdout.trim().split("\n");
    assert.equal(lines.length, 3);
    assert.deepEqual(
      lines.map((l) => decodeCloudEvent(l)),
      [sent[0], sent[2], sent[3]],
    );
  },
);

natsTest(
  "cli (task): tail prints pretty lines with the position, and SIGINT ends it with 0",
  async () => {
    const env = natsEnv();
    await using bus = await busFor(env);
    const child = spawnTask(["tail", ">"], env);
    const out = collect(child, "ready");
    await withTimeout(out.ready, 30_000, `tail ready; stderr: ${out.stderr}`);
    await bus.publish("search.executed", {
      query: "q",
      collection: "docs",
      results: 1,
      duration_ms: 2,
    });
    const deadline = Date.now() + 10_000;
    while (!out.stdout.includes("\n") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGINT");
    const status = await withTimeout(child.status, 15_000, "tail after SIGINT");
    await out.done;
    assert.equal(status.code, 0, out.stderr);
    assert.match(
      out.stdout,
      /^\d\d:\d\d:\d\d\.\d{3} {2}search\.executed {2}\/mcb\/event-bus\/\S+ {2}\{"query":"q","collection":"docs","results":1,"duration_ms":2\} {2}n:CLI_\d+:1\n$/,
    );
  },
);

natsTest(
  "cli (in process): tail --from all replays the history; --from <position> resumes after it",
  async () => {
    const env = natsEnv();
    await using bus = await busFor(env);
    const first = await bus.publish("config.reloaded", { section: "a" });
    await bus.publish("config.reloaded", { section: "b" });
    await bus.publish("config.reloaded", { section: "c" });
    const all = await cli(
      ["tail", "config.*", "--from", "all", "--count", "3"],
      env,
    );
    assert.equal(all.code, 0, all.err);
    assert.deepEqual(
      all.out.map((l) => JSON.parse(l.split("  ")[3]).section),
      ["a", "b", "c"],
    );
    const position = bus.position(first)!;
    const resumed = await cli([
      "tail",
      "config.*",
      "--json",
      "--from",
      position,
      "--count",
      "2",
    ], env);
    assert.equal(resumed.code, 0, resumed.err);
    assert.deepEqual(sections(resumed.out), ["b", "c"]);
  },
);

natsTest(
  "cli (in process): tail --until-caught-up prints the history and exits 0, with --from all or a position",
  async () => {
    const env = natsEnv();
    await using bus = await busFor(env);
    const first = await bus.publish("config.reloaded", { section: "a" });
    await bus.publish("cache.invalidate", {}); // not matched
    await bus.publish("config.reloaded", { section: "b" });
    const last = await bus.publish("config.reloaded", { section: "c" });
    await bus.publish("cache.invalidate", {});
    const all = await cli(
      ["tail", "config.*", "--from", "all", "--until-caught-up"],
      env,
    );
    assert.equal(all.code, 0, all.err);
    assert.deepEqual(
      all.out.map((l) => JSON.parse(l.split("  ")[3]).section),
      ["a", "b", "c"],
    );
    assert.match(
      all.err,
      new RegExp(`caught up after 3 events \\(last ${bus.position(last)}\\)`),
    );
    const resumed = await cli([
      "tail",
      "config.*",
      "--json",
      "--from",
      bus.position(first)!,
      "--until-caught-up",
    ], env);
    assert.equal(resumed.code, 0, resumed.err);
    assert.deepEqual(sections(resumed.out), ["b", "c"]);
    const none = await cli(
      ["tail", "search.*", "--from", "all", "--until-caught-up"],
      env,
    );
    assert.equal(none.code, 0, none.err);
    assert.deepEqual(none.out, []);
    assert.match(none.err, /caught up after 0 events/);
  },
);

/** Polls `check` every 10 ms; throws naming `what` after 5 s. */
async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

natsTest(
  "cli (in process): group reset replays the stream to the group; group delete removes it; both need a NAME",
  async () => {
    const env = natsEnv();
    const cliRun = (...args: string[]) => cli(args, env);
    await using bus = await busFor(env);
    const seen: string[] = [];
    const sub = bus.subscribe("config.*", (e) => void seen.push(e.id), {
      group: "audit",
      from: "all",
    });
    await sub.ready;
    const ids = [
      (await bus.publish("config.reloaded", { section: "a" })).id,
      (await bus.publish("config.reloaded", { section: "b" })).id,
    ];
    await waitFor(() => seen.length === 2, "two handled");
    sub.unsubscribe();
    const reset = await cliRun("group", "reset", "audit");
    assert.equal(reset.code, 0, reset.err);
    assert.match(reset.err, /group audit reset to "all"/);
    const again: string[] = [];
    await bus.subscribe("config.*", (e) => void again.push(e.id), {
      group: "audit",
    }).ready;
    await waitFor(() => again.length === 2, "the history again");
    assert.deepEqual(again, ids);
    const deleted = await cliRun("group", "delete", "audit");
    assert.equal(deleted.code, 0, deleted.err);
    assert.match(deleted.err, /deleted the durable consumer of group audit/);
    const none = await cliRun("group", "delete", "audit");
    assert.match(none.err, /has no durable consumer/);
    const usage = await cliRun("group", "rename", "x");
    assert.equal(usage.code, 2);
    assert.match(usage.err, /group: expected delete or reset, got "rename"/);
    const noName = await cliRun("group", "reset");
    assert.equal(noName.code, 2);
    assert.match(noName.err, /group reset takes one group NAME/);
  },
);

Deno.test({
  name: "cli: (stop nats-server)",
  fn: async () => await server[Symbol.asyncDispose](),
  sanitizeOps: false,
  sanitizeResources: false,
});
