/**
 * The TCP peer of a request served by Next.js, for the rules in
 * server/http/index.ts.
 *
 * What Next.js itself gives a route handler (measured under `next start`,
 * Next 16.4): `x-forwarded-for` is set to the socket's address only when the
 * client sent none (`??=` in base-server.js), so a client-sent value arrives
 * unchanged and the socket's address is lost; `x-forwarded-host` and
 * `x-forwarded-proto` are likewise the client's when it sent them, and
 * `request.url` takes its scheme from `x-forwarded-proto`. None of it can
 * tell a client from a proxy. So, once per process, instrumentation.ts
 * wraps the HTTP server's "request" event and keeps the socket's address and
 * the forwarded headers exactly as they arrived in an AsyncLocalStorage for
 * the rest of that request (Next's handling, route handlers, Server
 * Components and Server Actions all run inside it).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage } from "node:http";
import http from "node:http";
import https from "node:https";
import { processSingleton } from "@/lib/singleton";
import type { Peer, RequestFacts } from "./index";

const peers = processSingleton("http:peer", () => new AsyncLocalStorage<Peer>());

const header = (request: IncomingMessage, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
};

/** The peer of a Node request, as the rules want it. */
export function peerOfIncoming(request: IncomingMessage): Peer {
  const socket = request.socket as IncomingMessage["socket"] & { encrypted?: boolean };
  return {
    address: socket.remoteAddress ?? "",
    encrypted: Boolean(socket.encrypted),
    forwardedFor: header(request, "x-forwarded-for"),
    forwardedProto: header(request, "x-forwarded-proto"),
    forwardedHost: header(request, "x-forwarded-host"),
  };
}

/** Installs the hook (idempotent). Called from instrumentation.ts at start-up. */
export function recordPeers(): void {
  processSingleton("http:peer-hook", () => {
    for (const Server of [http.Server, https.Server]) {
      type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
      const prototype = Server.prototype as unknown as { emit: Emit };
      const emit = prototype.emit;
      prototype.emit = function (event, ...args) {
        if (event === "request") {
          const peer = peerOfIncoming(args[0] as IncomingMessage);
          return peers.run(peer, () => emit.call(this, event, ...args));
        }
        return emit.call(this, event, ...args);
      };
    }
    return true;
  });
}

/** The current request's peer; undefined outside a request or without the hook. */
export function currentPeer(): Peer | undefined {
  return peers.getStore();
}

/** The facts of a request served by Next.js. */
export function requestFacts(request: Request): RequestFacts {
  return {
    method: request.method,
    url: new URL(request.url),
    headers: request.headers,
    peer: currentPeer(),
  };
}
