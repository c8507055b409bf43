/**
 * Makes the app's PNG icons and favicon.ico from public/icons/icon.svg (the
 * one drawing of the mark): `npx tsx scripts/make-icons.ts`, then commit what
 * it wrote. The SVG keeps the tile (#tile, with rounded corners) and the
 * mark (#mark) apart, so the full-bleed variants can square the tile and,
 * for the maskable icon, shrink the mark into the safe zone (the central
 * circle of 80% that every launcher's mask keeps).
 */
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";

const publicDir = path.join(process.cwd(), "public");
const iconsDir = path.join(publicDir, "icons");
const source = fs.readFileSync(path.join(iconsDir, "icon.svg"), "utf8");

/** The tile without rounded corners (launchers and iOS cut their own shape). */
function fullBleed(svg: string, markScale = 1): string {
  const squared = svg.replace(/(<rect id="tile"[^>]*?) rx="\d+"/, "$1");
  if (squared === svg) throw new Error('icon.svg: no <rect id="tile" rx="…"> to square');
  if (markScale === 1) return squared;
  const scaled = squared.replace(
    '<g id="mark">',
    `<g id="mark" transform="translate(256 256) scale(${markScale}) translate(-256 -256)">`,
  );
  if (scaled === squared) throw new Error('icon.svg: no <g id="mark"> to scale');
  return scaled;
}

const outputs: { file: string; svg: string; size: number }[] = [
  { file: "icon-192.png", svg: source, size: 192 },
  { file: "icon-512.png", svg: source, size: 512 },
  // The mark spans about 62% of the tile; at 0.8 it fits the maskable safe zone with room to spare.
  { file: "icon-maskable-512.png", svg: fullBleed(source, 0.8), size: 512 },
  { file: "apple-touch-icon.png", svg: fullBleed(source), size: 180 },
  { file: "favicon-32.png", svg: source, size: 32 },
  { file: "favicon-16.png", svg: source, size: 16 },
];

function render(svg: string, size: number): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: (72 * size) / 512 })
    .resize(size, size)
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** An .ico holding PNG images (every browser since IE Vista-era reads PNG entries). */
function ico(images: { size: number; png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, index) => {
    const entry = 6 + 16 * index;
    header.writeUInt8(size >= 256 ? 0 : size, entry);
    header.writeUInt8(size >= 256 ? 0 : size, entry + 1);
    header.writeUInt8(0, entry + 2);
    header.writeUInt8(0, entry + 3);
    header.writeUInt16LE(1, entry + 4);
    header.writeUInt16LE(32, entry + 6);
    header.writeUInt32LE(png.length, entry + 8);
    header.writeUInt32LE(offset, entry + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((image) => image.png)]);
}

async function main() {
  for (const { file, svg, size } of outputs) {
    fs.writeFileSync(path.join(iconsDir, file), await render(svg, size));
    console.log(`public/icons/${file} (${size}×${size})`);
  }
  const favicon = await Promise.all(
    [16, 32, 48].map(async (size) => ({ size, png: await render(source, size) })),
  );
  fs.writeFileSync(path.join(publicDir, "favicon.ico"), ico(favicon));
  console.log("public/favicon.ico (16, 32, 48)");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
