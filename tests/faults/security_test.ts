// Faults: security of the nats transport against a real nats-server 2.9
// (loopback). Permissions: a subscribe-only user cannot publish; a user
// restricted to <prefix>.context.> reads those events and nothing else,
// through the bus or raw JetStream API calls. Credentials: wrong ones fail
// fast and clearly; no secret ever shows in errors, the default onError's
// console output, stats(), health(), inspection or the config's JSON. TLS:
// wss:// with a self-signed CA works from a child Deno that trusts the CA
// and fails fast and clearly from one that does not.
import assert from "node:assert/strict";
import { z } from "zod";
import {
  type NatsConnection,
  nkeys,
  type RequestError,
  wsconnect,
} from "@nats-io/nats-core";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import {
  ConfigError,
  configFromEnv,
  defineEvents,
  type ErrorContext,
  parseConfig,
} from "../../mod.ts";
import { createEventBus } from "../../src/config/mod.ts";
import {
  NatsConnectionError,
  type NatsEventBus,
  PublishRejectedError,
} from "../../src/nats/mod.ts";
import { type NatsUser, startNatsServer } from "../nats_server.ts";
import { rejection, withTimeout } from "../_timeouts.ts";
import { assertNoSecretIn, shown } from "../_secrets.ts";

const T = { sanitizeOps: false, sanitizeResources: false };
const te = new TextEncoder();
const td = new TextDecoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const events = defineEvents({
  "context.updated": z.object({ n: z.number().int() }),
  "context.deleted": z.object({ n: z.number().int() }),
  "secret.rotated": z.object({ n: z.number().int() }),
});
type Bus = NatsEventBus<typeof events>;

// ---------------------------------------------------------------------------
// Permissions
// ---------------------------------------------------------------------------

const STREAM = "SEC_EVENTS";
const PREFIX = "sec.events";
const ADMIN_PASS = "admin-pw-Vb7Kq2Lm";
const CTX_PASS = "ctx-pw-Rt5Hs8Wn";
const NAIVE_PASS = "naive-pw-Gd3Px9Ya";
/** The durable consumer of another team's group, reading secret.*. */
const OTHER_GROUP = "auditors";
/** Another durable on secret.*, not being read (its events wait there). */
const ARCHIVE = "archive";

/**
 * What a user restricted to `<PREFIX>.context.>` needs with nats-server
 * 2.9.10 and @nats-io/jetstream 3.4, and nothing more:
 * - `$JS.API.INFO` (jetstreamManager checks JetStream), and
 *   `$JS.API.STREAM.INFO.<stream>` (an ordered consumer checks the stream);
 * - consumer creation only through the 2.9 "filtered create" subject
 *   `$JS.API.CONSUMER.CREATE.<stream>.<name>.<filter>`, allowed only for
 *   filters under `<prefix>.context.>`; the server refuses a create whose
 *   body's filter differs from the subject's (err 10131), and the legacy
 *   `$JS.API.CONSUMER.CREATE.<stream>` and `...DURABLE.CREATE...` are not
 *   allowed, so no consumer on another filter can be made;
 * - `$JS.API.CONSUMER.INFO.<stream>.*` and `$JS.API.CONSUMER.MSG.NEXT.<stream>.*`
 *   (pulls; ordered consumers have random names, so `*` is needed), with
 *   MSG.NEXT and CREATE (= update) of other groups' durables denied by
 *   name: MSG.NEXT is per consumer name, not per filter;
 * - `$JS.ACK.<stream>.<own group>.>` for the acks of its group;
 * - subscribe only to its own inbox prefix: pulled events are delivered to
 *   the puller's inbox, so `_INBOX.>` would let it read every other
 *   client's deliveries. The bus then needs a connection opened with
 *   `inboxPrefix` (the config has no key for it), passed as `connection`.
 */
function contextOnly(inbox: string, group: string): NatsUser["permissions"] {
  return {
    publish: {
      allow: [
        "$JS.API.INFO",
        `$JS.API.STREAM.INFO.${STREAM}`,
        `$JS.API.CONSUMER.CREATE.${STREAM}.*.${PREFIX}.context.>`,
        `$JS.API.CONSUMER.INFO.${STREAM}.*`,
        `$JS.API.CONSUMER.MSG.NEXT.${STREAM}.*`,
        `$JS.ACK.${STREAM}.${group}.>`,
      ],
      // Every durable that reads other types, by name.
      deny: [OTHER_GROUP, ARCHIVE].flatMap((durable) => [
        `$JS.API.CONSUMER.MSG.NEXT.${STREAM}.${durable}`,
        `$JS.API.CONSUMER.CREATE.${STREAM}.${durable}.>`,
      ]),
    },
    subscribe: { allow: [`${inbox}.>`] },
  };
}

