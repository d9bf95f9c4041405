// Credentials of the nats transport against a real nats-server (loopback):
// token and user/password work, wrong ones fail fast without leaking the
// secret, and a user without publish permission gets a clear refusal.
import assert from "node:assert/strict";
import { z } from "zod";
import { defineEvents, type NatsTransportConfigInput } from "../mod.ts";
import { createEventBus } from "../src/config/mod.ts";
import { NatsConnectionError, PublishRejectedError } from "../src/nats/mod.ts";
import { startNatsServer } from "./nats_server.ts";
import { withTimeout } from "./_timeouts.ts";
import { assertNoSecretIn, shown } from "./_secrets.ts";

const events = defineEvents({
  "order.created": z.object({ id: z.number().int() }),
});

const TOKEN = "tok-Zq8vX3pL9sKd";
const ADMIN_PASS = "admin-pw-Hn4Rt7Wc";
const READER_PASS = "reader-pw-Jm2Yb6Qf";
const WRONG = "wrong-secret-Ua5Ge1Nz";
const SECRETS = [TOKEN, ADMIN_PASS, READER_PASS, WRONG];

/** Fails if any secret appears in `text`. */
function assertNoSecret(text: string, what: string) {
  assertNoSecretIn(text, SECRETS, what);
}

/**
 * Opens a bus with `config`, expects an event it publishes back, a
 * connected health() that shows no secret, then closes it.
 */
async function assertConnects(config: NatsTransportConfigInput) {
  const bus = await createEventBus(events, config);
  try {
    const next = bus.once("order.created", { timeout: 5000 });
    const sent = await bus.publish("order.created", { id: 1 });
    assert.equal((await next).id, sent.id);
    assert.equal(bus.health().status, "connected");
    assertNoSecret(JSON.stringify(bus.health()), "health()");
  } finally {
    await bus.close();
  }
}

/** Expects `createEventBus` to reject fast with refused credentials. */
async function assertRefused(attempt: Promise<unknown>) {
  const started = Date.now();
  const error = await withTimeout(
    attempt.then(
      (bus) => {
        (bus as { close(): Promise<void> }).close();
        return undefined;
      },
      (e) => e,
    ),
    6000,
    "createEventBus() with wrong credentials did not settle",
  );
  assert.ok(error !== undefined, "createEventBus() should have rejected");
  assert.ok(Date.now() - started < 6000);
  assert.ok(error instanceof NatsConnectionError, String(error));
  assert.match(error.message, /refused the credentials/);
  assertNoSecret(shown(error), "the connection error");
}

Deno.test({
  name:
    "createEventBus() (nats, token): the right token connects, a wrong one is refused fast without leaking it",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using server = await startNatsServer({ token: TOKEN });
    const nats = {
      servers: server.wsUrl,
      stream: "AUTH_TOKEN",
      subjectPrefix: "auth.token",
      storage: "memory" as const,
    };
    const errors: string[] = [];
    await assertConnects({
      transport: "nats",
      onError: (e) => errors.push(shown(e)),
      nats: { ...nats, token: TOKEN },
    });
    await assertRefused(
      createEventBus(events, {
        transport: "nats",
        onError: (e) => errors.push(shown(e)),
        nats: { ...nats, token: WRONG },
      }),
    );
    for (const e of errors) assertNoSecret(e, "an onError report");
  },
});

Deno.test({
  name:
    "createEventBus() (nats, user/pass): the right password connects, a wrong one is refused fast without leaking it",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using server = await startNatsServer({
      users: [{ user: "admin", pass: ADMIN_PASS }],
    });
    const nats = {
      servers: server.wsUrl,
      stream: "AUTH_USER",
      subjectPrefix: "auth.user",
      storage: "memory" as const,
    };
    await assertConnects({
      transport: "nats",
      nats: { ...nats, user: "admin", pass: ADMIN_PASS },
    });
    await assertRefused(
      createEventBus(events, {
        transport: "nats",
        nats: { ...nats, user: "admin", pass: WRONG },
      }),
    );
    await assertRefused(
      createEventBus(events, {
        transport: "nats",
        nats: { ...nats, user: "nobody", pass: ADMIN_PASS },
      }),
    );
  },
});

