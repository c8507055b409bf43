/**
 * A small TCP load balancer on loopback, for tests that need clients to
 * reach "the service" rather than one instance: each new connection goes to
 * the next instance in turn, skipping any that refuses it (a stopped or
 * stopping instance has closed its listener), as a real balancer does after
 * a failed health check. Connections live as long as both ends do.
 */
import net from "node:net";

export interface Balancer {
  url: string;
  /** Connections handed to each backend port so far. */
  connections: Map<number, number>;
  close(): Promise<void>;
}

export async function startBalancer(backends: number[]): Promise<Balancer> {
  const connections = new Map<number, number>(backends.map((port) => [port, 0]));
  const open = new Set<net.Socket>();
  let next = 0;
  const server = net.createServer((client) => {
    client.pause();
    open.add(client);
    client.once("close", () => open.delete(client));
    client.on("error", () => {});
    const first = next++;
    const attempt = (tried: number) => {
      if (tried >= backends.length) {
        client.destroy();
        return;
      }
      const port = backends[(first + tried) % backends.length] as number;
      const upstream = net.connect({ host: "127.0.0.1", port });
      let connected = false;
      upstream.on("error", () => {
        if (connected) client.destroy();
        else attempt(tried + 1);
      });
      upstream.once("connect", () => {
        connected = true;
        connections.set(port, (connections.get(port) ?? 0) + 1);
        open.add(upstream);
        upstream.once("close", () => {
          open.delete(upstream);
          client.end();
        });
        client.once("close", () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
