/** POST /api/files: upload a whole file in one request (server/files/http.ts). */
import { postFile } from "@/server/files/http";

export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return postFile(request);
}
