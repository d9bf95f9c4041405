// Logging: one subscription to ">" (every event type) prints each event.
import { type Bus, type DemoModule, short } from "./shared.ts";

export function startLogging(bus: Bus): DemoModule {
  let received = 0;
  bus.subscribe(">", (event) => {
    received++;
    console.log(`[log]      ${event.type.padEnd(24)} ${short(event.data)}`);
  });
  return {
    report: () => ({
      module: "logging",
      received,
      detail: `printed every event (pattern ">")`,
    }),
  };
}