// The subscribe-only user. With nats-server 2.9.10 and the JetStream API
// as used by @nats-io/jetstream 3, a consumer (ordered fan-out or group
// durable) needs to publish to:
//   $JS.API.INFO                      jetstreamManager() checks JetStream
//   $JS.API.STREAM.INFO.<stream>      the bus checks the stream at start
//   $JS.API.CONSUMER.>                create/info/delete consumers, pull (MSG.NEXT)
//   $JS.ACK.<stream>.>                acks of group deliveries
// and to subscribe to _INBOX.> (API replies and pulled messages). Event
// subjects (<prefix>.>) are not in the publish allow list, so events can be
// read but not published.
Deno.test({
  name:
    "publish() (nats): a subscribe-only user receives events and gets a PublishRejectedError naming the permission",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const stream = "AUTH_PERM";
    await using server = await startNatsServer({
      users: [
        { user: "admin", pass: ADMIN_PASS },
        {
          user: "reader",
          pass: READER_PASS,
          permissions: {
            publish: [
              "$JS.API.INFO",
              `$JS.API.STREAM.INFO.${stream}`,
              "$JS.API.CONSUMER.>",
              `$JS.ACK.${stream}.>`,
            ],
            subscribe: ["_INBOX.>"],
          },
        },
      ],
    });
    const nats = {
      servers: server.wsUrl,
      stream,
      subjectPrefix: "auth.perm",
      storage: "memory" as const,
    };
    // The admin provisions the stream; the reader only checks it.
    const admin = await createEventBus(events, {
      transport: "nats",
      nats: { ...nats, user: "admin", pass: ADMIN_PASS },
    });
    const reports: string[] = [];
    const reader = await createEventBus(events, {
      transport: "nats",
      onError: (e) => reports.push(shown(e)),
      nats: { ...nats, user: "reader", pass: READER_PASS },
    });
    try {
      const fanout: number[] = [];
      const group: number[] = [];
      const a = reader.subscribe("order.created", (e) => {
        fanout.push(e.data.id);
      });
      const b = reader.subscribe("order.created", (e) => {
        group.push(e.data.id);
      }, { group: "readers" });
      await withTimeout(Promise.all([a.ready, b.ready]), 5000, "ready");
      await admin.publish("order.created", { id: 1 });
      const deadline = Date.now() + 5000;
      while ((fanout.length < 1 || group.length < 1) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual([fanout, group], [[1], [1]]);

      const started = Date.now();
      const error = await withTimeout(
        reader.publish("order.created", { id: 2 }).then(
          () => undefined,
          (e) => e,
        ),
        5000,
        "publish() without permission did not settle",
      );
      assert.ok(error instanceof PublishRejectedError, String(error));
      assert.match(error.message, /permission/i);
      assert.match(error.message, /auth\.perm\.order\.created/);
      assert.ok(Date.now() - started < 3000, "rejected without retrying");
      assert.equal(reader.stats().published, 0);
      assertNoSecret(shown(error), "the publish error");
      assertNoSecret(JSON.stringify(reader.health()), "health()");
      assertNoSecret(JSON.stringify(admin.health()), "health()");
      for (const r of reports) assertNoSecret(r, "an onError report");
      // The reader still receives after the refusal.
      await admin.publish("order.created", { id: 3 });
      const until = Date.now() + 5000;
      while (fanout.length < 2 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(fanout, [1, 3]);
    } finally {
      await reader.close();
      await admin.close();
    }
  },
});

Deno.test({
  name:
    "createEventBus() (nats): console.log(bus) never shows the token or the password",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    for (const auth of ["token", "user"] as const) {
      await using server = await startNatsServer(
        auth === "token"
          ? { token: TOKEN }
          : { users: [{ user: "admin", pass: ADMIN_PASS }] },
      );
      const bus = await createEventBus(events, {
        transport: "nats",
        nats: {
          servers: server.wsUrl,
          stream: `AUTH_INSPECT_${auth}`,
          subjectPrefix: `auth.inspect.${auth}`,
          storage: "memory",
          ...(auth === "token"
            ? { token: TOKEN }
            : { user: "admin", pass: ADMIN_PASS }),
        },
      });
      try {
        // What console.log(bus) prints, and the connection it exposes.
        assertNoSecret(Deno.inspect(bus), `${auth}: Deno.inspect(bus)`);
        assertNoSecret(
          Deno.inspect(bus.connection, { depth: 10 }),
          `${auth}: Deno.inspect(bus.connection)`,
        );
      } finally {
        await bus.close();
      }
    }
  },
});
