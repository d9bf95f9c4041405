// npm: specifiers on purpose: deno.json's import map is being reworked.
// deno-lint-ignore-file no-import-prefix
// Tests of the nats-server test helper itself (tests/nats_server.ts): a real
// nats-server on loopback, reached with the nats.js v3 WebSocket client.
import assert from "node:assert/strict";
import {
  type NatsConnection,
  type Status,
  wsconnect,
} from "npm:@nats-io/nats-core@^3.4.0";
import { jetstream, jetstreamManager } from "npm:@nats-io/jetstream@^3.4.0";
import { freePort, natsServerPath, startNatsServer } from "./nats_server.ts";

const enc = (s: string) => new TextEncoder().encode(s);

async function addStream(nc: NatsConnection, name: string, subject: string) {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name, subjects: [subject] });
  return jsm;
}

async function firstStatus(
  nc: NatsConnection,
  type: Status["type"],
): Promise<Status> {
  for await (const s of nc.status()) if (s.type === type) return s;
  throw new Error(`connection closed before a ${type} status`);
}

Deno.test("natsServerPath() finds the binary; freePort() gives a usable loopback port", async () => {
  const path = natsServerPath();
  assert.ok((await Deno.stat(path)).isFile, path);
  const port = await freePort();
  assert.ok(port > 0 && port < 65536);
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  listener.close();
});

Deno.test("startNatsServer() starts JetStream + WebSocket on 127.0.0.1 and a WebSocket client can use JetStream", async () => {
  await using server = await startNatsServer();
  assert.equal(server.running, true);
  assert.equal(server.wsUrl, `ws://127.0.0.1:${server.wsPort}`);
  assert.equal(server.natsUrl, `nats://127.0.0.1:${server.port}`);
  const config = await Deno.readTextFile(server.configFile);
  const addresses = [...config.matchAll(/"([\d.]+):(\d+)"/g)].map((m) => m[1]);
  assert.deepEqual(addresses, ["127.0.0.1", "127.0.0.1", "127.0.0.1"]);
  const varz = await (await fetch(
    `http://127.0.0.1:${server.monitorPort}/varz`,
  )).json();
  assert.equal(varz.host, "127.0.0.1");
  assert.equal(varz.http_host, "127.0.0.1");
  assert.equal(varz.websocket.host, "127.0.0.1");

  const nc = await wsconnect({ servers: server.wsUrl });
  const jsm = await addStream(nc, "EVENTS", "events.>");
  const ack = await jetstream(nc).publish("events.one", enc("1"));
  assert.equal(ack.stream, "EVENTS");
  assert.equal(ack.seq, 1);
  assert.equal((await jsm.streams.info("EVENTS")).state.messages, 1);
  await nc.close();
  assert.match(server.logs(), /Server is ready/);
});

Deno.test("restart() keeps ports and the stream's messages; asyncDispose removes the temp store", async () => {
  let storeDir: string;
  {
    await using server = await startNatsServer();
    storeDir = server.storeDir;
    let nc = await wsconnect({ servers: server.wsUrl });
    await addStream(nc, "KEEP", "keep.>");
    const js = jetstream(nc);
    for (const n of ["1", "2", "3"]) await js.publish("keep.x", enc(n));
    await nc.close();

    const ports = [server.port, server.wsPort, server.monitorPort];
    await server.restart();
    assert.deepEqual([server.port, server.wsPort, server.monitorPort], ports);
    nc = await wsconnect({ servers: server.wsUrl });
    const info = await (await jetstreamManager(nc)).streams.info("KEEP");
    assert.equal(info.state.messages, 3);
    await nc.close();

    await server.stop();
    await server.stop(); // idempotent
    assert.equal(server.running, false);
    assert.ok(
      (await Deno.stat(storeDir)).isDirectory,
      "stop() keeps the store",
    );
  }
  await assert.rejects(Deno.stat(storeDir), Deno.errors.NotFound);
});

Deno.test("startNatsServer({ token }) accepts the right token (JetStream works) and rejects a wrong one", async () => {
  const token = `s3cr"et\\$HOME`; // exercises config quoting
  await using server = await startNatsServer({ token });
  const nc = await wsconnect({ servers: server.wsUrl, token });
  await addStream(nc, "TOKEN", "token.>");
  assert.equal((await jetstream(nc).publish("token.a", enc("a"))).seq, 1);
  await nc.close();
  await assert.rejects(
    wsconnect({ servers: server.wsUrl, token: "wrong", reconnect: false }),
    /authorization/i,
  );
  await assert.rejects(
    wsconnect({ servers: server.wsUrl, reconnect: false }),
    /authorization/i,
  );
});

