/**
 * Follows a channel or conversation live, the way a bot, a log shipper or an
 * archiver would: it subscribes to `message.onEvent` over SSE with a personal
 * API token and prints every change (new message, edit, deletion, reaction)
 * with its position. After each event it saves the position in a state file;
 * started again, it passes that position as `lastEventId`, so the server
 * replays exactly what it missed — nothing lost, nothing twice — and then
 * goes on live. While it runs, a dropped connection or a server restart is
 * resumed the same way by the EventSource itself (Last-Event-ID).
 *
 *   npx tsx scripts/examples/follow-channel.ts --url http://127.0.0.1:3000 --token sqt_… --channel <id>
 *   npx tsx scripts/examples/follow-channel.ts --url … --token … --conversation <id> [--state <file>]
 *
 * Exit status: 0 when the server ends the stream for good (stream.closed:
 * removed from the channel, token revoked), 1 on an error, 130 on Ctrl+C.
 * How to get a token: see scripts/examples/README.md or docs/api.md.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  createTRPCClient,
  httpLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
} from "@trpc/client";
import type { inferRouterOutputs } from "@trpc/server";
// Node 20 has no EventSource; the `eventsource` package provides one that
// reconnects by itself and sends Last-Event-ID when it does.
import { EventSource } from "eventsource";
import type { AppRouter } from "@/server/routers/_app";

const USAGE =
  "usage: npx tsx scripts/examples/follow-channel.ts --url http://127.0.0.1:3000 --token sqt_… " +
  "(--channel <id> | --conversation <id>) [--state <file>]";

class UsageError extends Error {}

type Target = { kind: "channel"; id: string } | { kind: "conversation"; id: string };

function readArguments() {
  let values: {
    url?: string;
    token?: string;
    channel?: string;
    conversation?: string;
    state?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: "string" },
        token: { type: "string" },
        channel: { type: "string" },
        conversation: { type: "string" },
        state: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!values.url) throw new UsageError("--url is required");
  if (!values.token) throw new UsageError("--token is required");
  if (Boolean(values.channel) === Boolean(values.conversation))
    throw new UsageError("give exactly one of --channel and --conversation");
  let base: URL;
  try {
    base = new URL(values.url);
  } catch {
    throw new UsageError(`--url is not a URL: ${values.url}`);
  }
  const target: Target = values.channel
    ? { kind: "channel", id: values.channel }
    : { kind: "conversation", id: values.conversation as string };
  const stateFile = path.resolve(values.state ?? `.follow-${target.id}.json`);
  return { base, token: values.token, target, stateFile };
}

function createClient(base: URL, token: string) {
  const url = new URL("/api/trpc", base).toString();
  const authorization = `Bearer ${token}`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        // Subscriptions are SSE streams. EventSource has no header option, so
        // the token goes in through its fetch.
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) =>
              fetch(input, { ...init, headers: { ...init?.headers, authorization } }),
          },
        }),
        false: httpLink({ url, headers: { authorization } }),
      }),
    ],
  });
}

/** What the state file holds: the position of the last event handled. */
interface SavedState {
  kind: Target["kind"];
  id: string;
  lastEventId: string;
  savedAt: string;
}

function loadState(file: string, target: Target): string | null {
  let saved: SavedState;
  try {
    saved = JSON.parse(fs.readFileSync(file, "utf8")) as SavedState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new UsageError(`cannot read the state file ${file}: ${(error as Error).message}`);
  }
  if (saved.kind !== target.kind || saved.id !== target.id) {
    throw new UsageError(
      `the state file ${file} belongs to ${saved.kind} ${saved.id}; pass another --state`,
    );
  }
  return saved.lastEventId;
}

/** Written to a temporary file and renamed, so a crash never leaves half a file. */
function saveState(file: string, target: Target, lastEventId: string) {
  const state: SavedState = { ...target, lastEventId, savedAt: new Date().toISOString() };
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(temporary, file);
}

type StreamEvent =
  inferRouterOutputs<AppRouter>["message"]["onEvent"] extends AsyncIterable<infer Tracked>
    ? Tracked extends { data: infer Data }
      ? Data
      : never
    : never;
type ChangeEvent = Extract<StreamEvent, { message: unknown }>;

