/**
 * The bus across instances: delivers to this process's listeners at once and
 * publishes to Redis for the others; a dedicated connection subscribes to
 * exactly the topics that have listeners here. Rings that Redis loses are
 * found again by the feeds' gap checks against PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { newRedisConnection, redis } from "@/server/redis";
import type { Bus, Listener, Topic } from "./bus";
import { LocalBus } from "./local-bus";

const PREFIX = "sequent:";

export class RedisBus implements Bus {
  private readonly local = new LocalBus();
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
      if (envelope.o !== this.instance)
        this.local.publish(channel.slice(PREFIX.length) as Topic<unknown>, envelope.p);
    });
    this.local.onTopicChange = (topic, active) => {
      if (active) {
        const subscribed = this.subscriber.subscribe(PREFIX + topic).then(
          () => undefined,
          (error: Error) => console.error(`redis subscribe ${topic}:`, error.message),
        );
        this.subscriptions.set(topic, subscribed);
      } else {
        this.subscriptions.delete(topic);
        void this.subscriber.unsubscribe(PREFIX + topic).catch(() => {});
      }
    };
  }

  publish<T>(topic: Topic<T>, payload: T): void {
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