/** Sends a raw request; "denied: ...", "error: ..." or "REPLY ...". */
async function attempt(nc: NatsConnection, subject: string, body: unknown) {
  try {
    const m = await nc.request(subject, te.encode(JSON.stringify(body)), {
      timeout: 2000,
    });
    const reply = JSON.parse(td.decode(m.data) || "{}");
    if (reply.error) {
      return `error ${reply.error.err_code}: ${reply.error.description}`;
    }
    return `REPLY ${td.decode(m.data).slice(0, 120)}`;
  } catch (error) {
    const e = error as RequestError;
    return /permissions violation/i.test(e.message)
      ? `denied: ${e.message}`
      : `FAILED ${e.name}: ${e.message}`;
  }
}

/** Whether a core subscription to `subject` is refused by the server. */
async function subscribeDenied(nc: NatsConnection, subject: string) {
  const sub = nc.subscribe(subject);
  // nats.js resolves `closed` with the server's error.
  const closed = sub.closed.then((e) => e ? `${e}` : "closed", (e) => `${e}`);
  await nc.flush();
  const result = await Promise.race([closed, sleep(1000).then(() => "open")]);
  if (!sub.isClosed()) sub.unsubscribe();
  return result;
}

/**
 * An admin bus, and a bus of the restricted user "ctx" over its own
 * connection (inbox prefix `_INBOX_ctx`, no stream provisioning), which
 * reports to `reports`.
 */
async function adminAndCtx(
  server: { wsUrl: string },
  reports: [Error, ErrorContext][],
): Promise<{ admin: Bus; ctx: Bus; conn: NatsConnection }> {
  const nats = {
    servers: server.wsUrl,
    stream: STREAM,
    subjectPrefix: PREFIX,
    storage: "memory" as const,
  };
  const admin = await createEventBus(events, {
    transport: "nats",
    onError: () => {},
    nats: { ...nats, user: "admin", pass: ADMIN_PASS },
  }) as Bus;
  const conn = await wsconnect({
    servers: server.wsUrl,
    user: "ctx",
    pass: CTX_PASS,
    inboxPrefix: "_INBOX_ctx",
  });
  const ctx = await createEventBus(events, {
    transport: "nats",
    onError: (e, c) => reports.push([e as Error, c]),
    nats: { ...nats, provision: false },
  }, { connection: conn }) as Bus;
  return { admin, ctx, conn };
}

