import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";

describe("environment validation", () => {
  it("uses the embedded database and development defaults when nothing is set", () => {
    const env = parseEnv({});
    expect(env.databaseDriver).toBe("embedded");
    expect(env.PORT).toBe(3000);
    expect(env.RATE_LIMIT_SEND).toEqual({ count: 600, windowMs: 60_000 });
    expect(env.MIGRATE_ON_START).toBe("1");
    expect(env.METRICS_TOKEN).toBeUndefined();
  });

  it("picks the driver from the URL or DATABASE_DRIVER", () => {
    expect(parseEnv({ DATABASE_URL: "postgres://u@127.0.0.1:5432/db" }).databaseDriver).toBe("pg");
    expect(
      parseEnv({ DATABASE_URL: "postgresql://u:p@ep-cool-1.eu-central-1.aws.neon.tech/db" })
        .databaseDriver,
    ).toBe("neon");
    expect(
      parseEnv({ DATABASE_URL: "postgres://u@127.0.0.1/db", DATABASE_DRIVER: "neon" })
        .databaseDriver,
    ).toBe("neon");
  });

  it.each([
    [
      { DATABASE_URL: "not a url" },
      /^Invalid environment variable DATABASE_URL: must be a postgres:\/\//,
    ],
    [{ DATABASE_URL: "mysql://u@localhost/db" }, /DATABASE_URL: must be a postgres/],
    [{ DATABASE_DRIVER: "oracle" }, /DATABASE_DRIVER: must be "pg" or "neon"/],
    [{ DATABASE_DRIVER: "neon" }, /DATABASE_URL: is required when DATABASE_DRIVER=neon/],
    [
      { NODE_ENV: "production", DATABASE_URL: "postgres://u@127.0.0.1/db" },
      /AUTH_SECRET: is required in production/,
    ],
    [{ AUTH_SECRET: "short" }, /AUTH_SECRET: must be at least 32 characters/],
    [{ REDIS_URL: "http://127.0.0.1:6379" }, /REDIS_URL: must be a redis:\/\//],
    [{ PORT: "70000" }, /PORT: must be between 1 and 65535/],
    [{ AUTH_GITHUB_ID: "abc" }, /AUTH_GITHUB_SECRET: must be set together/],
    [{ RATE_LIMIT_SEND: "lots" }, /RATE_LIMIT_SEND: must look like "count\/seconds"/],
    [{ METRICS_TOKEN: "too-short" }, /METRICS_TOKEN: must be at least 16 characters/],
    [{ METRICS_TOKEN: "sixteen chars and a space" }, /METRICS_TOKEN: must be printable ASCII/],
    [{ METRICS_TOKEN: "x".repeat(513) }, /METRICS_TOKEN: must be at most 512/],
    [{ MIGRATE_ON_START: "yes" }, /MIGRATE_ON_START: must be "1"/],
  ])("rejects %o with one line naming the variable", (source, message) => {
    let error: Error | undefined;
    try {
      parseEnv(source);
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.name).toBe("EnvError");
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain("\n");
  });

  it("accepts a production setup with a secret", () => {
    const env = parseEnv({
      NODE_ENV: "production",
      DATABASE_URL: "postgres://u@127.0.0.1/db",
      AUTH_SECRET: "x".repeat(32),
      REDIS_URL: "redis://127.0.0.1:6379",
    });
    expect(env.REDIS_URL).toBe("redis://127.0.0.1:6379");
  });
});
