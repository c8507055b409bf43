/**
 * The bus across instances: delivers to this process's listeners at once and
 * publishes to Redis for the others; a dedicated connection subscribes to
 * exactly the topics that have listeners here. Rings that Redis loses are
 * found again by the feeds' gap checks against PostgreSQL.
 *
 * Rings lost while Redis was away are made good by `topics.reconnected`,
 * which makes every listener here look again (feeds poll, streams re-check
 * access, caches clear). It is rung when this instance's subscriptions are
 * back — and when another instance's publisher is back after its rings
 * failed: Redis's return reaches each connection at its own time, so a
 * ring published by an instance whose publisher was still reconnecting
 * would otherwise be heard by nobody until the feeds' next periodic poll.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { metrics } from "@/server/metrics";
import { newRedisConnection, redis } from "@/server/redis";
import { type Bus, type Listener, type Topic, topics } from "./bus";
import { LocalBus } from "./local-bus";

const PREFIX = "sequent:";
/** Where an instance says its publisher is back after rings it published were lost. */
const PEER_RECONNECTED = `${PREFIX}bus:peer-reconnected`;

export class RedisBus implements Bus {
  private readonly local = new LocalBus(false);
  private readonly instance = randomUUID();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly subscriptions = new Map<string, Promise<void>>();
  /** A publish failed since the publisher was last ready. */
  private lostRings = false;

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
      if (envelope.o === this.instance) return;
      metrics().busReceived.inc({ transport: "redis" });
      if (channel === PEER_RECONNECTED) this.local.publish(topics.reconnected, { at: Date.now() });
      // Only our own publishers write these topics, with the payload type the topic names.
      else this.local.publish(channel.slice(PREFIX.length) as Topic<unknown>, envelope.p);
    });
    void this.subscriber.subscribe(PEER_RECONNECTED).catch(() => {});
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
    // Listeners look again only once the subscriptions are back, or a ring
    // published between their look and the SUBSCRIBE would be missed.
    this.subscriber.on("ready", () => {
      const resubscribed = [this.subscribeInRedis(PEER_RECONNECTED, false)];
      for (const topic of this.subscriptions.keys()) {
        const subscription = this.subscribeInRedis(topic);
        this.subscriptions.set(topic, subscription);
        resubscribed.push(subscription);
      }
      void Promise.all(resubscribed).then(() =>
        this.local.publish(topics.reconnected, { at: Date.now() }),
      );
    });
    this.publisher.on("ready", () => {
      if (!this.lostRings) return;
      this.lostRings = false;
      this.publisher
        .publish(PEER_RECONNECTED, JSON.stringify({ o: this.instance, p: null }))
        .catch(() => {
          this.lostRings = true;
        });
    });
  }

  /**
   * Subscribes to a topic in Redis, retrying a failure while the connection
   * is up and the topic still has listeners. Resolves after the first attempt
   * either way: waiting subscribers go on, and the feeds' polls cover the gap.
   */
  private subscribeInRedis(topic: string, prefixed = true, attempt = 0): Promise<void> {
    const channel = prefixed ? PREFIX + topic : topic;
    return this.subscriber.subscribe(channel).then(
      () => undefined,
      (error: Error) => {
        console.error(`redis subscribe ${topic}:`, error.message);
        // While the connection is down, its "ready" brings every topic back.
        if (this.subscriber.status !== "ready") return;
        const retry = setTimeout(
          () => {
            if (!prefixed || this.subscriptions.has(topic))
              void this.subscribeInRedis(topic, prefixed, attempt + 1);
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
        // Others look again when the publisher is back (see the constructor).
        this.lostRings = true;
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
