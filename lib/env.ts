/**
 * The environment: the one module that reads `process.env`. Everything else
 * imports `env` (validated once, at first use) so a bad value stops start-up
 * with a single line naming the variable.
 */
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";

const postgresUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (
        (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== ""
      );
    } catch {
      return false;
    }
  }, "must be a postgres:// or postgresql:// URL with a host, e.g. postgres://user:pass@127.0.0.1:5432/sequent");

const redisUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "redis:" || url.protocol === "rediss:") && url.hostname !== "";
    } catch {
      return false;
    }
  }, "must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379");

/** "N/S": at most N events per S seconds, e.g. "30/10". */
const rateLimit = z
  .string()
  .trim()
  .regex(/^\d+\/\d+$/, 'must look like "count/seconds", e.g. "30/10"')
  .transform((value) => {
    const [count, seconds] = value.split("/").map(Number) as [number, number];
    return { count, windowMs: seconds * 1000 };
  })
  .refine((limit) => limit.count > 0 && limit.windowMs > 0, "count and seconds must be positive");

/**
 * Which peers are proxies whose X-Forwarded-For and X-Forwarded-Proto are
 * believed: none (the socket's address is the client's), a number of proxy
 * hops in front of the app, or the proxies' addresses (IPs, CIDR ranges, or
 * "loopback", "linklocal", "uniquelocal"). See docs/security.md.
 */
export type ProxyTrust =
  | { kind: "none" }
  | { kind: "hops"; hops: number }
  | { kind: "addresses"; entries: string[] };

const NAMED_RANGES = ["loopback", "linklocal", "uniquelocal"];
const isCidrOrAddress = (entry: string) => {
  if (NAMED_RANGES.includes(entry)) return true;
  const [address = "", bits, ...rest] = entry.split("/");
  const family = isIP(address);
  if (!family || rest.length > 0) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return /^\d{1,3}$/.test(bits) && prefix <= (family === 4 ? 32 : 128);
};

const proxyTrust = z
  .string()
  .trim()
  .transform((value, ctx): ProxyTrust => {
    if (value === "" || value === "none" || value === "false") return { kind: "none" };
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (hops === 0) return { kind: "none" };
      if (hops <= 10) return { kind: "hops", hops };
    }
    const entries = value.split(",").map((entry) => entry.trim().toLowerCase());
    if (entries.every(isCidrOrAddress)) return { kind: "addresses", entries };
    ctx.addIssue({
      code: "custom",
      message:
        'must be "none", a number of proxy hops (1-10), or a comma-separated list of proxy addresses, CIDR ranges, "loopback", "linklocal" or "uniquelocal"',
    });
    return z.NEVER;
  });

/** The public origin of the app, e.g. https://chat.example.com (a path is ignored). */
const publicUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
    } catch {
      return false;
    }
  }, "must be the app's public http:// or https:// URL, e.g. https://chat.example.com");

/** An SMTP server: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465 (TLS). */
const smtpUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "smtp:" || url.protocol === "smtps:") && url.hostname !== "";
    } catch {
      return false;
    }
  }, "must be an smtp:// or smtps:// URL, e.g. smtps://user:password@mail.example.com:465");

/** An http(s) endpoint of an S3-compatible service, e.g. https://s3.eu-central-1.amazonaws.com. */
const httpUrl = (example: string) =>
  z
    .string()
    .trim()
    .refine((value) => {
      try {
        const url = new URL(value);
        return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
      } catch {
        return false;
      }
    }, `must be an http:// or https:// URL, e.g. ${example}`);

/** "1"/"true"/"yes" or "0"/"false"/"no". */
const flag = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => ["1", "true", "yes", "0", "false", "no"].includes(value), {
    message: 'must be "1" or "0" (or true/false)',
  })
  .transform((value) => ["1", "true", "yes"].includes(value));

