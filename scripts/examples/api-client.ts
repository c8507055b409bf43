/**
 * A typed Sequent API client: what a bot or script does with a personal API
 * token. It shows who the token belongs to, picks a workspace, creates a
 * channel, sends messages (and one repeat, to show that sends are idempotent),
 * reads them back in sequence order and prints the channel's read state.
 *
 *   npx tsx scripts/examples/api-client.ts --url http://127.0.0.1:3000 --token sqt_… [--workspace <id>]
 *
 * How to get a token: see scripts/examples/README.md or docs/api.md.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@/server/routers/_app";

const USAGE =
  "usage: npx tsx scripts/examples/api-client.ts --url http://127.0.0.1:3000 --token sqt_… [--workspace <id>]";

class UsageError extends Error {}

function readArguments() {
  let values: { url?: string; token?: string; workspace?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: "string" },
        token: { type: "string" },
        workspace: { type: "string" },
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
  let base: URL;
  try {
    base = new URL(values.url);
  } catch {
    throw new UsageError(`--url is not a URL: ${values.url}`);
  }
  return { base, token: values.token, workspaceId: values.workspace };
}

function createClient(base: URL, token: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        // Queries go out as GET, mutations as JSON POST; calls made in the
        // same tick share one HTTP request.
        url: new URL("/api/trpc", base).toString(),
        headers: { authorization: `Bearer ${token}` },
      }),
    ],
  });
}

type Client = ReturnType<typeof createClient>;

/** The given workspace, else the first one I belong to, else a new one. */
async function pickWorkspace(api: Client, workspaceId: string | undefined) {
  if (workspaceId) {
    const workspace = await api.workspace.get.query({ workspaceId });
    console.log(`Workspace: ${workspace.name} (${workspace.id}), given with --workspace`);
    return workspace.id;
  }
  const [first] = await api.workspace.list.query();
  if (first) {
    console.log(`Workspace: ${first.name} (${first.id}), the first of workspace.list`);
    return first.id;
  }
  const created = await api.workspace.create.mutate({ name: "API example" });
  console.log(`Workspace: API example (${created.id}), created because you had none`);
  return created.id;
}

async function main() {
  const { base, token, workspaceId: requestedWorkspace } = readArguments();
  const api = createClient(base, token);

  const me = await api.user.me.query();
  console.log(`Signed in as ${me.name} <${me.email}> (${me.id})`);

  const workspaceId = await pickWorkspace(api, requestedWorkspace);

  // Channel names: lowercase letters, digits, - and _, unique per workspace.
  const name = `api-example-${Date.now().toString(36)}-${randomUUID().slice(0, 4)}`;
  const channel = await api.channel.create.mutate({
    workspaceId,
    name,
    topic: "Created by scripts/examples/api-client.ts",
  });
  console.log(`Created #${name} (${channel.id})`);

  // Every send carries a fresh clientMessageId; keep it to retry safely.
  const bodies = [
    "Hello from the typed API client 👋",
    `Mentions are written as <@${me.id}> in the body`,
    "**Markdown** is stored as written and rendered safely by the app",
  ];
  const sent = [];
  for (const body of bodies) {
    const message = await api.message.send.mutate({
      channelId: channel.id,
      body,
      clientMessageId: randomUUID(),
    });
    sent.push(message);
    console.log(`Sent #${message.sequence} (clientMessageId ${message.clientMessageId})`);
  }

  // A retry after a timeout looks exactly like this: same clientMessageId.
  const original = sent[0];
  if (!original) throw new Error("nothing was sent");
  const repeat = await api.message.send.mutate({
    channelId: channel.id,
    body: original.body,
    clientMessageId: original.clientMessageId,
  });
  const same = repeat.id === original.id && repeat.sequence === original.sequence;
  console.log(
    `Re-sent clientMessageId ${original.clientMessageId}: got #${repeat.sequence} (id ${repeat.id}) ` +
      (same ? "— the original message, nothing new stored" : "— UNEXPECTED: a different message"),
  );
  if (!same) throw new Error("the repeated send did not return the original message");

  const messages = await api.message.list.query({ channelId: channel.id, limit: 100 });
  console.log(`message.list of #${name} (${messages.length} messages, ascending sequence):`);
  for (const message of messages) {
    const body = message.deletedAt ? "(deleted)" : message.body;
    console.log(`  #${message.sequence}  ${message.author.name}: ${body}`);
  }

  const channels = await api.channel.list.query({ workspaceId });
  const listed = channels.find((item) => item.id === channel.id);
  if (!listed) throw new Error(`#${name} is missing from channel.list`);
  console.log(
    `channel.list for #${listed.name}: lastSequence=${listed.lastSequence} ` +
      `lastReadSequence=${listed.lastReadSequence} unreadCount=${listed.unreadCount} ` +
      `mentionCount=${listed.mentionCount}`,
  );
}

/** The innermost message of an error chain, e.g. "connect ECONNREFUSED 127.0.0.1:3000". */
function rootCause(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

function report(error: unknown) {
  if (error instanceof UsageError) {
    console.error(`error: ${error.message}\n${USAGE}`);
    return;
  }
  if (error instanceof TRPCClientError) {
    const { data } = error as TRPCClientError<AppRouter>;
    if (!data) {
      // No tRPC error body: the server could not be reached or did not answer JSON.
      console.error(`error: request failed: ${error.message} (${rootCause(error)})`);
      return;
    }
    const fields = Object.entries(data.fieldErrors ?? {});
    // For invalid input the message lists the fields; print them one per line instead.
    console.error(
      `error: tRPC ${data.code} (HTTP ${data.httpStatus}): ${fields.length > 0 ? "invalid input" : error.message}`,
    );
    for (const [field, messages] of fields) console.error(`  ${field}: ${messages.join("; ")}`);
    if (data.retryAfterSeconds) console.error(`  retry after ${data.retryAfterSeconds} s`);
    return;
  }
  console.error(`error: ${rootCause(error)}`);
}

main().catch((error: unknown) => {
  report(error);
  process.exitCode = 1;
});
