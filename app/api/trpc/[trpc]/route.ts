/**
 * The tRPC endpoint under Next.js: `next start` and serverless platforms
 * serve /api/trpc here; `npm start` serves it from its Node server
 * (server/node) before Next.js sees the request. Both take every decision
 * from server/http/api.ts; this file only turns a fetch Request into those
 * calls — tRPC's fetch adapter for queries and mutations, server/sse.ts's
 * web stream for subscriptions.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { API_ENDPOINT, beginApiCall } from "@/server/http/api";
import { requestFacts } from "@/server/http/peer";
import { serveSubscription } from "@/server/sse";

export const dynamic = "force-dynamic";

async function handler(request: Request): Promise<Response> {
  const call = beginApiCall(requestFacts(request));
  let status = 500;
  try {
    const response = await call.run(async () => {
      const refused = call.refusal();
      if (refused) return refused;
      const subscription = call.subscription();
      if (subscription) return serveSubscription({ ...subscription, signal: request.signal });
      let req = request;
      if (request.method === "POST") {
        const body = await call.readBody(request.body, request.headers.get("content-length"));
        if (body instanceof Response) return body;
        req = new Request(request.url, {
          method: "POST",
          headers: request.headers,
          body,
          signal: request.signal,
        });
      }
      return fetchRequestHandler({ endpoint: API_ENDPOINT, req, ...call.trpc });
    });
    // Next.js adds the static security headers from next.config.ts.
    for (const [name, value] of Object.entries(call.headers({ withStatic: false })))
      response.headers.set(name, value);
    status = response.status;
    return response;
  } finally {
    call.done(status);
  }
}

// Every method, so that the refusals of the others are server/http/api.ts's too.
export {
  handler as DELETE,
  handler as GET,
  handler as HEAD,
  handler as OPTIONS,
  handler as PATCH,
  handler as POST,
  handler as PUT,
};