function describeChange(event: ChangeEvent): string {
  const { message } = event;
  const body = message.deletedAt ? "(deleted)" : JSON.stringify(message.body);
  const reaction = event.reaction ? `  ${event.reaction.emoji} by ${event.reaction.userId}` : "";
  return (
    `#${String(event.position).padEnd(5)} ${event.type.padEnd(16)} seq ${String(message.sequence).padEnd(5)} ` +
    `${message.author.name}: ${body}${reaction}`
  );
}

/** The innermost message of an error chain, e.g. "connect ECONNREFUSED 127.0.0.1:3000". */
function rootCause(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/** Why the connection dropped, as the EventSource said it (its ErrorEvent is not an Error). */
function connectionError(error: TRPCClientError<AppRouter>): string {
  const { message } = (error.cause ?? {}) as { message?: unknown };
  // No message: the server ended the stream (past its maximum age, or shutting down).
  return typeof message === "string" && message ? message : "the server ended the stream";
}

function report(error: unknown) {
  if (error instanceof UsageError) {
    console.error(`error: ${error.message}\n${USAGE}`);
  } else if (error instanceof TRPCClientError) {
    const { data } = error as TRPCClientError<AppRouter>;
    if (data) console.error(`error: tRPC ${data.code}: ${error.message}`);
    else console.error(`error: request failed: ${error.message} (${rootCause(error)})`);
  } else {
    console.error(`error: ${rootCause(error)}`);
  }
}

async function main() {
  const { base, token, target, stateFile } = readArguments();
  const api = createClient(base, token);
  let lastEventId = loadState(stateFile, target);

  // Plain queries first: a wrong URL, token or id fails here with a clear error.
  const me = await api.user.me.query();
  const label =
    target.kind === "channel"
      ? `#${(await api.channel.get.query({ channelId: target.id })).name}`
      : `conversation ${target.id}`;
  console.log(
    `Following ${label} as ${me.name}, ` +
      (lastEventId === null
        ? "from now on"
        : `resuming after position ${lastEventId} (from ${stateFile})`),
  );

  const input =
    target.kind === "channel" ? { channelId: target.id } : { conversationId: target.id };
  let connectionLost = false;

  let finished = false;
  const finish = (code: number, message?: string) => {
    // Unsubscribing completes the subscription, which calls onComplete: finish only once.
    if (finished) return;
    finished = true;
    subscription.unsubscribe();
    if (message) (code === 0 || code >= 128 ? console.log : console.error)(message);
    process.exit(code);
  };

  const subscription = api.message.onEvent.subscribe(
    // The saved position, if any; the link replaces it with the latest one on reconnects.
    { ...input, lastEventId },
    {
      onData({ id, data: event }) {
        if (event.type === "stream.closed") {
          finish(0, `The server closed the stream: ${event.reason}`);
          return;
        }
        if (event.type === "sync") {
          if (event.reset) {
            console.log(
              `-- the server is behind position ${lastEventId} (a restored database?): ` +
                `following from position ${event.position} --`,
            );
          }
          console.log(`-- up to date at position ${event.position}; live from here --`);
        } else {
          console.log(describeChange(event));
        }
        lastEventId = id;
        saveState(stateFile, target, id);
      },
      onConnectionStateChange(state) {
        if (state.state === "connecting" && state.error && !connectionLost) {
          connectionLost = true;
          console.log(`-- connection lost (${connectionError(state.error)}); reconnecting… --`);
        } else if (state.state === "pending" && connectionLost) {
          connectionLost = false;
          console.log(`-- reconnected; resuming after position ${lastEventId} --`);
        }
      },
      onError(error) {
        report(error);
        finish(1);
      },
      onComplete() {
        finish(0, "The server ended the stream.");
      },
    },
  );

  const stop = (signal: NodeJS.Signals, code: number) => () =>
    finish(
      code,
      `\n${signal}: stopped after position ${lastEventId ?? "(none yet)"}; ` +
        `run the same command to resume from ${stateFile}`,
    );
  process.once("SIGINT", stop("SIGINT", 130));
  process.once("SIGTERM", stop("SIGTERM", 143));
}

main().catch((error: unknown) => {
  report(error);
  process.exit(1);
});
