/**
 * The web app manifest (/manifest.webmanifest): what an installed Sequent is
 * called, where it starts and which icons it shows. Next.js serves it as a
 * static file with its own content type and links it from every page's head;
 * it is same-origin, so the page CSP's default-src 'self' covers it.
 */
import type { MetadataRoute } from "next";
import { icons, themeColors } from "./_lib/brand";

export default function manifest(): MetadataRoute.Manifest {
  return {
    id: "/",
    name: "Sequent",
    short_name: "Sequent",
    description: "Team chat where every message has its place.",
    start_url: "/",
    scope: "/",
    display: "standalone",
    // The page background; pages set their own theme-color per light and dark (app/layout.tsx).
    background_color: themeColors.light,
    theme_color: themeColors.light,
    icons: [
      { src: icons.svg, sizes: "any", type: "image/svg+xml", purpose: "any" },
      { src: icons.png192, sizes: "192x192", type: "image/png", purpose: "any" },
      { src: icons.png512, sizes: "512x512", type: "image/png", purpose: "any" },
      { src: icons.maskable512, sizes: "512x512", type: "image/png", purpose: "maskable" },
    ],
  };
}
