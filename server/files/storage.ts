/**
 * Where file bytes live: one small interface, two implementations.
 *
 * - `DiskStorage` (the default): files under a folder of the data directory.
 *   A write goes to a temporary name and is renamed into place only when the
 *   whole stream arrived, so a key never names a half-written file.
 * - `S3Storage`: any S3-compatible service, through the official AWS SDK.
 *   The app streams its own writes as a multipart upload (parts of 5 MiB, at
 *   most two in flight, so a write holds about 10 MiB whatever its size), and
 *   browsers upload straight to the bucket with a presigned PUT whose size
 *   and type are part of the signature.
 *
 * Both stream: no method holds a whole object in memory. Keys are ours
 * (files/<workspace>/<file>, avatars/<user>/<version>.webp), never a name a
 * person chose, and are checked against a strict pattern all the same.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { env } from "@/lib/env";
import { processSingleton } from "@/lib/singleton";
import { directUploadOrigin } from "./origin";

export interface PresignedUpload {
  url: string;
  method: "PUT";
  /** Headers the upload must carry exactly as given (they are signed). */
  headers: Record<string, string>;
}

export interface Storage {
  readonly kind: "disk" | "s3";
  /** Streams `body` into `key`, replacing what was there; resolves with the size written. */
  put(key: string, body: Readable, options?: { contentType?: string }): Promise<{ size: number }>;
  /** The bytes of `key` (from `start` to `end`, inclusive, when given), or null when there is none. */
  get(key: string, range?: { start: number; end: number }): Promise<Readable | null>;
  /** The size of `key`, or null when there is none. */
  stat(key: string): Promise<{ size: number } | null>;
  /** Removes the keys; keys that are not there are no error. */
  delete(keys: string[]): Promise<void>;
  /**
   * A URL a browser can PUT exactly `size` bytes of `contentType` to, or null
   * when uploads go through the app (disk).
   */
  presignPut(
    key: string,
    options: { size: number; contentType: string; expiresInSeconds: number },
  ): Promise<PresignedUpload | null>;
  /** The origin browsers upload to, for the pages' Content-Security-Policy; null for disk. */
  uploadOrigin(): string | null;
}

const KEY = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_.-]*)*$/i;

export function checkKey(key: string): string {
  if (!KEY.test(key) || key.includes("..") || key.length > 512)
    throw new Error(`not a storage key: ${JSON.stringify(key)}`);
  return key;
}

/** Counts the bytes that pass through. */
function counter() {
  let size = 0;
  const stream = new PassThrough({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.byteLength;
      done(null, chunk);
    },
  });
  return { stream, size: () => size };
}

const isMissing = (error: unknown) => (error as { code?: string })?.code === "ENOENT";

export class DiskStorage implements Storage {
  readonly kind = "disk" as const;
  constructor(readonly root: string) {}

  private file(key: string) {
    return path.join(this.root, ...checkKey(key).split("/"));
  }

  async put(key: string, body: Readable): Promise<{ size: number }> {
    const target = this.file(key);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.${randomBytes(6).toString("hex")}.part`;
    const count = counter();
    try {
      await pipeline(body, count.stream, fs.createWriteStream(partial, { flags: "wx" }));
      await fs.promises.rename(partial, target);
    } catch (error) {
      await fs.promises.rm(partial, { force: true });
      throw error;
    }
    return { size: count.size() };
  }

  async get(key: string, range?: { start: number; end: number }): Promise<Readable | null> {
    const file = this.file(key);
    try {
      const handle = await fs.promises.open(file, "r");
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const stats = await fs.promises.stat(this.file(key));
      return { size: stats.size };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => fs.promises.rm(this.file(key), { force: true })));
  }

  async presignPut(
    _key: string,
    _options: { size: number; contentType: string; expiresInSeconds: number },
  ): Promise<null> {
    return null;
  }

  uploadOrigin(): null {
    return null;
  }
}

export interface S3Options {
  bucket: string;
  region: string;
  endpoint?: string;
  /** Where browsers reach the service, when it differs from `endpoint`. */
  publicEndpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const PART_SIZE = 5 * 1024 * 1024;

export class S3Storage implements Storage {
  readonly kind = "s3" as const;
  private readonly client: S3Client;
  /** Signs URLs for browsers, which may reach the service by another name. */
  private readonly publicClient: S3Client;

  constructor(private readonly options: S3Options) {
    const base = {
      region: options.region,
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
      credentials: options.credentials,
      // Checksums the service must support; S3-compatible services often do not know CRC32.
      requestChecksumCalculation: "WHEN_REQUIRED" as const,
      responseChecksumValidation: "WHEN_REQUIRED" as const,
    };
    this.client = new S3Client({ ...base, endpoint: options.endpoint });
    this.publicClient = new S3Client({
      ...base,
      endpoint: options.publicEndpoint ?? options.endpoint,
    });
  }

  async put(
    key: string,
    body: Readable,
    options: { contentType?: string } = {},
  ): Promise<{ size: number }> {
    const count = counter();
    body.on("error", (error) => count.stream.destroy(error));
    body.pipe(count.stream);
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.options.bucket,
        Key: checkKey(key),
        Body: count.stream,
        ContentType: options.contentType ?? "application/octet-stream",
      },
      queueSize: 2,
      partSize: PART_SIZE,
      leavePartsOnError: false,
    });
    await upload.done();
    return { size: count.size() };
  }

  async get(key: string, range?: { start: number; end: number }): Promise<Readable | null> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key: checkKey(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      return (response.Body as Readable | undefined) ?? null;
    } catch (error) {
      if (notFound(error)) return null;
      throw error;
    }
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: checkKey(key) }),
      );
      return { size: head.ContentLength ?? 0 };
    } catch (error) {
      if (notFound(error)) return null;
      throw error;
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000).map((key) => ({ Key: checkKey(key) }));
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.options.bucket,
          Delete: { Objects: batch, Quiet: true },
        }),
      );
    }
  }

  async presignPut(
    key: string,
    options: { size: number; contentType: string; expiresInSeconds: number },
  ): Promise<PresignedUpload> {
    const command = new PutObjectCommand({
      Bucket: this.options.bucket,
      Key: checkKey(key),
      ContentType: options.contentType,
      ContentLength: options.size,
    });
    const url = await getSignedUrl(this.publicClient, command, {
      expiresIn: options.expiresInSeconds,
      // Signed, so the browser must send exactly this size and type.
      signableHeaders: new Set(["content-type", "content-length"]),
    });
    return { url, method: "PUT", headers: { "Content-Type": options.contentType } };
  }

  uploadOrigin(): string {
    return directUploadOrigin({
      storage: "s3",
      S3_PUBLIC_ENDPOINT: this.options.publicEndpoint,
      S3_ENDPOINT: this.options.endpoint,
      S3_BUCKET: this.options.bucket,
      S3_REGION: this.options.region,
    }) as string;
  }
}

function notFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
}

/** The storage this process's settings name. */
export function storage(): Storage {
  return processSingleton("files:storage", () => {
    const config = env();
    if (config.storage === "disk") return new DiskStorage(config.storageDir);
    return new S3Storage({
      bucket: config.S3_BUCKET as string,
      region: config.S3_REGION,
      endpoint: config.S3_ENDPOINT,
      publicEndpoint: config.S3_PUBLIC_ENDPOINT,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      credentials:
        config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
          ? {
              accessKeyId: config.S3_ACCESS_KEY_ID,
              secretAccessKey: config.S3_SECRET_ACCESS_KEY,
            }
          : undefined,
    });
  });
}
