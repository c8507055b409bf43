/**
 * The delivery suite's world, set up over HTTP as real clients would: one
 * workspace, its #general plus a few public channels and one direct
 * conversation, and distinct people for every role — a prober (who also owns
 * the workspace), each sender, each subscriber — half of them calling with an
 * API token and half with a session cookie.
 */
import { randomUUID } from "node:crypto";
import { dataOf, signIn, signUp, trpcMutation } from "@/testing/http";
import type { Credentials } from "./calls";
import { type TargetRef, targetRef } from "./model";

export interface Participant {
  label: string;
  id: string;
  credentials: Credentials;
  /** The targets this person belongs to. */
  targets: TargetRef[];
}

export interface World {
  workspaceId: string;
  targets: TargetRef[];
  prober: Participant;
  senders: Participant[];
  subscribers: Participant[];
  /** Subscribers who join mid-run, from position 0, during a stream-abort fault. */
  lateSubscribers: Participant[];
}

const PASSWORD = "delivery suite password 1";

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>) {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size)
    results.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return results;
}

async function newPerson(baseUrl: string, label: string, useToken: boolean) {
  const email = `${label}.${randomUUID().slice(0, 8)}@delivery.test`;
  const id = await signUp(baseUrl, { email, name: label, password: PASSWORD });
  const cookie = await signIn(baseUrl, email, PASSWORD);
  const credentials: Credentials = { cookie };
  if (useToken) {
    const { token } = dataOf(
      await trpcMutation<{ token: string }>(
        baseUrl,
        "token.create",
        { name: "delivery" },
        { cookie },
      ),
    );
    credentials.token = token;
    credentials.cookie = undefined;
  }
  return { label, id, credentials, cookie };
}

export async function buildWorld(
  baseUrl: string,
  plan: { senders: number; subscribers: number; lateSubscribers: number; channels: number },
): Promise<World> {
  const call = async <T>(path: string, input: unknown, credentials: Credentials) =>
    dataOf(await trpcMutation<T>(baseUrl, path, input, credentials));

  const prober = await newPerson(baseUrl, "prober", true);
  const roles = [
    ...Array.from({ length: plan.senders }, (_, i) => `sender-${i + 1}`),
    ...Array.from({ length: plan.subscribers }, (_, i) => `subscriber-${i + 1}`),
    ...Array.from({ length: plan.lateSubscribers }, (_, i) => `late-${i + 1}`),
  ];
  const people = await inBatches(
    roles.map((label, i) => ({ label, useToken: i % 2 === 0 })),
    4,
    ({ label, useToken }) => newPerson(baseUrl, label, useToken),
  );

  const workspace = await call<{ id: string; generalChannelId: string }>(
    "workspace.create",
    { name: "Delivery" },
    prober.credentials,
  );
  const channels = [targetRef("channel", workspace.generalChannelId)];
  for (let i = 1; i < plan.channels; i++) {
    const { id } = await call<{ id: string }>(
      "channel.create",
      { workspaceId: workspace.id, name: `delivery-${i}`, isPrivate: false },
      prober.credentials,
    );
    channels.push(targetRef("channel", id));
  }
  const { code } = await call<{ code: string }>(
    "workspace.createInvite",
    { workspaceId: workspace.id },
    prober.credentials,
  );
  await inBatches(people, 4, async (person) => {
    await call("workspace.join", { code }, person.credentials);
    for (const channel of channels)
      await call("channel.join", { channelId: channel.id }, person.credentials);
  });

  // A conversation holds the opener and at most 9 others: two senders, then subscribers.
  const senders = people.slice(0, plan.senders);
  const watchers = people.slice(plan.senders);
  const members = [...senders.slice(0, 2), ...watchers].slice(0, 9);
  const conversation = targetRef(
    "conversation",
    (
      await call<{ id: string }>(
        "conversation.open",
        { workspaceId: workspace.id, userIds: members.map((member) => member.id) },
        prober.credentials,
      )
    ).id,
  );
  const memberIds = new Set(members.map((member) => member.id));
  const participant = (person: Awaited<ReturnType<typeof newPerson>>): Participant => ({
    label: person.label,
    id: person.id,
    credentials: person.credentials,
    targets: memberIds.has(person.id) ? [...channels, conversation] : [...channels],
  });

  return {
    workspaceId: workspace.id,
    targets: [...channels, conversation],
    prober: { ...participant(prober), targets: [...channels, conversation] },
    senders: senders.map(participant),
    subscribers: watchers.slice(0, plan.subscribers).map(participant),
    lateSubscribers: watchers.slice(plan.subscribers).map(participant),
  };
}
