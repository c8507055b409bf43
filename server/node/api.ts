/**
 * /api/trpc in the Node server: the request goes from the socket to tRPC's
 * Node HTTP adapter (queries, mutations, batches) or to server/sse.ts's
 * Node sink (subscriptions), without Next.js in between. Every decision is
 * server/http/api.ts's, as for the route handler; this file only translates
 * between Node's request and response and those calls.
 */
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { nodeHTTPRequestHandler } from "@trpc/server/adapters/node-http";
import type { RequestFacts } from "@/server/http";
import { API_ENDPOINT, beginApiCall } from "@/server/http/api";
import { peerOfIncoming } from "@/server/http/peer";
import { streamSubscription } from "@/server/sse";

const decoder = new TextDecoder();

function factsOf(req: IncomingMessage): RequestFacts {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  let url: URL;
  try {
    url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
  } catch {
    url = new URL(req.url ?? "/", "http://localhost");
  }
  return { method: req.method ?? "GET", url, headers, peer: peerOfIncoming(req) };
}

/** Writes a small, complete web Response (a refusal) to `res`; `headers` win, by name in any case. */
async function send(res: ServerResponse, response: Response, headers: Record<string, string>) {
  const merged = new Headers(response.headers);
  for (const [name, value] of Object.entries(headers)) merged.set(name, value);
  res.writeHead(response.status, Object.fromEntries(merged));
  res.end(Buffer.from(await response.arrayBuffer()));
}

export async function serveApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const facts = factsOf(req);
  const call = beginApiCall(facts);
  try {
    await call.run(async () => {
      const headers = call.headers({ withStatic: true });
      const refused = call.refusal();
      if (refused) return send(res, refused, headers);
      const subscription = call.subscription();
      if (subscription) return streamSubscription(subscription, res, headers);
      if (req.method === "POST") {
        // A body far over the limit is given up on (server/http readBody): its connection closes.
        const chunks = req.iterator({ destroyOnReturn: true });
        const body = await call.readBody(chunks, req.headers["content-length"]);
        if (body instanceof Response) return send(res, body, headers);
        // tRPC's adapter takes a body that was read already from `req.body`.
        (req as IncomingMessage & { body?: string }).body = decoder.decode(body);
      }
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      // The adapter settles when the response finishes, which a client that left never sees.
      await Promise.race([
        nodeHTTPRequestHandler({
          req,
          res,
          path: facts.url.pathname.slice(API_ENDPOINT.length + 1),
          ...call.trpc,
        }),
        once(res, "close"),
      ]);
    });
  } finally {
    // 499: the client closed the connection before it was answered (nginx's code for it).
    call.done(res.headersSent ? res.statusCode : res.destroyed ? 499 : 500);
  }
}