Deno.test({
  name:
    "security (permissions): a user restricted to <prefix>.context.> reads those events only; other types, raw consumer creation, direct reads and snooping are denied; it cannot publish",
  ...T,
  fn: async () => {
    const started = Date.now();
    await using server = await startNatsServer({
      users: [
        { user: "admin", pass: ADMIN_PASS },
        {
          user: "ctx",
          pass: CTX_PASS,
          permissions: contextOnly("_INBOX_ctx", "ctx-readers"),
        },
        // The usual "subscribe-only" setup (README, admin panel): it reads
        // everything, and shows what a weaker setup would allow.
        {
          user: "naive",
          pass: NAIVE_PASS,
          permissions: {
            publish: [
              "$JS.API.INFO",
              `$JS.API.STREAM.INFO.${STREAM}`,
              `$JS.API.CONSUMER.CREATE.${STREAM}.*.${PREFIX}.context.>`,
              `$JS.API.CONSUMER.INFO.${STREAM}.*`,
              `$JS.API.CONSUMER.MSG.NEXT.${STREAM}.*`,
            ],
            subscribe: ["_INBOX.>"],
          },
        },
      ],
    });
    // The restricted user's connection has its own inbox prefix.
    const reports: [Error, ErrorContext][] = [];
    const { admin, ctx, conn: ctxConn } = await adminAndCtx(server, reports);
    const raw = await wsconnect({
      servers: server.wsUrl,
      user: "ctx",
      pass: CTX_PASS,
      inboxPrefix: "_INBOX_ctx",
    });
    const naive = await wsconnect({
      servers: server.wsUrl,
      user: "naive",
      pass: NAIVE_PASS,
    });
    const received: string[] = [];
    try {
      // Another team reads secret.* with a group and a fan-out subscription.
      const audited: number[] = [];
      await admin.subscribe("secret.*", (e) => {
        audited.push(e.data.n);
      }, { group: OTHER_GROUP }).ready;
      await admin.subscribe("secret.*", () => {}).ready;
      const adminJsm = await jetstreamManager(
        admin.connection as NatsConnection,
      );
      await adminJsm.consumers.add(STREAM, {
        durable_name: ARCHIVE,
        filter_subject: `${PREFIX}.secret.>`,
        ack_policy: AckPolicy.Explicit,
      });

      // 1. What it may read works: fan-out and a group.
      const fanout = ctx.subscribe("context.*", (e) => {
        received.push(`fanout ${e.type}`);
      });
      const group = ctx.subscribe("context.>", (e) => {
        received.push(`group ${e.type}`);
      }, { group: "ctx-readers" });
      await withTimeout(
        Promise.all([fanout.ready, group.ready]),
        5000,
        "context subscriptions ready",
      );

      // 2. Any subscription that selects another type fails clearly.
      const refused: string[] = [];
      for (
        const [pattern, options] of [
          ["secret.*", undefined],
          ["secret.rotated", undefined],
          [">", undefined],
          ["*.rotated", undefined],
          ["secret.rotated", { group: "ctx-readers-2" }],
        ] as const
      ) {
        const t = Date.now();
        const sub = ctx.subscribe(pattern, () => {
          received.push(`LEAK ${pattern}`);
        }, options);
        const error = await rejection(sub.ready, 5000, `subscribe(${pattern})`);
        assert.match(error.message, /permissions violation/i, pattern);
        assert.match(error.message, /\$JS\.API\.CONSUMER\.CREATE\./, pattern);
        assert.ok(Date.now() - t < 3000, `${pattern}: refused fast`);
        await sleep(20);
        assert.equal(sub.closed, true, `${pattern}: the subscription ended`);
        refused.push(`${pattern}${options ? " (group)" : ""}`);
      }
      assert.equal(ctx.hasSubscribers("secret.rotated"), false);
      const subscribeReports = reports.filter(([, c]) =>
        c.kind === "transport" && c.pattern !== undefined
      );
      // Each failure is reported once: to `ready`, which was read here, so
      // not also to onError.
      assert.equal(subscribeReports.length, 0, "reported once (to ready)");

      // 3. It cannot publish.
      const pubError = await rejection(
        ctx.publish("context.updated", { n: 99 }),
        5000,
        "publish by the restricted user",
      );
      assert.ok(pubError instanceof PublishRejectedError, String(pubError));
      assert.match(pubError.message, /permission/i);

      // 4. Events flow: it gets the context ones, never the secret ones.
      for (let n = 1; n <= 3; n++) {
        await admin.publish("secret.rotated", { n });
        await admin.publish("context.updated", { n });
        await admin.publish("context.deleted", { n });
      }
      const deadline = Date.now() + 5000;
      while (received.length < 12 && Date.now() < deadline) await sleep(20);
      while (audited.length < 3 && Date.now() < deadline) await sleep(20);
      await sleep(300);
      assert.equal(received.length, 12, received.join(", "));
      assert.ok(received.every((r) => /^(fanout|group) context\./.test(r)));
      assert.deepEqual(audited, [1, 2, 3], "the other group got its events");

      // 5. Raw JetStream API calls of the restricted user.
      const s = STREAM;
      const create = (name: string, filter?: string) => ({
        stream_name: s,
        config: {
          name,
          ...(filter === undefined ? {} : { filter_subject: filter }),
          ack_policy: "explicit",
          deliver_policy: "all",
        },
      });
      const secret = `${PREFIX}.secret.>`;
      const raws: [string, string, unknown][] = [
        [
          "filtered create on secret",
          `$JS.API.CONSUMER.CREATE.${s}.x1.${secret}`,
          create("x1", secret),
        ],
        [
          "filtered create: subject context, body secret",
          `$JS.API.CONSUMER.CREATE.${s}.x2.${PREFIX}.context.>`,
          create("x2", secret),
        ],
        [
          "filtered create: subject context, body without a filter",
          `$JS.API.CONSUMER.CREATE.${s}.x3.${PREFIX}.context.>`,
          create("x3"),
        ],
        [
          "named create without a filter token",
          `$JS.API.CONSUMER.CREATE.${s}.x4`,
          create("x4", secret),
        ],
        [
          "legacy ephemeral create",
          `$JS.API.CONSUMER.CREATE.${s}`,
          { stream_name: s, config: { filter_subject: secret } },
        ],
        [
          "legacy durable create",
          `$JS.API.CONSUMER.DURABLE.CREATE.${s}.x5`,
          {
            stream_name: s,
            config: { durable_name: "x5", filter_subject: secret },
          },
        ],
        [
          "filtered create with a wildcard over the types",
          `$JS.API.CONSUMER.CREATE.${s}.x6.${PREFIX}.*.rotated`,
          create("x6", `${PREFIX}.*.rotated`),
        ],
        [
          "filtered create on everything",
          `$JS.API.CONSUMER.CREATE.${s}.x7.${PREFIX}.>`,
          create("x7", `${PREFIX}.>`),
        ],
        [
          "pull from the other group's durable",
          `$JS.API.CONSUMER.MSG.NEXT.${s}.${OTHER_GROUP}`,
          { batch: 1, expires: 500_000_000 },
        ],
        [
          "pull from an idle durable on secret.>",
          `$JS.API.CONSUMER.MSG.NEXT.${s}.${ARCHIVE}`,
          { batch: 1, expires: 500_000_000 },
        ],
        [
          "retarget the other group's durable to context",
          `$JS.API.CONSUMER.CREATE.${s}.${OTHER_GROUP}.${PREFIX}.context.>`,
          {
            stream_name: s,
            config: {
              durable_name: OTHER_GROUP,
              filter_subject: `${PREFIX}.context.>`,
              ack_policy: "explicit",
            },
          },
        ],
        ["message get", `$JS.API.STREAM.MSG.GET.${s}`, { seq: 1 }],
        ["direct get", `$JS.API.DIRECT.GET.${s}`, { seq: 1 }],
        [
          "direct get by subject",
          `$JS.API.DIRECT.GET.${s}.${PREFIX}.secret.rotated`,
          {},
        ],
        ["consumer list", `$JS.API.CONSUMER.LIST.${s}`, {}],
        ["consumer names", `$JS.API.CONSUMER.NAMES.${s}`, {}],
        ["consumer delete", `$JS.API.CONSUMER.DELETE.${s}.${OTHER_GROUP}`, {}],
        ["stream purge", `$JS.API.STREAM.PURGE.${s}`, {}],
        ["stream delete", `$JS.API.STREAM.DELETE.${s}`, {}],
        ["stream create", `$JS.API.STREAM.CREATE.OTHER`, {
          name: "OTHER",
          subjects: [`${PREFIX}.secret.>`],
        }],
        ["publish an event", `${PREFIX}.context.updated`, { n: 1 }],
      ];
      const results: string[] = [];
      for (const [what, subject, body] of raws) {
        const result = await attempt(raw, subject, body);
        results.push(`${what}: ${result}`);
        assert.ok(
          result.startsWith("denied") || result.startsWith("error 10131"),
          `${what}: ${result}`,
        );
      }
      // Core subscriptions outside its inbox are refused too.
      for (
        const subject of [
          `${PREFIX}.secret.>`,
          `${PREFIX}.>`,
          "_INBOX.>",
          ">",
          "$JS.>",
        ]
      ) {
        const r = await subscribeDenied(raw, subject);
        assert.match(r, /permissions violation/i, `subscribe ${subject}`);
      }

      // 6. The same user through the JetStream client: no way to the
      // secret events.
      const js = jetstream(raw);
      const viaClient = await js.consumers.get(STREAM, {
        filter_subjects: `${PREFIX}.secret.>`,
      }).then(() => "created", (e) => `${e.message}`);
      assert.match(viaClient, /permissions violation/i);

      // Observed weaknesses of the usual setup (not asserted: they are the
      // server's semantics, and why the restricted user is set up as above).
      const snooped: string[] = [];
      naive.subscribe("_INBOX.>", {
        callback: (_e, m) => {
          if (m.subject.includes(".secret.")) snooped.push(m.subject);
        },
      });
      await naive.flush();
      await admin.publish("secret.rotated", { n: 4 });
      const stolen = await jetstream(naive).consumers.get(STREAM, ARCHIVE)
        .then((c) => c.next({ expires: 1000 }))
        .then(
          (m) => m ? `read ${m.subject}` : "nothing",
          (e) => `${e.message}`,
        );
      await sleep(500);
      const limits = [
        `a user with subscribe "_INBOX.>" received ${snooped.length} secret deliveries meant for other clients`,
        `a user with MSG.NEXT.${STREAM}.* and no deny on the durable "${ARCHIVE}" (secret.>): ${stolen}`,
      ];
      assert.ok(!received.some((r) => r.startsWith("LEAK")));
      console.log(
        `security: permissions: restricted user received ${received.length} context deliveries and 0 secret; ${refused.length} subscriptions to other types refused (${
          refused.join(", ")
        }); publish refused (${pubError.name}); ${results.length} raw API calls denied; ${
          ((Date.now() - started) / 1000).toFixed(1)
        } s`,
      );
      for (const r of results) {
        console.log(`security:   raw ${r.slice(0, 170)}`);
      }
      for (const l of limits) console.log(`security:   observed: ${l}`);
    } finally {
      await naive.close().catch(() => {});
      await raw.close().catch(() => {});
      await ctx.close();
      await ctxConn.close().catch(() => {});
      await admin.close();
    }
  },
});

