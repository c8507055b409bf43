/** POST /api/avatar: set your profile picture (server/files/http.ts). */
import { postAvatar } from "@/server/files/http";

export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return postAvatar(request);
}