const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`);

const emptyAsUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce
      .number()
      .int("must be a whole number")
      .min(1, "must be between 1 and 65535")
      .max(65535, "must be between 1 and 65535")
      .default(3000),
    HOST: z.string().trim().min(1).default("127.0.0.1"),
    DATABASE_URL: z.preprocess(emptyAsUndefined, postgresUrl.optional()),
    DATABASE_DRIVER: z.preprocess(
      emptyAsUndefined,
      z.enum(["pg", "neon"], { error: 'must be "pg" or "neon"' }).optional(),
    ),
    /** Integration tests and the e2e server create their own database on this server. */
    TEST_DATABASE_URL: z.preprocess(emptyAsUndefined, postgresUrl.optional()),
    /** Port of the production server the Playwright suite starts. */
    E2E_PORT: z.coerce.number().int().min(1).max(65535).default(3199),
    /** Run the Playwright suite against an already running app instead of starting one. */
    E2E_BASE_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
    CI: z.preprocess(emptyAsUndefined, z.string().optional()),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
    SEQUENT_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().optional()),
    /** Where `next build` writes and `next start` reads (default .next), so builds can live side by side. */
    SEQUENT_BUILD_DIR: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^\.next[\w.-]*$/, 'must be a folder name starting with ".next", e.g. ".next-bench"')
        .optional(),
    ),
    AUTH_SECRET: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .min(32, "must be at least 32 characters (try: openssl rand -base64 32)")
        .optional(),
    ),
    /**
     * The app's public URL. Auth.js reads it too; here it is the origin that
     * same-origin checks compare against and the scheme that decides Secure
     * cookies and HSTS. Unset: the request's Host and the real scheme.
     */
    AUTH_URL: z.preprocess(emptyAsUndefined, publicUrl.optional()),
    /** Which peers may tell the client's address and scheme (X-Forwarded-For/-Proto). */
    TRUST_PROXY: proxyTrust.prefault("none"),
    /** Largest request body accepted by the API and sign-in endpoints, in KiB. */
    BODY_LIMIT_KB: z.coerce
      .number()
      .int("must be a whole number")
      .min(1, "must be between 1 and 10240")
      .max(10_240, "must be between 1 and 10240")
      .default(64),
    AUTH_GITHUB_ID: z.preprocess(emptyAsUndefined, z.string().optional()),
    AUTH_GITHUB_SECRET: z.preprocess(emptyAsUndefined, z.string().optional()),
    REDIS_URL: z.preprocess(emptyAsUndefined, redisUrl.optional()),
    /**
     * Sign-in attempts per account that go through at once, and how long (s)
     * an account's failures are remembered; past the count each attempt waits
     * a delay that doubles up to SIGN_IN_MAX_DELAY_SECONDS.
     */
    RATE_LIMIT_SIGN_IN: rateLimit.prefault("10/300"),
    SIGN_IN_MAX_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    /** Sign-in attempts per client address. */
    RATE_LIMIT_SIGN_IN_IP: rateLimit.prefault("60/300"),
    /** Sign-ups per client address. */
    RATE_LIMIT_SIGN_UP_IP: rateLimit.prefault("20/3600"),
    /** Messages sent per user. */
    RATE_LIMIT_SEND: rateLimit.prefault("600/60"),
    /** Email invitations sent per user. */
    RATE_LIMIT_INVITE: rateLimit.prefault("30/3600"),
    /** "off" disables every rate limit (benchmarks only). */
    RATE_LIMITS: z.preprocess(emptyAsUndefined, z.enum(["on", "off"]).default("on")),
    STREAM_MAX_SECONDS: z.coerce.number().int().min(5).max(86_400).default(240),
    STREAM_PING_SECONDS: z.coerce.number().int().min(1).max(600).default(20),
    /** Event streams one person may hold open on one instance (all their sessions and tokens). */
    STREAMS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(20),
    /** Event streams one API token may hold open on one instance. */
    STREAMS_PER_TOKEN: z.coerce.number().int().min(1).max(10_000).default(10),
    /**
     * On SIGTERM, how long requests in flight may take to finish before the
     * server cuts them and exits (event streams end at once).
     */
    SHUTDOWN_SECONDS: z.coerce.number().int().min(0).max(600).default(10),
    /** Largest file one upload may carry, in MiB. */
    UPLOAD_MAX_MB: wholeNumber(1, 5120).default(25),
    /** Storage one workspace may hold (its files, uploads in progress included), in MiB. */
    WORKSPACE_QUOTA_MB: wholeNumber(1, 100_000_000).default(10_240),
    /** Uploads started per user. */
    RATE_LIMIT_UPLOAD: rateLimit.prefault("120/600"),
    /** Where files are kept: "disk" (under the data folder) or "s3"; default s3 when S3_BUCKET is set. */
    STORAGE: z.preprocess(
      emptyAsUndefined,
      z.enum(["disk", "s3"], { error: 'must be "disk" or "s3"' }).optional(),
    ),
    /** Folder of the disk storage; default <data folder>/files. */
    STORAGE_DIR: z.preprocess(emptyAsUndefined, z.string().optional()),
    S3_BUCKET: z.preprocess(emptyAsUndefined, z.string().trim().min(3).max(63).optional()),
    S3_REGION: z.preprocess(emptyAsUndefined, z.string().trim().default("us-east-1")),
    /** A non-AWS service's endpoint (MinIO, R2, …); unset: AWS itself. */
    S3_ENDPOINT: z.preprocess(emptyAsUndefined, httpUrl("http://127.0.0.1:9000").optional()),
    /** The endpoint browsers upload to, when it differs from S3_ENDPOINT (a public name). */
    S3_PUBLIC_ENDPOINT: z.preprocess(
      emptyAsUndefined,
      httpUrl("https://files.example.com").optional(),
    ),
    /** Unset: the AWS SDK's usual chain (environment, shared files, instance roles). */
    S3_ACCESS_KEY_ID: z.preprocess(emptyAsUndefined, z.string().optional()),
    S3_SECRET_ACCESS_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
    /** Path-style addressing (http://host/bucket/key), which most S3-compatible services need. */
    S3_FORCE_PATH_STYLE: z.preprocess(emptyAsUndefined, flag.optional()),
    /** Outgoing mail; unset: mail is written to the server log, links included. */
    SMTP_URL: z.preprocess(emptyAsUndefined, smtpUrl.optional()),
    MAIL_FROM: z.preprocess(
      emptyAsUndefined,
      z.string().trim().min(3).default("Sequent <sequent@localhost>"),
    ),
    /**
     * "required": a new account's address must be confirmed through a mailed
     * link before email invitations to it show; default when SMTP_URL is set.
     */
    EMAIL_VERIFICATION: z.preprocess(
      emptyAsUndefined,
      z.enum(["required", "off"], { error: 'must be "required" or "off"' }).optional(),
    ),
    /** How long a password reset link works, in minutes. */
    PASSWORD_RESET_MINUTES: wholeNumber(5, 1440).default(60),
    /** Password reset requests per address asked about, and per client address. */
    RATE_LIMIT_PASSWORD_RESET: rateLimit.prefault("5/3600"),
    /** At most one notification mail per person per this many minutes. */
    EMAIL_NOTIFY_MINUTES: wholeNumber(1, 1440).default(15),
    /** A mention or direct message is mailed once it has waited unread this long, its reader offline. */
    EMAIL_NOTIFY_IDLE_MINUTES: wholeNumber(0, 1440).default(5),
    /** "off" sends no notification mails at all. */
    EMAIL_NOTIFICATIONS: z.preprocess(emptyAsUndefined, z.enum(["on", "off"]).default("on")),
    /** "1" adds process internals (listeners, feeds, memory) to /api/health, for tests and benchmarks. */
    SEQUENT_DIAGNOSTICS: z.preprocess(emptyAsUndefined, z.enum(["0", "1"]).optional()),
    LOG_QUERIES: z.preprocess(emptyAsUndefined, z.enum(["0", "1"]).optional()),
    LOG_LEVEL: z.preprocess(
      emptyAsUndefined,
      z
        .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
          error: 'must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent"',
        })
        .default("info"),
    ),
    /**
     * "1": start-up applies pending migrations (one server, the embedded
     * database). "0": several instances migrate as a deploy step
     * (`npm run db:migrate`) and start-up refuses an older schema.
     */
    MIGRATE_ON_START: z.preprocess(
      emptyAsUndefined,
      z
        .enum(["0", "1"], { error: 'must be "1" (migrate at start-up) or "0" (never)' })
        .default("1"),
    ),
    /** The Bearer token that GET /api/metrics requires; unset, the endpoint does not exist. */
    METRICS_TOKEN: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .min(16, "must be at least 16 characters (try: openssl rand -hex 32)")
        .max(512, "must be at most 512 characters")
        .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces (it is sent in a header)")
        .optional(),
    ),
  })
  .superRefine((value, ctx) => {
    if (Boolean(value.AUTH_GITHUB_ID) !== Boolean(value.AUTH_GITHUB_SECRET)) {
      ctx.addIssue({
        code: "custom",
        path: [value.AUTH_GITHUB_ID ? "AUTH_GITHUB_SECRET" : "AUTH_GITHUB_ID"],
        message: "must be set together with the other AUTH_GITHUB_* variable",
      });
    }
    if (value.STORAGE === "s3" && !value.S3_BUCKET) {
      ctx.addIssue({ code: "custom", path: ["S3_BUCKET"], message: "is required when STORAGE=s3" });
    }
    if (Boolean(value.S3_ACCESS_KEY_ID) !== Boolean(value.S3_SECRET_ACCESS_KEY)) {
      ctx.addIssue({
        code: "custom",
        path: [value.S3_ACCESS_KEY_ID ? "S3_SECRET_ACCESS_KEY" : "S3_ACCESS_KEY_ID"],
        message: "must be set together with the other S3_*_KEY variable",
      });
    }
    // An embedded database is a single-machine setup, so a generated secret
    // kept beside its data is as safe as the data itself. A real deployment
    // shares its database between instances and must share one secret too.
    if (value.NODE_ENV === "production" && value.DATABASE_URL && !value.AUTH_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_SECRET"],
        message:
          "is required in production when DATABASE_URL is set (generate one with: openssl rand -base64 32)",
      });
    }
  });

export type Env = z.infer<typeof schema> & {
  /** Absolute path of the folder that holds the embedded database and generated secrets. */
  dataDir: string;
  /** Which storage keeps files, and where the disk storage keeps them. */
  storage: "disk" | "s3";
  storageDir: string;
  /** Whether new accounts confirm their address before email invitations to it count. */
  emailVerification: boolean;
  /** Which driver the database module uses. */
  databaseDriver: "embedded" | "pg" | "neon";
};

export class EnvError extends Error {
  override name = "EnvError";
}

/** Validates a set of variables; throws an EnvError whose message is one line. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = issue?.path.join(".") || "environment";
    throw new EnvError(`Invalid environment variable ${name}: ${issue?.message ?? "invalid"}`);
  }
  const value = result.data;
  const dataDir = path.resolve(
    /*turbopackIgnore: true*/ value.SEQUENT_DATA_DIR ?? path.join(process.cwd(), ".data"),
  );
  let databaseDriver: Env["databaseDriver"] = "embedded";
  if (value.DATABASE_URL) {
    const host = new URL(value.DATABASE_URL).hostname;
    databaseDriver = value.DATABASE_DRIVER ?? (host.endsWith(".neon.tech") ? "neon" : "pg");
  } else if (value.DATABASE_DRIVER === "neon") {
    throw new EnvError(
      "Invalid environment variable DATABASE_URL: is required when DATABASE_DRIVER=neon",
    );
  }
  const storage = value.STORAGE ?? (value.S3_BUCKET ? "s3" : "disk");
  const storageDir = path.resolve(
    /*turbopackIgnore: true*/ value.STORAGE_DIR ?? path.join(dataDir, "files"),
  );
  const emailVerification =
    (value.EMAIL_VERIFICATION ?? (value.SMTP_URL ? "required" : "off")) === "required";
  return { ...value, dataDir, databaseDriver, storage, storageDir, emailVerification };
}

let cached: Env | undefined;

/** The validated environment of this process. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** For a command starting up: the environment, or exit with the one line that says what is wrong. */
export function envOrExit(): Env {
  try {
    return env();
  } catch (error) {
    console.error(error instanceof EnvError ? error.message : String(error));
    process.exit(1);
  }
}

/** Why a server cannot listen on the configured address, in one line. */
export function listenProblem(config: Pick<Env, "HOST" | "PORT">, error: NodeJS.ErrnoException) {
  return error.code === "EADDRINUSE"
    ? `Port ${config.PORT} on ${config.HOST} is already in use: stop the other server or set PORT to a free port.`
    : `Cannot listen on ${config.HOST}:${config.PORT}: ${error.message}`;
}

/** The variables of this process plus overrides, for spawning child processes. */
export function childProcessEnv(overrides: Record<string, string | undefined> = {}) {
  const merged: Record<string, string | undefined> = { ...process.env, ...overrides };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return merged as NodeJS.ProcessEnv;
}