Deno.test({
  name:
    "security (permissions): joining another type's group by its durable's name fails clearly (the subscription ends with one report) instead of reporting permission errors forever",
  ...T,
  fn: async () => {
    await using server = await startNatsServer({
      users: [
        { user: "admin", pass: ADMIN_PASS },
        {
          user: "ctx",
          pass: CTX_PASS,
          permissions: contextOnly("_INBOX_ctx", "ctx-readers"),
        },
      ],
    });
    const reports: [Error, ErrorContext][] = [];
    const { admin, ctx, conn } = await adminAndCtx(server, reports);
    try {
      await admin.subscribe("secret.*", () => {}, { group: OTHER_GROUP })
        .ready;
      const got: string[] = [];
      const sub = ctx.subscribe("secret.*", (e) => {
        got.push(e.type);
      }, { group: OTHER_GROUP });
      const outcome = await withTimeout(
        sub.ready.then(() => "ready", (e) => `rejected: ${e}`),
        5000,
        "ready",
      );
      await admin.publish("secret.rotated", { n: 1 });
      await sleep(2500);
      const denied = reports.filter(([e]) =>
        /permissions violation/i.test(e.message)
      );
      assert.deepEqual(got, [], "no secret event reached the handler");
      // The pull refusal arrives asynchronously from the server, after the
      // durable was found: the subscription ends at the first refusal with
      // one report naming the durable, instead of failing forever.
      assert.ok(
        /^rejected: .*permissions violation/i.test(outcome) ||
          (sub.closed && denied.length === 1 &&
            /MSG\.NEXT\.SEC_EVENTS\.auditors/.test(denied[0][0].message)),
        `subscribe("secret.*", { group: "${OTHER_GROUP}" }) by a user who may not pull from that durable: ready ${outcome}; the subscription is ${
          sub.closed ? "closed" : "still open"
        } and reported ${reports.length} transport errors in 2.5 s (${denied.length} permission violations, e.g. ${
          reports[0]?.[0].message
        })`,
      );
      assert.equal(sub.closed, true);
    } finally {
      await ctx.close();
      await conn.close().catch(() => {});
      await admin.close();
    }
  },
});

