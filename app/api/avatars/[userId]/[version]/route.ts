/** GET /api/avatars/<userId>/<version>: a profile picture, to people who share a workspace. */
import { getAvatar } from "@/server/files/http";

export const dynamic = "force-dynamic";

export async function GET(
  request: Request,
  { params }: { params: Promise<{ userId: string; version: string }> },
) {
  const { userId, version } = await params;
  return getAvatar(request, userId, version);
}
