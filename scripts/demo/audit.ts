// Audit: an async handler that "stores" service, health and search events.
// `bus.close()` waits for such handlers to finish.
import type { CloudEvent } from "../../mod.ts";
import type { Bus, DemoModule } from "./shared.ts";

const slowStorage = () => new Promise((resolve) => setTimeout(resolve, 5));

export function startAudit(bus: Bus): DemoModule {
  const records: string[] = [];
  const store = async (event: CloudEvent) => {
    await slowStorage();
    records.push(`${event.time} ${event.type} ${event.id}`);
    console.log(`[audit]    stored ${event.type} (id ${event.id})`);
  };
  for (const pattern of ["service.*", "health.*", "search.*"] as const) {
    bus.subscribe(pattern, store);
  }
  return {
    report: () => ({
      module: "audit",
      received: records.length,
      detail: "stored asynchronously; close() waited for them",
    }),
  };
}
