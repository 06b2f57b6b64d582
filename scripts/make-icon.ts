/**
 * `npm run build:icon`: draws build/icon.png (512 × 512, what electron-builder
 * turns into each platform's icon) from the same shapes as build/icon.svg,
 * without an image library: each pixel is sampled 4 × 4 times and the PNG is
 * written by hand (zlib's deflate and CRC-32).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

const size = 512;
const samplesPerAxis = 4;

type Rgb = readonly [number, number, number];
interface Shape {
  readonly colour: Rgb;
  readonly contains: (x: number, y: number) => boolean;
}

function roundedRect(left: number, top: number, width: number, height: number, radius: number) {
  return (x: number, y: number): boolean => {
    if (x < left || y < top || x > left + width || y > top + height) return false;
    const dx = Math.max(left + radius - x, 0, x - (left + width - radius));
    const dy = Math.max(top + radius - y, 0, y - (top + height - radius));
    return dx * dx + dy * dy <= radius * radius;
  };
}

/** A polyline stroked with round caps and joins. */
function stroke(points: readonly (readonly [number, number])[], width: number) {
  const half = width / 2;
  return (x: number, y: number): boolean =>
    points.slice(1).some((end, index) => {
      const start = points[index] ?? end;
      const [ax, ay] = start;
      const [bx, by] = end;
      const lengthSquared = (bx - ax) ** 2 + (by - ay) ** 2;
      const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / lengthSquared));
      return (x - (ax + t * (bx - ax))) ** 2 + (y - (ay + t * (by - ay))) ** 2 <= half * half;
    });
}

const shapes: readonly Shape[] = [
  { colour: [0x1e, 0x3a, 0x8a], contains: roundedRect(0, 0, 512, 512, 96) },
  { colour: [0xff, 0xff, 0xff], contains: roundedRect(176, 88, 160, 200, 12) },
  {
    colour: [0x15, 0x80, 0x3d],
    contains: stroke(
      [
        [206, 190],
        [244, 228],
        [306, 150],
      ],
      24,
    ),
  },
  { colour: [0xf1, 0xf5, 0xf9], contains: roundedRect(96, 248, 320, 176, 24) },
  { colour: [0x1e, 0x3a, 0x8a], contains: roundedRect(160, 272, 192, 16, 8) },
];

export function drawIcon(): Buffer {
  const rowBytes = 1 + size * 4;
  const raw = Buffer.alloc(rowBytes * size);
  for (let y = 0; y < size; y++) {
    raw[y * rowBytes] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      let red = 0;
      let green = 0;
      let blue = 0;
      let alpha = 0;
      for (let sy = 0; sy < samplesPerAxis; sy++) {
        for (let sx = 0; sx < samplesPerAxis; sx++) {
          const px = x + (sx + 0.5) / samplesPerAxis;
          const py = y + (sy + 0.5) / samplesPerAxis;
          const top = shapes.findLast((shape) => shape.contains(px, py));
          if (top === undefined) continue;
          red += top.colour[0];
          green += top.colour[1];
          blue += top.colour[2];
          alpha += 1;
        }
      }
      const offset = y * rowBytes + 1 + x * 4;
      if (alpha > 0) {
        raw[offset] = Math.round(red / alpha);
        raw[offset + 1] = Math.round(green / alpha);
        raw[offset + 2] = Math.round(blue / alpha);
      }
      raw[offset + 3] = Math.round((alpha / samplesPerAxis ** 2) * 255);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(new URL('../build/icon.png', import.meta.url), drawIcon());
  process.stdout.write('wrote build/icon.png\n');
}