// ---------------------------------------------------------------------------
// Credentials and secrets
// ---------------------------------------------------------------------------

function b64url(data: string | Uint8Array): string {
  const bytes = typeof data === "string" ? te.encode(data) : data;
  return btoa(String.fromCharCode(...bytes)).replace(/=+$/, "")
    .replace(/\+/g, "-").replace(/\//g, "_");
}

/** A `.creds` text: a user JWT signed by a fresh account key, and `seed`. */
function credsFor(user: nkeys.KeyPair, seed: string): string {
  const account = nkeys.createAccount();
  const header = b64url(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" }));
  const claims = b64url(JSON.stringify({
    jti: "TESTJTI",
    iat: Math.floor(Date.now() / 1000),
    iss: account.getPublicKey(),
    name: "test-user",
    sub: user.getPublicKey(),
    nats: { pub: {}, sub: {}, subs: -1, data: -1, payload: -1, type: "user" },
  }));
  const signature = b64url(account.sign(te.encode(`${header}.${claims}`)));
  return [
    "-----BEGIN NATS USER JWT-----",
    `${header}.${claims}.${signature}`,
    "------END NATS USER JWT------",
    "",
    "************************* IMPORTANT *************************",
    "NKEY Seed printed below can be used to sign and prove identity.",
    "",
    "-----BEGIN USER NKEY SEED-----",
    seed,
    "------END USER NKEY SEED------",
    "",
  ].join("\n");
}

/** Captures console output while `fn` runs (the default onError prints). */
async function capturingConsole<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; output: string }> {
  const lines: string[] = [];
  const saved = {
    error: console.error,
    warn: console.warn,
    log: console.log,
    info: console.info,
    debug: console.debug,
  };
  const capture = (...args: unknown[]) =>
    lines.push(
      args.map((a) =>
        typeof a === "string" ? a : Deno.inspect(a, { depth: 10 })
      ).join(" "),
    );
  console.error =
    console.warn =
    console.info =
    console.debug =
      capture;
  try {
    const value = await fn();
    return { value, output: lines.join("\n") };
  } finally {
    Object.assign(console, saved);
  }
}

Deno.test({
  name:
    "security (credentials): wrong token, password, nkey or creds fail fast and clearly; secrets never appear in errors, console output, stats(), health(), inspection or the config's JSON",
  ...T,
  fn: async () => {
    const started = Date.now();
    const TOKEN = "tok-Xw3Nf8Qp2Lz";
    const WRONG_TOKEN = "tok-wrong-Bm6Tj1Hc";
    const PASS = "pw-Kd9Vr4Ys7Ge";
    const WRONG_PASS = "pw-wrong-Fq2Zn5Lx";
    const user = nkeys.createUser();
    const seed = td.decode(user.getSeed());
    const stranger = nkeys.createUser();
    const wrongSeed = td.decode(stranger.getSeed());
    const creds = credsFor(user, seed);
    const wrongCreds = credsFor(stranger, wrongSeed);
    const jwt = creds.split("\n")[1];
    const garbageCreds = `not a creds file but it holds ${PASS}-garbage`;
    const secrets = [
      TOKEN,
      WRONG_TOKEN,
      PASS,
      WRONG_PASS,
      seed,
      wrongSeed,
      jwt,
      jwt.split(".")[2], // the JWT's signature alone
      garbageCreds,
      seed.slice(2, 30), // a recognizable part of the seed
    ];

    // One server with a password user and an nkey user (which may not read
    // secret.*), one with a token.
    await using users = await startNatsServer({
      extraConfig: `authorization { users = [
  { user: "app", password: ${JSON.stringify(PASS)} },
  { nkey: ${JSON.stringify(user.getPublicKey())}, permissions: {
      publish: { deny: ["$JS.API.CONSUMER.CREATE.SECRETS.*.sec.secrets.secret.>"] } } }
] }`,
    });
    await using tokens = await startNatsServer({ token: TOKEN });
    const base = {
      stream: "SECRETS",
      subjectPrefix: "sec.secrets",
      storage: "memory" as const,
    };
    const configs = {
      pass: { servers: users.wsUrl, ...base, user: "app", pass: PASS },
      nkey: { servers: users.wsUrl, ...base, nkeySeed: seed },
      creds: { servers: users.wsUrl, ...base, creds },
      token: { servers: tokens.wsUrl, ...base, token: TOKEN },
    };
    const wrong: [string, Record<string, unknown>, RegExp][] = [
      ["token", { ...configs.token, token: WRONG_TOKEN }, /refused/],
      ["password", { ...configs.pass, pass: WRONG_PASS }, /refused/],
      ["user", { ...configs.pass, user: "nobody" }, /refused/],
      ["nkey seed", { ...configs.nkey, nkeySeed: wrongSeed }, /refused/],
      ["malformed nkey seed", {
        ...configs.nkey,
        nkeySeed: `SU${"A".repeat(56)}`,
      }, /nkey|checksum|seed/i],
      ["creds", { ...configs.creds, creds: wrongCreds }, /refused/],
      [
        "malformed creds",
        { ...configs.creds, creds: garbageCreds },
        /creds|credentials/i,
      ],
      ["no credentials", { servers: users.wsUrl, ...base }, /refused/],
    ];

    const { output, value: summary } = await capturingConsole(async () => {
      const lines: string[] = [];
      // Wrong credentials: a NatsConnectionError, fast, saying why.
      for (const [what, nats, reason] of wrong) {
        const t = Date.now();
        const error = await rejection(
          createEventBus(events, { transport: "nats", nats }),
          6000,
          `createEventBus() with a wrong ${what}`,
        );
        const ms = Date.now() - t;
        assert.ok(error instanceof NatsConnectionError, `${what}: ${error}`);
        assert.match(error.message, /^Cannot connect to NATS at ws:\/\//);
        assert.match(error.message, reason, what);
        assert.ok(ms < 6000, `${what}: ${ms} ms`);
        assertNoSecretIn(
          shown(error),
          secrets,
          `the error for a wrong ${what}`,
        );
        lines.push(`${what} ${ms} ms`);
      }

      // Right credentials, default onError (console.error), and things
      // that make the bus report: a throwing handler, an invalid inbound
      // message, a subscription the server refuses.
      const raw = await wsconnect({
        servers: users.wsUrl,
        user: "app",
        pass: PASS,
      });
      for (const [method, nats] of Object.entries(configs)) {
        const bus = await createEventBus(events, {
          transport: "nats",
          nats,
        }) as Bus;
        try {
          const failing = bus.subscribe("context.updated", () => {
            throw new Error(`handler failed (${method})`);
          });
          await failing.ready;
          const next = bus.once("context.updated", { timeout: 5000 });
          await bus.publish("context.updated", { n: 1 });
          await next;
          if (nats.servers === users.wsUrl) {
            await jetstream(raw).publish(
              "sec.secrets.context.updated",
              te.encode("{not json"),
            );
          }
          if (method === "nkey") {
            const denied = bus.subscribe("secret.rotated", () => {});
            await rejection(denied.ready, 5000, "a refused subscription");
          }
          await sleep(300);
          const texts = {
            "stats()": JSON.stringify(bus.stats()),
            "health()": JSON.stringify(bus.health()),
            "Deno.inspect(bus)": Deno.inspect(bus, { depth: 4 }),
            "Deno.inspect(bus.connection)": Deno.inspect(bus.connection, {
              depth: 10,
            }),
          };
          for (const [what, text] of Object.entries(texts)) {
            assertNoSecretIn(text, secrets, `${method}: ${what}`);
          }
          assert.ok(bus.stats().handlerErrors >= 1);
          lines.push(`${method} ok`);
        } finally {
          await bus.close();
        }
      }
      await raw.close();
      return lines;
    });
    // The default onError printed something for each bus, and no secret.
    assert.match(output, /\[@mcb\/event-bus\] handler error/);
    assert.match(output, /\[@mcb\/event-bus\] invalid error/);
    assert.match(output, /permissions violation/i);
    assertNoSecretIn(output, secrets, "console output of the default onError");

    // The configuration: validated, from the environment, and its errors.
    for (const nats of Object.values(configs)) {
      const config = parseConfig({ transport: "nats", nats });
      assertNoSecretIn(
        JSON.stringify(config),
        secrets,
        "JSON.stringify(config)",
      );
      assertNoSecretIn(
        String(Deno.inspect(config, { depth: 10 })),
        secrets,
        "inspect(config)",
      );
    }
    for (
      const [name, value] of [
        ["MCB_EVENT_BUS_NATS_TOKEN", TOKEN],
        ["MCB_EVENT_BUS_NATS_NKEY_SEED", seed],
        ["MCB_EVENT_BUS_NATS_CREDS", creds],
      ]
    ) {
      const config = configFromEnv({
        MCB_EVENT_BUS_TRANSPORT: "nats",
        MCB_EVENT_BUS_NATS_SERVERS: users.wsUrl,
        [name]: value,
      });
      assertNoSecretIn(JSON.stringify(config), secrets, `config from ${name}`);
      assertNoSecretIn(Deno.inspect(config, { depth: 10 }), secrets, name);
    }
    const conflicting = (() => {
      try {
        parseConfig({
          transport: "nats",
          nats: { servers: users.wsUrl, token: TOKEN, nkeySeed: seed, creds },
        });
      } catch (error) {
        return error;
      }
    })();
    assert.ok(conflicting instanceof ConfigError, String(conflicting));
    assertNoSecretIn(shown(conflicting), secrets, "a ConfigError");
    const inUrl = (() => {
      try {
        parseConfig({
          transport: "nats",
          nats: { servers: `ws://app:${PASS}@127.0.0.1:1` },
        });
      } catch (error) {
        return error;
      }
    })();
    assert.ok(inUrl instanceof ConfigError, String(inUrl));
    assertNoSecretIn(shown(inUrl), secrets, "a ConfigError for a URL");

    console.log(
      `security: credentials: refused fast (${
        summary.filter((l) => l.includes(" ms")).join(", ")
      }); connected with ${
        summary.filter((l) => l.endsWith(" ok")).map((l) => l.split(" ")[0])
          .join(", ")
      }; no secret in errors, ${
        output.split("\n").length
      } lines of default onError output, stats(), health(), inspect or config JSON; ${
        ((Date.now() - started) / 1000).toFixed(1)
      } s`,
    );
  },
});

// ---------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------

async function run(cmd: string, args: string[], cwd: string) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed: ${td.decode(out.stderr)}`,
    );
  }
}

/** A CA and a server certificate for 127.0.0.1 signed by it (P-256). */
async function makeCertificates(dir: string) {
  try {
    await new Deno.Command("openssl", { args: ["version"], stdout: "null" })
      .output();
  } catch {
    throw new Error(
      "openssl not found: install it with `apt-get install -y openssl`",
    );
  }
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await run("openssl", [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=mcb-event-bus test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
  await run("openssl", [
    "req",
    ...ec,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
  ], dir);
  await Deno.writeTextFile(
    `${dir}/server.ext`,
    [
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
    ].join("\n"),
  );
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "1",
    "-extfile",
    "server.ext",
  ], dir);
  return {
    ca: `${dir}/ca.pem`,
    cert: `${dir}/server.pem`,
    key: `${dir}/server.key`,
  };
}

const CHILD = new URL("./_tls_child.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

/** Runs the child bus; its JSON line and everything it printed. */
async function child(
  url: string,
  pass: string,
  trust: "flag" | "env" | "none",
  ca: string,
) {
  const args = [
    "run",
    "--config",
    CONFIG,
    "--allow-net=127.0.0.1",
    "--allow-env=MCB_TLS_CHILD_PASS",
    "--allow-read",
    ...(trust === "flag" ? ["--cert", ca] : []),
    CHILD,
    url,
    "app",
    trust,
  ];
  const env: Record<string, string> = { MCB_TLS_CHILD_PASS: pass };
  if (trust === "env") env.DENO_CERT = ca;
  const started = Date.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    env,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const stdout = td.decode(out.stdout);
  const stderr = td.decode(out.stderr);
  const line = stdout.trim().split("\n").at(-1) ?? "";
  let result: Record<string, unknown>;
  try {
    result = JSON.parse(line);
  } catch {
    throw new Error(
      `child (${trust}) printed no result:\n${stdout}\n${stderr}`,
    );
  }
  return { result, all: `${stdout}\n${stderr}`, ms: Date.now() - started };
}

Deno.test({
  name:
    "security (TLS): wss:// with a self-signed CA works from a child Deno trusting it (--cert, DENO_CERT) and fails fast with a clear NatsConnectionError without it",
  ...T,
  fn: async () => {
    const started = Date.now();
    const dir = await Deno.makeTempDir({ prefix: "mcb-tls-" });
    const PASS = "tls-pw-Hy8Cs3Dk5Rm";
    try {
      const { ca, cert, key } = await makeCertificates(dir);
      await using server = await startNatsServer({
        tls: { certFile: cert, keyFile: key },
        users: [{ user: "app", pass: PASS }],
      });
      assert.match(server.wsUrl, /^wss:\/\/127\.0\.0\.1:\d+$/);
      const [flag, env, none] = await Promise.all([
        child(server.wsUrl, PASS, "flag", ca),
        child(server.wsUrl, PASS, "env", ca),
        child(server.wsUrl, PASS, "none", ca),
      ]);
      for (const [what, c] of [["--cert", flag], ["DENO_CERT", env]] as const) {
        assert.equal(c.result.ok, true, `${what}: ${c.all}`);
        const health = c.result.health as { status: string };
        assert.equal(health.status, "connected", what);
      }
      assert.equal(none.result.ok, false, none.all);
      assert.equal(none.result.name, "NatsConnectionError", none.all);
      const message = String(none.result.message);
      assert.ok(message.includes(server.wsUrl), message);
      assert.match(message, /certificate/i);
      assert.ok(Number(none.result.ms) < 6000, `took ${none.result.ms} ms`);
      for (const c of [flag, env, none]) {
        assertNoSecretIn(c.all, [PASS], "the child's output");
      }
      console.log(
        `security: tls: --cert ok (${flag.result.ms} ms), DENO_CERT ok (${env.result.ms} ms), untrusted CA refused in ${none.result.ms} ms: ${message}; ${
          ((Date.now() - started) / 1000).toFixed(1)
        } s`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
