/**
 * Scenario 5, reads through HTTP: the latest 50 messages and a page deep in
 * the history of a channel of 1,000,000 messages, and channel.list (with
 * exact unread counts) for a member of 500 channels. Requests run one after
 * another, the three kinds interleaved, so each latency is the server's
 * answer time plus loopback, not queueing behind the others.
 */
import type { BenchContext } from "../lib/context";
import { dataOf, type Reply } from "../lib/http";
import { readFixture } from "../lib/seed";
import { latencies, median } from "../lib/stats";

export async function readsScenario(ctx: BenchContext) {
  const { options, recorder, log, fixture } = ctx;
  const reads = await readFixture(ctx);
  const { client } = await ctx.restartApp("reads");
  const token = fixture.reader.token;
  const deep = Math.floor(options.historyMessages / 2);

  const kinds = [
    {
      key: "latest",
      label: `message.list, latest 50 of ${options.historyMessages.toLocaleString("en-US")} messages`,
      call: () =>
        client.query("message.list", { channelId: reads.historyChannelId, limit: 50 }, token),
      check: (reply: Reply) => {
        const page = dataOf<{ sequence: number }[]>(reply);
        return page.length === 50 && page[49]?.sequence === options.historyMessages;
      },
      target: { text: "≤ 10 ms", op: "<=" as const, value: 10 },
    },
    {
      key: "deep",
      label: `message.list, 50 before sequence ${deep.toLocaleString("en-US")}`,
      call: () =>
        client.query(
          "message.list",
          { channelId: reads.historyChannelId, before: deep, limit: 50 },
          token,
        ),
      check: (reply: Reply) => {
        const page = dataOf<{ sequence: number }[]>(reply);
        return page.length === 50 && page[49]?.sequence === deep - 1;
      },
    },
    {
      key: "channels",
      label: `channel.list with unread counts, member of ${options.listChannels} channels (${reads.unreadChannels} with unread messages)`,
      call: () => client.query("channel.list", { workspaceId: reads.listWorkspaceId }, token),
      check: (reply: Reply) => {
        const list = dataOf<{ unreadCount: number }[]>(reply);
        return (
          list.length === options.listChannels &&
          list.filter((c) => c.unreadCount === 20).length === reads.unreadChannels
        );
      },
    },
  ];

  for (const kind of kinds) {
    const reply = await kind.call();
    if (!kind.check(reply)) {
      recorder.anomaly(`${kind.label}: unexpected answer: ${reply.text.slice(0, 300)}`);
    }
    for (let i = 0; i < 20; i++) await kind.call();
  }

  const samples = new Map<string, number[][]>(kinds.map((k) => [k.key, []]));
  let errors = 0;
  for (let run = 1; run <= options.runs; run++) {
    const current = new Map<string, number[]>(kinds.map((k) => [k.key, []]));
    for (let i = 0; i < options.readRequests; i++) {
      for (const kind of kinds) {
        const reply = await kind.call();
        if (reply.status !== 200) errors++;
        else current.get(kind.key)?.push(reply.ms);
      }
    }
    const parts: string[] = [];
    for (const kind of kinds) {
      const values = current.get(kind.key) ?? [];
      samples.get(kind.key)?.push(values);
      const summary = latencies(values);
      parts.push(`${kind.key} p50 ${summary.p50.toFixed(1)} / p99 ${summary.p99.toFixed(1)} ms`);
    }
    log(
      `reads · run ${run}/${options.runs} (${options.readRequests} requests each): ${parts.join(" · ")}`,
    );
  }
  if (errors > 0) recorder.anomaly(`reads: ${errors} requests failed`);

  for (const kind of kinds) {
    const runs = (samples.get(kind.key) ?? []).map((values) => latencies(values));
    recorder.raw("reads", { kind: kind.key, runs });
    recorder.figure({
      id: `reads.${kind.key}.p99`,
      scenario: "reads",
      label: `${kind.label}: p99`,
      unit: "ms",
      runs: runs.map((r) => r.p99),
      detail: `p50 ${median(runs.map((r) => r.p50)).toFixed(1)} ms`,
      target: kind.target,
    });
  }
}
