import type { Frame } from '@/trainer/envs/types';

/**
 * Maps world coordinates (y up) of a Frame's viewport onto a canvas of `width` x `height` device
 * pixels (y down), keeping the aspect ratio: the viewport is scaled uniformly to fit and centred,
 * so a square grid stays square on a wide canvas.
 */
export interface ViewportTransform {
  /** Device pixels per world unit (same on both axes). */
  scale: number;
  toX(x: number): number;
  toY(y: number): number;
}

export function viewportTransform(viewport: Frame['viewport'], width: number, height: number): ViewportTransform {
  const worldW = viewport.xMax - viewport.xMin;
  const worldH = viewport.yMax - viewport.yMin;
  if (!(worldW > 0) || !(worldH > 0)) {
    throw new Error(`frame viewport must have positive width and height, got ${JSON.stringify(viewport)}`);
  }
  const scale = Math.min(width / worldW, height / worldH);
  // Centre the fitted viewport: the leftover space is split evenly on both sides.
  const offsetX = (width - worldW * scale) / 2;
  const offsetY = (height - worldH * scale) / 2;
  return {
    scale,
    toX: (x) => offsetX + (x - viewport.xMin) * scale,
    // y up in the world, y down on the canvas: yMax lands on the top edge of the fitted area.
    toY: (y) => offsetY + (viewport.yMax - y) * scale,
  };
}
