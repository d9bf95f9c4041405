// The conformance suite against the local (EventTarget) transport.
import { createLocalEventBus } from "../mod.ts";
import { conformanceCases, conformanceEvents } from "../src/testing/mod.ts";

for (
  const c of conformanceCases({
    createBus: (options) => createLocalEventBus(conformanceEvents, options),
  })
) {
  Deno.test({ name: `local: ${c.name}`, ignore: c.ignore, fn: c.fn });
}
