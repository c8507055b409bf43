/**
 * The Auth.js signing secret: AUTH_SECRET when set (required in production
 * with an external database, see server/env.ts); otherwise one generated on
 * first start and kept in the data directory, so sessions survive restarts.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

let cached: string | undefined;

export function authSecret(): string {
  if (cached) return cached;
  const config = env();
  if (config.AUTH_SECRET) {
    cached = config.AUTH_SECRET;
    return cached;
  }
  const file = path.join(config.dataDir, "auth-secret");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o755 });
    try {
      fs.writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
    } catch (error) {
      // Another process created it first; use theirs.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  cached = fs.readFileSync(file, "utf8").trim();
  return cached;
}
