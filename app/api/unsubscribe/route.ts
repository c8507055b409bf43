/**
 * POST /api/unsubscribe?u=<userId>&t=<signature>: stops notification mails
 * for one person (server/notifications/mail.ts). A GET of the link only shows
 * the page with the button (app/unsubscribe): link scanners follow links.
 */
import { getDb } from "@/db/client";
import { unsubscribeRequest } from "@/server/notifications/mail";

export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  return unsubscribeRequest(request, await getDb());
}
