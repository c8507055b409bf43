/**
 * The bus across instances: delivers to this process's listeners at once and
 * publishes to Redis for the others; a dedicated connection subscribes to
 * exactly the topics that have listeners here. Rings that Redis loses are
 * found again by the feeds' gap checks against PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { metrics } from "@/server/metrics";
import { newRedisConnection, redis } from "@/server/redis";
import { type Bus, type Listener, type Topic, topics } from "./bus";
import { LocalBus } from "./local-bus";

const PREFIX = "sequent:";

export class RedisBus implements Bus {
  private readonly local = new LocalBus(false);
  private readonly instance = randomUUID();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly subscriptions = new Map<string, Promise<void>>();

  constructor() {
    this.publisher = redis() as Redis;
    this.subscriber = newRedisConnection("subscriber");
    this.subscriber.on("message", (channel: string, message: string) => {
      let envelope: { o: string; p: unknown };
      try {
        envelope = JSON.parse(message);
      } catch {
        return;
      }
      // Only our own publishers write these topics, with the payload type the topic names.
      if (envelope.o !== this.instance) {
        metrics().busReceived.inc({ transport: "redis" });
        this.local.publish(channel.slice(PREFIX.length) as Topic<unknown>, envelope.p);
      }
    });
    this.local.onTopicChange = (topic, active) => {
      // Rung by this instance for itself; Redis carries no such topic.
      if (topic === topics.reconnected) return;
      if (active) this.subscriptions.set(topic, this.subscribeInRedis(topic));
      else {
        this.subscriptions.delete(topic);
        void this.subscriber.unsubscribe(PREFIX + topic).catch(() => {});
      }
    };
    // After Redis comes back, every topic with listeners here is subscribed
    // again, also those whose SUBSCRIBE failed while it was away (the
    // client's own resubscription only knows the ones that succeeded).
    // Also on the first connection: streams may have started before it.
    this.subscriber.on("ready", () => {
      for (const topic of this.subscriptions.keys())
        this.subscriptions.set(topic, this.subscribeInRedis(topic));
      this.local.publish(topics.reconnected, { at: Date.now() });
    });
  }

  /**
   * Subscribes to a topic in Redis, retrying a failure while the connection
   * is up and the topic still has listeners. Resolves after the first attempt
   * either way: waiting subscribers go on, and the feeds' polls cover the gap.
   */
  private subscribeInRedis(topic: string, attempt = 0): Promise<void> {
    return this.subscriber.subscribe(PREFIX + topic).then(
      () => undefined,
      (error: Error) => {
        console.error(`redis subscribe ${topic}:`, error.message);
        // While the connection is down, its "ready" brings every topic back.
        if (this.subscriber.status !== "ready") return;
        const retry = setTimeout(
          () => {
            if (this.subscriptions.has(topic)) void this.subscribeInRedis(topic, attempt + 1);
          },
          Math.min(250 * 2 ** attempt, 5_000),
        );
        retry.unref();
      },
    );
  }

  publish<T>(topic: Topic<T>, payload: T): void {
    metrics().busPublished.inc({ transport: "redis" });
    this.local.publish(topic, payload);
    this.publisher
      .publish(PREFIX + topic, JSON.stringify({ o: this.instance, p: payload }))
      .catch((error: Error) => {
        // Subscribers elsewhere find the gap on their next event or poll.
        console.error(`redis publish ${topic}:`, error.message);
      });
  }

  subscribe<T>(topic: Topic<T>, listener: Listener<T>): () => void {
    return this.local.subscribe(topic, listener);
  }

  whenSubscribed(topic: Topic<unknown>): Promise<void> {
    return this.subscriptions.get(topic) ?? Promise.resolve();
  }

  listenerCount(): number {
    return this.local.listenerCount();
  }
}
