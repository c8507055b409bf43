/**
 * The app's colours and icons, as the web app manifest (app/manifest.ts) and
 * the page head (app/layout.tsx) name them. The icons are files in
 * public/icons, made from icon.svg by scripts/make-icons.ts; the service
 * worker (app/sw.js/service-worker.js) keeps its own list of them.
 */

/** The tile of the icon (and of the favicon badge the notifier draws on it). */
export const brandColor = "#4f46e5";

/** The page background of each theme (--bg in globals.css): the browser's bars blend with it. */
export const themeColors = { light: "#ffffff", dark: "#0f1419" } as const;

export const icons = {
  svg: "/icons/icon.svg",
  png192: "/icons/icon-192.png",
  png512: "/icons/icon-512.png",
  maskable512: "/icons/icon-maskable-512.png",
  appleTouch: "/icons/apple-touch-icon.png",
  favicon32: "/icons/favicon-32.png",
  favicon16: "/icons/favicon-16.png",
} as const;
