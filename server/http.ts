/**
 * HTTP-level rules for the API, applied before tRPC sees a request:
 * mutations are JSON POSTs only, and a cookie-authenticated request from
 * another site is refused (CSRF). Bearer-token requests carry no ambient
 * credentials, so they may come from anywhere.
 */

function errorResponse(status: number, code: string, message: string): Response {
  return Response.json(
    {
      error: {
        message,
        code: status === 403 ? -32003 : -32600,
        data: { code, httpStatus: status },
      },
    },
    { status, headers: { "Cache-Control": "no-store" } },
  );
}

/** The origin this request was addressed to, as the browser saw it. */
function ownOrigin(request: Request): string {
  const url = new URL(request.url);
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host") ?? url.host;
  const proto = request.headers.get("x-forwarded-proto") ?? url.protocol.replace(":", "");
  return `${proto}://${host}`;
}

function isCrossSite(request: Request): boolean {
  if (request.headers.get("sec-fetch-site") === "cross-site") return true;
  const origin = request.headers.get("origin");
  if (!origin || origin === "null") return origin === "null";
  return origin !== ownOrigin(request) && origin !== new URL(request.url).origin;
}

/** A response refusing the request, or undefined when it may go on. */
export function refuseUnsafeRequest(request: Request): Response | undefined {
  if (request.method !== "POST") return undefined;
  const mediaType = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") {
    return errorResponse(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      "Send mutations as POST with Content-Type: application/json.",
    );
  }
  if (!request.headers.get("authorization") && isCrossSite(request)) {
    return errorResponse(
      403,
      "FORBIDDEN",
      "Cross-site requests with cookies are refused; call the API with a Bearer token.",
    );
  }
  return undefined;
}
