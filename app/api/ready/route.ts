/**
 * Readiness for load balancers: 200 when this instance should get traffic,
 * 503 with a reason per check when not (server/ops/readiness.ts).
 */
import { readiness } from "@/server/ops/readiness";

export const dynamic = "force-dynamic";

export async function GET() {
  const result = await readiness();
  return Response.json(result, { status: result.ready ? 200 : 503 });
}