Deno.test("startNatsServer({ users }) applies permissions: JetStream works for the admin, a subscribe-only user cannot publish", async () => {
  await using server = await startNatsServer({
    users: [
      { user: "admin", pass: "a" },
      {
        user: "sub",
        pass: "x",
        permissions: { publish: { deny: [">"] }, subscribe: { allow: [">"] } },
      },
      {
        user: "pub",
        pass: "p",
        permissions: { publish: ["users.>"], subscribe: ["_INBOX.>"] },
      },
    ],
  });
  const admin = await wsconnect({
    servers: server.wsUrl,
    user: "admin",
    pass: "a",
  });
  await addStream(admin, "USERS", "users.>");
  const sub = await wsconnect({
    servers: server.wsUrl,
    user: "sub",
    pass: "x",
  });
  await assert.rejects(
    wsconnect({ servers: server.wsUrl, user: "sub", pass: "bad" }),
    /authorization/i,
  );

  // The subscribe-only user receives what the admin publishes...
  const received = sub.subscribe("users.>", { max: 1 });
  await sub.flush();
  assert.equal((await jetstream(admin).publish("users.1", enc("hi"))).seq, 1);
  for await (const m of received) assert.equal(m.string(), "hi");

  // ...but its own core publish is a permissions violation...
  const violation = firstStatus(sub, "error");
  sub.publish("users.2", enc("nope"));
  const status = await violation;
  assert.match(String((status as { error: Error }).error), /permissions/i);
  // ...and so is a JetStream publish.
  await assert.rejects(
    jetstream(sub, { timeout: 1000 }).publish("users.3"),
    /Permissions Violation for Publish to "users.3"/,
  );
  // A user allowed to publish "users.>" can publish to the stream (the ack
  // comes on _INBOX) but not use the JetStream API ($JS.API.> is not allowed).
  const pub = await wsconnect({
    servers: server.wsUrl,
    user: "pub",
    pass: "p",
  });
  assert.equal((await jetstream(pub).publish("users.4")).seq, 2);
  await assert.rejects(
    jetstreamManager(pub, { timeout: 1000 }),
    /Permissions Violation for Publish to "\$JS.API.INFO"/,
  );
  const jsm = await jetstreamManager(admin);
  assert.equal((await jsm.streams.info("USERS")).state.messages, 2);
  await pub.close();
  await sub.close();
  await admin.close();
});

Deno.test("kill() then start() brings the server back on the same ports", async () => {
  await using server = await startNatsServer({ jetstream: false });
  const { port, wsPort } = server;
  await server.kill();
  assert.equal(server.running, false);
  await server.start();
  assert.equal(server.running, true);
  assert.deepEqual([server.port, server.wsPort], [port, wsPort]);
  const nc = await wsconnect({ servers: server.wsUrl });
  await nc.flush();
  await nc.close();
});

Deno.test("pause()/resume(): a request times out while paused and succeeds after resume", async () => {
  await using server = await startNatsServer({ jetstream: false });
  const nc = await wsconnect({ servers: server.wsUrl });
  nc.subscribe("echo", { callback: (_err, m) => void m.respond(m.data) });
  assert.equal((await nc.request("echo", enc("1"))).string(), "1");
  await server.pause();
  await assert.rejects(
    nc.request("echo", enc("2"), { timeout: 300 }),
    /timeout/i,
  );
  server.resume();
  assert.equal((await nc.request("echo", enc("3"))).string(), "3");
  await nc.close();
  await server.pause();
  const t0 = Date.now();
  await server.stop(); // a paused server still stops at once (SIGCONT first)
  assert.ok(Date.now() - t0 < 2000, "stop() of a paused server was quick");
  assert.equal(server.running, false);
});

Deno.test("startNatsServer() fails fast with the server's logs on a bad config or a taken fixed port", async () => {
  const t0 = Date.now();
  await assert.rejects(
    startNatsServer({ extraConfig: "this is { not valid" }),
    /exited during start-up[\s\S]*nats-server logs/,
  );
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    await assert.rejects(
      startNatsServer({ jetstream: false, ports: { client: port } }),
      /address already in use/,
    );
  } finally {
    listener.close();
  }
  assert.ok(Date.now() - t0 < 5000, "failed fast");
});
