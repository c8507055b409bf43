/**
 * A raw SSE client for tRPC subscriptions, as lean as we can make it so that
 * thousands of streams fit in the benchmark process beside the sender:
 * node:http, one socket per stream, `id:`/`event:`/`data:` lines parsed by
 * hand, and the data handed over as text (the caller decides what to parse).
 *
 * `encoding: "browser"` sends `Accept-Encoding: gzip, deflate, br` as
 * browsers' EventSource and the `eventsource` package do, and inflates what
 * comes back; `"identity"` asks for an uncompressed stream.
 */
import http from "node:http";
import zlib from "node:zlib";

export type SseEncoding = "browser" | "identity";

export interface SseHandlers {
  /** A complete event. `data` is the joined data lines. */
  onEvent(id: string | undefined, event: string | undefined, data: string): void;
  /** The stream ended or failed (never called after close()). */
  onEnd?(error?: Error): void;
}

export interface SseStream {
  /** Resolves with the HTTP status once the response headers arrive. */
  readonly opened: Promise<number>;
  close(): void;
}

export function openSse(
  baseUrl: string,
  path: string,
  options: { token?: string; lastEventId?: string; encoding: SseEncoding },
  handlers: SseHandlers,
): SseStream {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.lastEventId !== undefined) headers["last-event-id"] = options.lastEventId;
  if (options.encoding === "browser") headers["accept-encoding"] = "gzip, deflate, br";
  let closed = false;
  let ended = false;
  const end = (error?: Error) => {
    if (closed || ended) return;
    ended = true;
    handlers.onEnd?.(error);
  };

  let resolveOpened: (status: number) => void = () => {};
  let rejectOpened: (error: Error) => void = () => {};
  const opened = new Promise<number>((resolve, reject) => {
    resolveOpened = resolve;
    rejectOpened = reject;
  });
  opened.catch(() => {});

  const request = http.request(
    { host: url.hostname, port: Number(url.port), path, headers, agent: false },
    (response) => {
      resolveOpened(response.statusCode ?? 0);
      const coding = response.headers["content-encoding"];
      const body =
        coding === "gzip"
          ? response.pipe(zlib.createGunzip())
          : coding === "br"
            ? response.pipe(zlib.createBrotliDecompress())
            : coding === "deflate"
              ? response.pipe(zlib.createInflate())
              : response;
      body.setEncoding("utf8");
      let buffer = "";
      body.on("data", (chunk: string) => {
        buffer += chunk;
        for (
          let boundary = buffer.indexOf("\n\n");
          boundary >= 0;
          boundary = buffer.indexOf("\n\n")
        ) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          let id: string | undefined;
          let event: string | undefined;
          let data: string | undefined;
          for (const line of block.split("\n")) {
            if (line.startsWith("data:")) {
              const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
              data = data === undefined ? value : `${data}\n${value}`;
            } else if (line.startsWith("id:")) id = line.slice(line.charCodeAt(3) === 32 ? 4 : 3);
            else if (line.startsWith("event:"))
              event = line.slice(line.charCodeAt(6) === 32 ? 7 : 6);
          }
          if (data !== undefined || event !== undefined) handlers.onEvent(id, event, data ?? "");
        }
      });
      body.on("end", () => end());
      body.on("error", (error: Error) => end(error));
      response.on("error", (error: Error) => end(error));
    },
  );
  request.on("error", (error) => {
    rejectOpened(error);
    end(error);
  });
  request.end();
  return {
    opened,
    close() {
      closed = true;
      request.destroy();
    },
  };
}
