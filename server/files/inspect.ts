/**
 * What a stored file is, judged from its bytes: its media type (file-type's
 * magic numbers, then a text check), and for raster images their upright
 * size and a thumbnail (sharp). Neither the file's name nor the uploader's
 * claimed type is believed; a claim is only compared, so that a file that
 * says it is an image but is something else is refused with a clear reason.
 *
 * What browsers may show inline is decided here too: raster images of the
 * formats every browser decodes. Everything else (HTML and SVG above all) is
 * only ever served as a download.
 */
import type { Readable } from "node:stream";
import { fileTypeFromBuffer } from "file-type";
import sharp from "sharp";

/** How much of a file the type is judged from. */
export const SNIFF_BYTES = 64 * 1024;
/** The longest side of a thumbnail, in pixels (enough for a 2x display of 360 px). */
export const THUMBNAIL_SIZE = 720;
/** Images larger than this many pixels get no thumbnail (decoding them would cost too much). */
const MAX_PIXELS = 100_000_000;

/** Raster formats that browsers show and that are safe to show inline. */
export const INLINE_IMAGE_TYPES = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
]);

/** Formats sharp can make a thumbnail of. */
const THUMBNAILABLE = new Set([...INLINE_IMAGE_TYPES, "image/tiff", "image/heic", "image/heif"]);

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/;

/** text/plain, text/html or image/svg+xml for readable UTF-8 text; null for anything else. */
function textType(head: Uint8Array, complete: boolean): string | null {
  // A character cut off at the end of the sample is not a reason to call the file binary.
  let end = head.length;
  if (!complete) {
    for (let back = 1; back <= 3 && end - back >= 0; back++) {
      const byte = head[end - back] as number;
      if ((byte & 0xc0) === 0xc0) {
        end -= back;
        break;
      }
      if ((byte & 0x80) === 0) break;
    }
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(head.subarray(0, end));
  } catch {
    return null;
  }
  if (CONTROL.test(text)) return null;
  const start = text
    .replace(/^\uFEFF/, "")
    .trimStart()
    .slice(0, 1024)
    .toLowerCase();
  if (/<svg[\s>]/.test(start) || (start.startsWith("<?xml") && text.includes("<svg")))
    return "image/svg+xml";
  if (start.startsWith("<!doctype html") || /<(html|head|body|script)[\s>]/.test(start))
    return "text/html";
  return "text/plain";
}

/** The media type of a file from its first bytes (`complete` when they are all of it). */
export async function sniffType(head: Uint8Array, complete: boolean): Promise<string> {
  const detected = await fileTypeFromBuffer(head);
  if (detected) return detected.mime;
  return textType(head, complete) ?? "application/octet-stream";
}

/** The general kind of a media type: "image", "video", "audio", … */
const kindOf = (type: string) => type.split("/")[0]?.toLowerCase() ?? "";

/**
 * Why a claimed type is refused, or null. A claim only matters where a
 * mismatch is a disguise: a file said to be an image, a video or audio that
 * is not one. Other claims (browsers guess from the name) are ignored.
 */
export function claimProblem(claimed: string | null | undefined, actual: string): string | null {
  if (!claimed || claimed === actual) return null;
  const kind = kindOf(claimed);
  if (!["image", "video", "audio"].includes(kind)) return null;
  if (kindOf(actual) === kind && actual !== "image/svg+xml") return null;
  return `the file says it is ${claimed}, but its bytes are ${actual}`;
}

export function canThumbnail(type: string) {
  return THUMBNAILABLE.has(type);
}

export interface ImageFacts {
  width: number;
  height: number;
}

/**
 * An image's upright size and a WebP thumbnail of it, made while the image
 * streams in; null when the bytes do not decode as an image (or are too large).
 */
export async function thumbnail(
  input: Readable,
  write: (thumbnail: Readable) => Promise<unknown>,
): Promise<ImageFacts | null> {
  const pipeline = sharp({ limitInputPixels: MAX_PIXELS, failOn: "error", sequentialRead: true });
  const facts = pipeline
    .clone()
    .metadata()
    .then((metadata) => {
      const { width, height } = metadata.autoOrient ?? metadata;
      return width && height ? { width, height } : null;
    });
  const thumb = pipeline
    .clone()
    .rotate()
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: "inside", withoutEnlargement: true })
    .webp({ quality: 80 });
  input.on("error", (error) => pipeline.destroy(error));
  input.pipe(pipeline);
  try {
    const [size] = await Promise.all([facts, write(thumb)]);
    return size;
  } catch {
    input.destroy();
    return null;
  }
}

/** A square avatar: the image turned upright, cropped to its middle, 256 × 256 WebP. */
export async function avatarImage(
  input: Readable,
  write: (avatar: Readable) => Promise<unknown>,
): Promise<boolean> {
  const pipeline = sharp({ limitInputPixels: MAX_PIXELS, failOn: "error" })
    .rotate()
    .resize(256, 256, { fit: "cover", position: "attention" })
    .webp({ quality: 85 });
  input.on("error", (error) => pipeline.destroy(error));
  input.pipe(pipeline);
  try {
    await write(pipeline);
    return true;
  } catch {
    input.destroy();
    return false;
  }
}
