/**
 * A WebSocket-to-TCP proxy speaking Neon's wsproxy protocol (`/v2?address=host:port`),
 * so the Neon serverless driver can be tested against a local PostgreSQL.
 */
import net from "node:net";
import { WebSocketServer } from "ws";

export interface NeonProxy {
  /** "127.0.0.1:port", for `neonConfig.wsProxy`. */
  address: string;
  close(): Promise<void>;
}

export async function startNeonProxy(): Promise<NeonProxy> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  server.on("connection", (socket, request) => {
    const target = new URL(request.url ?? "/", "http://proxy").searchParams.get("address") ?? "";
    const separator = target.lastIndexOf(":");
    const tcp = net.connect(Number(target.slice(separator + 1)), target.slice(0, separator));
    tcp.setNoDelay(true);
    tcp.on("data", (chunk) => socket.send(chunk));
    tcp.on("close", () => socket.close());
    tcp.on("error", () => socket.close());
    socket.on("message", (data) => tcp.write(data as Buffer));
    socket.on("close", () => tcp.destroy());
    socket.on("error", () => tcp.destroy());
  });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
