"use client";
/**
 * The page's side of offline support (the service worker is app/sw.js):
 *
 * - Registers the worker in production builds; in development it removes one
 *   a production run on the same address left behind, so `npm run dev` is
 *   never served from its caches.
 * - Asks the worker to keep each page this tab shows: a page that loaded
 *   before the worker controlled it (the first visit, a hard reload) also
 *   hands over the files it loaded, and pages reached without a full load
 *   (the router's soft navigations never reach the worker as pages) are
 *   fetched by the worker unless its copy is recent.
 * - When a new worker (a new build) is installed and waiting, shows "A new
 *   version is available — Reload"; the click activates it and the tab
 *   reloads once it has taken over. A tab whose worker another tab replaced
 *   gets the same prompt.
 * - Forgets the offline copies (kept pages and messages) on the sign-in and
 *   sign-up pages: only a signed-out visitor sees them (the sign-in page sends
 *   anyone signed in on), and signing out or an ended session lands there.
 */
import { usePathname } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { forgetOfflineCopies } from "@/app/_lib/offline-history";

const SIGNED_OUT_PAGES = ["/sign-in", "/sign-up"];

/** Same-origin build files this page has loaded so far. */
function loadedFiles(): string[] {
  const prefix = `${window.location.origin}/_next/static/`;
  return performance
    .getEntriesByType("resource")
    .map((entry) => entry.name)
    .filter((name) => name.startsWith(prefix));
}

export function OfflineSupport({ enabled }: { enabled: boolean }) {
  const pathname = usePathname();
  const [update, setUpdate] = useState(false);
  const registration = useRef<ServiceWorkerRegistration | null>(null);
  const takingOver = useRef(false);
  const controlledAtLoad = useRef<boolean | null>(null);

  useEffect(() => {
    if (!("serviceWorker" in navigator)) return;
    const container = navigator.serviceWorker;
    if (!enabled) {
      void container
        .getRegistrations()
        .then((all) => Promise.all(all.map((old) => old.unregister())));
      return;
    }
    controlledAtLoad.current ??= container.controller !== null;
    let controlled = container.controller !== null;
    const onControllerChange = () => {
      // The first worker taking this page over replaces nothing.
      if (!controlled) {
        controlled = true;
        return;
      }
      if (takingOver.current) window.location.reload();
      else setUpdate(true);
    };
    container.addEventListener("controllerchange", onControllerChange);
    let current = true;
    container
      .register("/sw.js", { scope: "/", updateViaCache: "none" })
      .then((registered) => {
        if (!current) return;
        registration.current = registered;
        const offer = () => {
          if (registered.waiting && container.controller) setUpdate(true);
        };
        offer();
        registered.addEventListener("updatefound", () => {
          const worker = registered.installing;
          worker?.addEventListener("statechange", () => {
            if (worker.state === "installed") offer();
          });
        });
      })
      // No worker (blocked, private mode): the app works online as it always did.
      .catch(() => undefined);
    return () => {
      current = false;
      container.removeEventListener("controllerchange", onControllerChange);
    };
  }, [enabled]);

  // Each page this tab shows.
  useEffect(() => {
    if (SIGNED_OUT_PAGES.includes(pathname)) {
      void forgetOfflineCopies();
      return;
    }
    if (!enabled || !("serviceWorker" in navigator)) return;
    let current = true;
    void navigator.serviceWorker.ready.then((ready) => {
      if (!current) return;
      const files = controlledAtLoad.current === false ? loadedFiles() : [];
      controlledAtLoad.current = true;
      ready.active?.postMessage({ type: "keep", page: window.location.href, files });
    });
    return () => {
      current = false;
    };
  }, [enabled, pathname]);

  const reload = () => {
    const waiting = registration.current?.waiting;
    if (!waiting) {
      window.location.reload();
      return;
    }
    takingOver.current = true;
    waiting.postMessage({ type: "skip-waiting" });
  };

  return (
    <div
      role="status"
      className="pointer-events-none fixed inset-x-0 top-2 z-50 flex justify-center px-2"
    >
      {update ? (
        <p className="pointer-events-auto flex items-center gap-2 rounded-full border border-border bg-bg px-4 py-1.5 text-sm shadow-lg">
          A new version is available —
          <button
            type="button"
            onClick={reload}
            className="font-semibold text-accent underline underline-offset-2"
          >
            Reload
          </button>
        </p>
      ) : null}
    </div>
  );
}
