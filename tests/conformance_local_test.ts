// The conformance suite against the local (EventTarget) transport: as
// created by default (no history, so the resume and replay cases are
// skipped), and with a ring of recent events (`history`), where every case
// must pass.
import { createLocalEventBus } from "../mod.ts";
import { conformanceCases, conformanceEvents } from "../src/testing/mod.ts";

const resumeCases = conformanceCases({
  createBus: (options) => createLocalEventBus(conformanceEvents, options),
}).filter((c) =>
  c.name.startsWith("position()") || c.name.startsWith("caughtUp")
);

for (
  const c of conformanceCases({
    createBus: (options) => createLocalEventBus(conformanceEvents, options),
    skip: Object.fromEntries(resumeCases.map((c) => [
      c.name,
      "a local bus without history has no positions; run below with history",
    ])),
  })
) {
  Deno.test({ name: `local: ${c.name}`, ignore: c.ignore, fn: c.fn });
}

for (
  const c of conformanceCases({
    createBus: (options) =>
      createLocalEventBus(conformanceEvents, { ...options, history: 64 }),
  })
) {
  Deno.test({ name: `local (history: 64): ${c.name}`, fn: c.fn });
}
