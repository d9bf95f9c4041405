// Child process of security_test.ts (not a test file): connects a nats bus
// to the wss:// URL in Deno.args[0] as user Deno.args[1] (password from the
// MCB_TLS_CHILD_PASS environment variable, never on the command line), on a
// stream and subject prefix of its own named by Deno.args[2],
// publishes one event and waits for it, and prints one JSON line with the
// outcome. Whether the runtime trusts the server's CA (--cert, DENO_CERT)
// is the parent's choice. Uses the default onError (console.error).
import { z } from "zod";
import { defineEvents } from "../../mod.ts";
import { createEventBus } from "../../src/config/mod.ts";

const [url, user, name] = Deno.args;
const pass = Deno.env.get("MCB_TLS_CHILD_PASS") ?? "";
const events = defineEvents({ "tls.checked": z.object({ n: z.number() }) });
const started = Date.now();
try {
  const bus = await createEventBus(events, {
    transport: "nats",
    nats: {
      servers: url,
      user,
      pass,
      stream: `TLS_CHILD_${name}`,
      subjectPrefix: `tls.child.${name}`,
      storage: "memory",
      connectTimeout: 3000,
    },
  });
  try {
    const next = bus.once("tls.checked", { timeout: 5000 });
    const sent = await bus.publish("tls.checked", { n: 1 });
    const got = await next;
    console.log(JSON.stringify({
      ok: got.id === sent.id,
      ms: Date.now() - started,
      health: bus.health(),
      stats: bus.stats(),
    }));
  } finally {
    await bus.close();
  }
} catch (error) {
  const e = error as Error;
  console.log(JSON.stringify({
    ok: false,
    ms: Date.now() - started,
    name: e?.name,
    message: e?.message,
    inspected: Deno.inspect(e, { depth: 10 }),
  }));
}
