import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";

describe("settings of files and mail", () => {
  it("default to disk storage under the data folder, no SMTP, no verification", () => {
    const env = parseEnv({ SEQUENT_DATA_DIR: "/srv/sequent" });
    expect(env.storage).toBe("disk");
    expect(env.storageDir).toBe("/srv/sequent/files");
    expect(env.UPLOAD_MAX_MB).toBe(25);
    expect(env.WORKSPACE_QUOTA_MB).toBe(10_240);
    expect(env.SMTP_URL).toBeUndefined();
    expect(env.emailVerification).toBe(false);
    expect(env.EMAIL_NOTIFY_MINUTES).toBe(15);
  });

  it("pick S3 when a bucket is named, and require verification once mail can be sent", () => {
    const env = parseEnv({
      S3_BUCKET: "team-files",
      S3_ENDPOINT: "http://127.0.0.1:9000",
      SMTP_URL: "smtps://user:pass@mail.example.com:465",
    });
    expect(env.storage).toBe("s3");
    expect(env.emailVerification).toBe(true);
    expect(parseEnv({ SMTP_URL: "smtp://127.0.0.1:25", EMAIL_VERIFICATION: "off" })).toMatchObject({
      emailVerification: false,
    });
  });

  it.each([
    [{ STORAGE: "s3" }, /S3_BUCKET: is required when STORAGE=s3/],
    [{ STORAGE: "ftp" }, /STORAGE: must be "disk" or "s3"/],
    [{ S3_ACCESS_KEY_ID: "AKIA" }, /S3_SECRET_ACCESS_KEY: must be set together/],
    [{ S3_ENDPOINT: "minio:9000" }, /S3_ENDPOINT: must be an http/],
    [{ SMTP_URL: "mail.example.com" }, /SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/],
    [{ UPLOAD_MAX_MB: "0" }, /UPLOAD_MAX_MB: must be between 1 and 5120/],
    [{ EMAIL_VERIFICATION: "maybe" }, /EMAIL_VERIFICATION: must be "required" or "off"/],
    [{ RATE_LIMIT_UPLOAD: "lots" }, /RATE_LIMIT_UPLOAD: must look like/],
  ])("refuse %o with one line naming the variable", (source, message) => {
    expect(() => parseEnv(source)).toThrow(message);
  });
});
