/** GET /api/files/<id>/thumbnail: an image's WebP preview, to whoever may read the file. */
import { getFile } from "@/server/files/http";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return getFile(request, (await params).id, "thumbnail");
}
