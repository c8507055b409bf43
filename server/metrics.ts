/**
 * The process's metrics (prom-client), served by GET /api/metrics in
 * Prometheus's text format. One registry per process (lib/singleton.ts):
 * Next.js may load this module more than once, and prom-client refuses a
 * metric name registered twice in one registry.
 *
 * Labels stay bounded: procedures are the router's names (anything else is
 * "(unknown)"), statuses are classes, transports and sources are fixed words.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { openedDatabase } from "@/db/client";
import { processSingleton } from "@/lib/singleton";

function create() {
  const registry = new Registry();
  // Event-loop delay, CPU, memory, GC, handles: what tells an overloaded process.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: "sequent_http_requests_total",
      help: "API calls by procedure and HTTP status class (each call of a batch counts)",
      labelNames: ["procedure", "status_class"] as const,
      registers,
    }),
    requestSeconds: new Histogram({
      name: "sequent_http_request_duration_seconds",
      help: "Time until an API response's headers were ready (a stream's: until it opened)",
      labelNames: ["procedure", "status_class"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    sends: new Counter({
      name: "sequent_messages_sent_total",
      help: "Successful message.send calls",
      registers,
    }),
    streamsOpen: new Gauge({
      name: "sequent_streams_open",
      help: "Event streams (subscriptions) open on this instance",
      registers,
    }),
    eventsDelivered: new Counter({
      name: "sequent_stream_events_delivered_total",
      help: "Events written to event streams (pings excluded)",
      registers,
    }),
    replays: new Counter({
      name: "sequent_replay_pages_total",
      help: "Pages of missed events replayed to resuming streams, by where they came from",
      labelNames: ["source"] as const,
      registers,
    }),
    gapReads: new Counter({
      name: "sequent_feed_gap_reads_total",
      help: "Reads of the event log to fill a gap in a feed (a lost or late ring)",
      registers,
    }),
    busPublished: new Counter({
      name: "sequent_bus_published_total",
      help: "Rings this instance published on its bus",
      labelNames: ["transport"] as const,
      registers,
    }),
    busReceived: new Counter({
      name: "sequent_bus_received_total",
      help: "Rings that reached this instance from other instances",
      labelNames: ["transport"] as const,
      registers,
    }),
    pool: new Gauge({
      name: "sequent_db_pool_connections",
      help: "Database pool connections (total, idle) and callers waiting for one",
      labelNames: ["state"] as const,
      registers,
      async collect() {
        const database = await openedDatabase()?.catch(() => undefined);
        if (!database) return;
        const { total, idle, waiting } = database.connections();
        this.set({ state: "total" }, total);
        this.set({ state: "idle" }, idle);
        this.set({ state: "waiting" }, waiting);
      },
    }),
  };
}

export const metrics = () => processSingleton("metrics", create);
