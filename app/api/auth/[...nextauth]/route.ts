/**
 * Auth.js's endpoints, behind the HTTP rules of server/http: a POST body is
 * read up to the limit before Auth.js parses it, and a credentials sign-in
 * that would be refused by its rate limits is answered here with 429 and
 * Retry-After (the limits themselves are counted in the Credentials
 * provider, server/auth/config.ts, which every sign-in passes).
 */
import { NextRequest } from "next/server";
import { handlers } from "@/server/auth/config";
import { signInEmail, signInRefused } from "@/server/auth/limits";
import {
  bodyLimit,
  payloadTooLarge,
  rateLimitAddress,
  readBody,
  transportHeaders,
} from "@/server/http";
import { currentPeer, requestFacts } from "@/server/http/peer";

export const dynamic = "force-dynamic";

/** The response with headers that depend on the transport (HSTS). */
function finish(request: Request, response: Response): Response {
  const extra = transportHeaders(requestFacts(request));
  for (const [name, value] of Object.entries(extra)) {
    try {
      response.headers.set(name, value);
    } catch {
      // Immutable headers (a fetched response): copy it.
      const copy = new Response(response.body, response);
      copy.headers.set(name, value);
      return copy;
    }
  }
  return response;
}

export async function GET(request: NextRequest) {
  return finish(request, await handlers.GET(request));
}

export async function POST(request: NextRequest) {
  const body = await readBody(request.body, bodyLimit(), request.headers.get("content-length"));
  if (!body.ok) return finish(request, payloadTooLarge(body.limit));
  const buffered = new NextRequest(request.url, {
    method: "POST",
    headers: request.headers,
    body: body.bytes,
  });
  if (request.nextUrl.pathname.endsWith("/callback/credentials")) {
    const form = await buffered
      .clone()
      .formData()
      .catch(() => undefined);
    const refused = await signInRefused(
      signInEmail(form?.get("email")),
      rateLimitAddress(currentPeer()),
    );
    if (refused) {
      return finish(
        request,
        Response.json(
          {
            error: "TOO_MANY_REQUESTS",
            message: `Too many sign-in attempts; try again in ${refused.retryAfterSeconds} s.`,
          },
          { status: 429, headers: { "Retry-After": String(refused.retryAfterSeconds) } },
        ),
      );
    }
  }
  return finish(request, await handlers.POST(buffered));
}
