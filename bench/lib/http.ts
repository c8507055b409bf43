/**
 * The benchmark's HTTP client: node:http over keep-alive sockets (cheaper per
 * request than fetch, which matters when the client shares two cores with
 * the server and PostgreSQL), speaking tRPC's plain JSON over HTTP: queries
 * as GET ?input=, mutations as JSON POSTs, Bearer tokens.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";

export interface Reply {
  status: number;
  text: string;
  /** Request start to last byte, in ms. */
  ms: number;
}

export class HttpClient {
  readonly agent: http.Agent;
  /**
   * Requests sent again because the server had closed the idle keep-alive
   * socket they went out on (the race Node's docs describe for
   * `request.reusedSocket`); never counted as failures.
   */
  retriedOnStaleSocket = 0;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, maxSockets = 256) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  async request(
    method: "GET" | "POST",
    path: string,
    options: { token?: string; body?: string } = {},
  ): Promise<Reply> {
    const started = performance.now();
    try {
      return await this.attempt(method, path, options, started);
    } catch (error) {
      // Sends carry a clientMessageId, so sending one again can never store it twice.
      if (!(error as { staleSocket?: boolean }).staleSocket) throw error;
      this.retriedOnStaleSocket++;
      return this.attempt(method, path, options, started);
    }
  }

  private attempt(
    method: "GET" | "POST",
    path: string,
    options: { token?: string; body?: string },
    started: number,
  ): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(options.body));
    }
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host: this.host, port: this.port, method, path, headers, agent: this.agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              text: Buffer.concat(chunks).toString("utf8"),
              ms: performance.now() - started,
            }),
          );
          response.on("error", reject);
        },
      );
      request.on("error", (error: NodeJS.ErrnoException) => {
        const stale =
          request.reusedSocket && (error.code === "ECONNRESET" || error.code === "EPIPE");
        reject(Object.assign(error, { staleSocket: stale }));
      });
      request.end(options.body);
    });
  }

  query(path: string, input: unknown, token?: string): Promise<Reply> {
    const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return this.request("GET", `/api/trpc/${path}${query}`, { token });
  }

  mutate(path: string, input: unknown, token?: string): Promise<Reply> {
    return this.request("POST", `/api/trpc/${path}`, { token, body: JSON.stringify(input) });
  }

  close() {
    this.agent.destroy();
  }
}

/** The `result.data` of a successful tRPC reply; throws with the reply otherwise. */
export function dataOf<T>(reply: Reply): T {
  if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.text.slice(0, 500)}`);
  return (JSON.parse(reply.text) as { result: { data: T } }).result.data;
}
