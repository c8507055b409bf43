/**
 * The origin browsers upload to directly (S3 storage), for the pages'
 * Content-Security-Policy `connect-src`; null when uploads go through the
 * app. Kept apart from server/files/storage.ts so that the proxy does not
 * load the AWS SDK.
 */
import type { Env } from "@/lib/env";

export function directUploadOrigin(
  config: Pick<Env, "storage" | "S3_PUBLIC_ENDPOINT" | "S3_ENDPOINT" | "S3_BUCKET" | "S3_REGION">,
): string | null {
  if (config.storage !== "s3") return null;
  const endpoint = config.S3_PUBLIC_ENDPOINT ?? config.S3_ENDPOINT;
  if (endpoint) return new URL(endpoint).origin;
  return `https://${config.S3_BUCKET}.s3.${config.S3_REGION}.amazonaws.com`;
}
