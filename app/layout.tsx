import type { Metadata, Viewport } from "next";
import { cookies } from "next/headers";
import type { ReactNode } from "react";
import { env } from "@/lib/env";
import { OfflineSupport } from "./_components/offline-support";
import { Providers } from "./_components/providers";
import { icons, themeColors } from "./_lib/brand";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Sequent", template: "%s · Sequent" },
  description: "Team chat where every message has its place.",
  // The manifest is app/manifest.ts (Next.js links it); the icons are files in public/icons.
  icons: {
    icon: [
      { url: icons.svg, type: "image/svg+xml" },
      { url: icons.favicon32, sizes: "32x32", type: "image/png" },
      { url: icons.favicon16, sizes: "16x16", type: "image/png" },
    ],
    apple: [{ url: icons.appleTouch, sizes: "180x180", type: "image/png" }],
  },
};

export async function generateViewport(): Promise<Viewport> {
  // The browser's bars take the page's background: the chosen theme's, or each system theme's.
  const theme = (await cookies()).get("theme")?.value;
  return {
    width: "device-width",
    initialScale: 1,
    themeColor:
      theme === "light" || theme === "dark"
        ? themeColors[theme]
        : [
            { media: "(prefers-color-scheme: light)", color: themeColors.light },
            { media: "(prefers-color-scheme: dark)", color: themeColors.dark },
          ],
  };
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  // An explicit choice wins; without one the system's preference applies (see globals.css).
  const theme = (await cookies()).get("theme")?.value;
  return (
    <html lang="en" data-theme={theme === "light" || theme === "dark" ? theme : undefined}>
      <body className="antialiased">
        <Providers>{children}</Providers>
        <OfflineSupport enabled={env().NODE_ENV === "production"} />
      </body>
    </html>
  );
}
