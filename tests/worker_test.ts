// Edge-style isolation: mod.ts runs in a Web Worker that has no
// permissions at all (no read, net, env, ...), on the local transport.
//
// The Worker's `deno: { permissions: "none" }` option is unstable in Deno
// 2.9 (it needs `--unstable-worker-options`, which `deno task test` does not
// pass), so this test runs a small host program in a child Deno with that
// flag: tests/fixtures/local_worker_host.ts starts the worker
// (tests/fixtures/local_worker.ts) and prints its report as JSON.
import assert from "node:assert/strict";
import type { WorkerReport } from "./fixtures/local_worker.ts";

const ROOT = new URL("../", import.meta.url);
const HOST = new URL("./fixtures/local_worker_host.ts", import.meta.url);

Deno.test({
  name:
    "mod.ts in a Web Worker with no permissions: local publish/subscribe, patterns, once and validation work",
  fn: async () => {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--unstable-worker-options",
        "--no-prompt",
        "--config",
        new URL("deno.json", ROOT).pathname,
        // The host itself may read; the worker must not be able to.
        "--allow-read",
        HOST.pathname,
      ],
      cwd: ROOT.pathname,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    const out = new TextDecoder().decode(stdout).trim();
    const err = new TextDecoder().decode(stderr);
    assert.equal(code, 0, `host exited with ${code}:\n${out}\n${err}`);
    const result = JSON.parse(out.split("\n").at(-1)!) as
      | { ok: true; report: WorkerReport }
      | { ok: false; error: string };
    if (!result.ok) assert.fail(`the worker failed: ${result.error}`);
    const r = result.report;

    // No permission at all, and it is enforced.
    for (const [name, state] of Object.entries(r.permissions)) {
      assert.notEqual(state, "granted", `the worker has ${name} permission`);
    }
    assert.equal(r.readOwnSource, "NotCapable");

    assert.equal(r.transport, "local");
    // "order.*" got the two order events, in order, with their data.
    assert.deepEqual(r.received.map((e) => [e.type, e.data]), [
      ["order.created", { id: 1, total: 9.5 }],
      ["order.shipped", { id: 1 }],
    ]);
    assert.notEqual(r.received[0].id, r.received[1].id);
    // ">" got all three; once() resolved with the sign-up.
    assert.deepEqual(r.all, [
      "order.created",
      "user.signed_up",
      "order.shipped",
    ]);
    assert.equal(r.once, "ada@example.com");
    // Invalid data and an unknown type were rejected with the right classes.
    assert.deepEqual(r.validation, {
      name: "ValidationError",
      isValidationError: true,
      paths: ["data.id", "data.total"],
    });
    assert.deepEqual(r.unknownType, {
      name: "EventTypeError",
      isEventTypeError: true,
    });
    assert.equal(r.stats.published, 3);
    assert.equal(r.stats.delivered, 6);
    assert.equal(r.stats.handlerErrors, 0);
    assert.equal(r.closed, true);
  },
});
