import type { QpdfValue } from '../watermark/pdf-syntax.js';

/*
 * Where a page is shown: the stamp is drawn in "view space", the page as a viewer displays it, so it
 * lands inside the visible area and reads the right way up whatever the boxes and rotation say.
 */

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
export type Rotation = 0 | 90 | 180 | 270;

/** Four finite numbers (a rectangle), references followed; anything else is no rectangle. */
export function numbersOf(value: QpdfValue | undefined, resolve: (v: QpdfValue | undefined) => QpdfValue | undefined): number[] | undefined {
  const arr = resolve(value);
  if (!Array.isArray(arr) || arr.length !== 4) return undefined;
  const n = arr.map((x) => resolve(x));
  return n.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (n as number[]) : undefined;
}

export function toBox(n: number[] | undefined): Box | undefined {
  if (!n) return undefined;
  const [a, b, c, d] = n;
  const box = { x0: Math.min(a, c), y0: Math.min(b, d), x1: Math.max(a, c), y1: Math.max(b, d) };
  return box.x1 - box.x0 > 0 && box.y1 - box.y0 > 0 ? box : undefined;
}

/** What a viewer shows: the CropBox clipped to the MediaBox, or the MediaBox alone. */
export function visibleBox(media: Box | undefined, crop: Box | undefined): Box {
  const m = media ?? { x0: 0, y0: 0, x1: 612, y1: 792 };
  if (!crop) return m;
  const c = { x0: Math.max(crop.x0, m.x0), y0: Math.max(crop.y0, m.y0), x1: Math.min(crop.x1, m.x1), y1: Math.min(crop.y1, m.y1) };
  return c.x1 > c.x0 && c.y1 > c.y0 ? c : m;
}

export function normalizeRotation(value: QpdfValue | undefined): Rotation {
  const angle = typeof value === 'number' && Number.isFinite(value) ? value : 0;
  return ((((Math.round(angle / 90) * 90) % 360) + 360) % 360) as Rotation;
}

/**
 * Maps view space (origin at the bottom-left of the page as displayed, after /Rotate) to the page's
 * user space, so one stamp per displayed size reads the right way up whatever the rotation.
 */
export function viewToUser(box: Box, rotation: Rotation): number[] {
  switch (rotation) {
    case 0:
      return [1, 0, 0, 1, box.x0, box.y0];
    case 90:
      return [0, 1, -1, 0, box.x1, box.y0];
    case 180:
      return [-1, 0, 0, -1, box.x1, box.y1];
    case 270:
      return [0, -1, 1, 0, box.x0, box.y1];
  }
}
