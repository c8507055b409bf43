/**
 * Auth.js's endpoints. A credentials sign-in that is over its rate limit is
 * answered here with 429 and Retry-After, before Auth.js runs.
 */
import type { NextRequest } from "next/server";
import { handlers, signInRefused } from "@/server/auth/config";

export const dynamic = "force-dynamic";

export const GET = handlers.GET;

export async function POST(request: NextRequest) {
  if (request.nextUrl.pathname.endsWith("/callback/credentials")) {
    const form = await request
      .clone()
      .formData()
      .catch(() => undefined);
    const email = form?.get("email");
    if (typeof email === "string") {
      const refused = await signInRefused(email, request.headers);
      if (refused) {
        return Response.json(
          {
            error: "TOO_MANY_REQUESTS",
            message: `Too many sign-in attempts; try again in ${refused.retryAfterSeconds} s.`,
          },
          { status: 429, headers: { "Retry-After": String(refused.retryAfterSeconds) } },
        );
      }
    }
  }
  return handlers.POST(request);
}
