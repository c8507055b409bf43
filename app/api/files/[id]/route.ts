/** GET /api/files/<id> (serve) and PUT /api/files/<id> (the bytes of a started upload). */
import { getFile, putFile } from "@/server/files/http";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ id: string }> };

export async function GET(request: Request, { params }: Params) {
  return getFile(request, (await params).id, "file");
}

export async function PUT(request: Request, { params }: Params) {
  return putFile(request, (await params).id);
}
