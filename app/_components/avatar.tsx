"use client";
/**
 * A person's avatar: their profile picture when they have one (the
 * workspace's AvatarSources say where it is), else their initials on a colour derived from their user id,
 * so the same person has the same colour everywhere and on every device.
 * Each colour has a light-theme shade (white initials, contrast ≥ 4.9:1) and
 * a dark-theme shade (near-black initials, contrast ≥ 9:1); `light-dark()`
 * picks by the page's colour scheme, as the rest of the app's colours do.
 *
 * The avatar is decorative by default (the name is always written beside
 * it); give `label` where it stands alone. A picture that fails to load
 * falls back to the initials.
 */
import { createContext, useContext, useState } from "react";

/** Where a person's picture is (null: initials); provided by the workspace shell. */
export const AvatarSources = createContext<(userId: string) => string | null>(() => null);

const PALETTE: readonly (readonly [light: string, dark: string])[] = [
  ["#b91c1c", "#fca5a5"], // red
  ["#c2410c", "#fdba74"], // orange
  ["#a16207", "#fcd34d"], // amber
  ["#15803d", "#86efac"], // green
  ["#0f766e", "#5eead4"], // teal
  ["#0e7490", "#67e8f9"], // cyan
  ["#0369a1", "#7dd3fc"], // sky
  ["#1d4ed8", "#93c5fd"], // blue
  ["#4338ca", "#a5b4fc"], // indigo
  ["#6d28d9", "#c4b5fd"], // violet
  ["#a21caf", "#f0abfc"], // fuchsia
  ["#be185d", "#f9a8d4"], // pink
];

/** FNV-1a over the id's UTF-16 units: cheap, stable, and spreads UUIDs evenly. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
}

/** Up to two initials: the first letters of the first and last words, by code point. */
function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0];
  if (!first) return "?";
  const last = words.length > 1 ? words.at(-1) : undefined;
  const letter = (word: string) => Array.from(word)[0] ?? "";
  return `${letter(first)}${last ? letter(last) : ""}`.toLocaleUpperCase();
}

const SIZES = {
  sm: "h-6 w-6 text-[0.625rem]",
  md: "h-8 w-8 text-xs",
  lg: "h-16 w-16 text-xl",
} as const;

export function Avatar({
  userId,
  name,
  size = "md",
  label,
  className = "",
  src,
}: {
  userId: string;
  name: string;
  size?: keyof typeof SIZES;
  /** An accessible name, for an avatar shown without the person's name beside it. */
  label?: string;
  className?: string;
  /** The picture, when the caller knows it better than the workspace does (a fresh upload). */
  src?: string | null;
}) {
  const source = useContext(AvatarSources);
  const picture = src === undefined ? source(userId) : src;
  const [broken, setBroken] = useState<string | null>(null);
  const [light, dark] = PALETTE[hash(userId) % PALETTE.length] as readonly [string, string];
  if (picture && broken !== picture)
    return (
      // biome-ignore lint/performance/noImgElement: a 256 px WebP the server made; nothing to optimise
      <img
        src={picture}
        alt={label ?? ""}
        {...(label ? {} : { "aria-hidden": true })}
        onError={() => setBroken(picture)}
        className={`inline-block shrink-0 rounded-full object-cover ${SIZES[size]} ${className}`}
      />
    );
  return (
    <span
      {...(label ? { role: "img", "aria-label": label } : { "aria-hidden": true })}
      className={`inline-flex shrink-0 select-none items-center justify-center rounded-full font-semibold leading-none ${SIZES[size]} ${className}`}
      style={{
        backgroundColor: `light-dark(${light}, ${dark})`,
        color: "light-dark(#ffffff, #0b1220)",
      }}
    >
      {initials(name)}
    </span>
  );
}
