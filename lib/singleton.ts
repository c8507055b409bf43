/**
 * Process-wide singletons. Next.js may load a server module more than once
 * (development reloads, separate bundles for route handlers and pages), so
 * state that must exist once per process — pools, the event bus, rate-limit
 * counters — lives on globalThis under a namespaced key.
 */
const registry = globalThis as typeof globalThis & { __sequent?: Map<string, unknown> };

export function processSingleton<T>(key: string, create: () => T): T {
  registry.__sequent ??= new Map();
  if (!registry.__sequent.has(key)) registry.__sequent.set(key, create());
  return registry.__sequent.get(key) as T;
}
