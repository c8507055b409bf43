/**
 * The one error type domain code throws. tRPC maps it to its own codes in
 * server/trpc.ts, so services stay free of transport concerns.
 */
export type AppErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "PAYLOAD_TOO_LARGE"
  | "TOO_MANY_REQUESTS";

export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: AppErrorCode,
    message: string,
    /** For TOO_MANY_REQUESTS: seconds until a retry may succeed. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** PostgreSQL's SQLSTATE for unique violations, and the constraint it names. */
export function uniqueViolation(error: unknown): string | undefined {
  const candidate = (error as { cause?: unknown })?.cause ?? error;
  const pgError = candidate as { code?: string; constraint?: string };
  return pgError?.code === "23505" ? (pgError.constraint ?? "") : undefined;
}

/** PostgreSQL's SQLSTATE for foreign-key violations, and the constraint it names. */
export function foreignKeyViolation(error: unknown): string | undefined {
  const candidate = (error as { cause?: unknown })?.cause ?? error;
  const pgError = candidate as { code?: string; constraint?: string };
  return pgError?.code === "23503" ? (pgError.constraint ?? "") : undefined;
}
