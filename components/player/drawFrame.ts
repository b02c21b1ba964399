import type { DrawPrimitive, Frame } from '@/trainer/envs/types';
import { viewportTransform, type ViewportTransform } from './viewportTransform';

/** The part of CanvasRenderingContext2D that drawing a frame needs (a fake one in tests). */
export type Canvas2D = Pick<
  CanvasRenderingContext2D,
  | 'save' | 'restore' | 'setTransform' | 'clearRect' | 'fillRect' | 'strokeRect' | 'beginPath'
  | 'closePath' | 'moveTo' | 'lineTo' | 'arc' | 'fill' | 'stroke' | 'fillText' | 'translate' | 'rotate'
  | 'fillStyle' | 'strokeStyle' | 'lineWidth' | 'font' | 'textAlign' | 'textBaseline' | 'lineJoin' | 'lineCap'
>;

/**
 * Draws one env Frame onto a canvas context whose pixel size is `width` x `height` (device
 * pixels: the caller multiplies CSS size by devicePixelRatio so lines stay sharp).
 * Every length in a primitive (sizes, radii, line widths, text size) is in world units, like the
 * coordinates, so a frame looks the same at any canvas size.
 */
export function drawFrame(ctx: Canvas2D, frame: Frame, width: number, height: number): void {
  const t = viewportTransform(frame.viewport, width, height);
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (frame.background) {
    ctx.fillStyle = frame.background;
    // Only the fitted viewport gets the background; the letterbox stays the page's colour.
    ctx.fillRect(t.toX(frame.viewport.xMin), t.toY(frame.viewport.yMax),
      (frame.viewport.xMax - frame.viewport.xMin) * t.scale, (frame.viewport.yMax - frame.viewport.yMin) * t.scale);
  }
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  for (const item of frame.items) drawPrimitive(ctx, item, t);
  ctx.restore();
}

function drawPrimitive(ctx: Canvas2D, p: DrawPrimitive, t: ViewportTransform): void {
  switch (p.kind) {
    case 'rect': {
      // (x, y) is the bottom-left corner in world units (y up); `angle` (radians,
      // counter-clockwise as in the world) turns the rectangle about its centre.
      const w = p.w * t.scale, h = p.h * t.scale;
      ctx.save();
      ctx.translate(t.toX(p.x + p.w / 2), t.toY(p.y + p.h / 2));
      if (p.angle) ctx.rotate(-p.angle); // canvas y points down, so world CCW is canvas CW
      if (p.fill) { ctx.fillStyle = p.fill; ctx.fillRect(-w / 2, -h / 2, w, h); }
      if (p.stroke) { ctx.strokeStyle = p.stroke; ctx.lineWidth = 1; ctx.strokeRect(-w / 2, -h / 2, w, h); }
      ctx.restore();
      return;
    }
    case 'circle':
      ctx.beginPath();
      ctx.arc(t.toX(p.x), t.toY(p.y), p.r * t.scale, 0, 2 * Math.PI);
      if (p.fill) { ctx.fillStyle = p.fill; ctx.fill(); }
      if (p.stroke) { ctx.strokeStyle = p.stroke; ctx.lineWidth = 1; ctx.stroke(); }
      return;
    case 'line':
      ctx.beginPath();
      ctx.moveTo(t.toX(p.x1), t.toY(p.y1));
      ctx.lineTo(t.toX(p.x2), t.toY(p.y2));
      ctx.strokeStyle = p.stroke;
      ctx.lineWidth = Math.max(1, p.width * t.scale);
      ctx.stroke();
      return;
    case 'capsule':
      // A round-capped stroke of width 2r is exactly the segment swept by a disc of radius r.
      ctx.beginPath();
      ctx.moveTo(t.toX(p.x1), t.toY(p.y1));
      ctx.lineTo(t.toX(p.x2), t.toY(p.y2));
      ctx.lineCap = 'round';
      ctx.strokeStyle = p.fill;
      ctx.lineWidth = Math.max(1, 2 * p.r * t.scale);
      ctx.stroke();
      return;
    case 'polyline': {
      const [first, ...rest] = p.points;
      if (!first) return;
      ctx.beginPath();
      ctx.moveTo(t.toX(first[0]), t.toY(first[1]));
      for (const [x, y] of rest) ctx.lineTo(t.toX(x), t.toY(y));
      if (p.fill) { ctx.closePath(); ctx.fillStyle = p.fill; ctx.fill(); }
      ctx.strokeStyle = p.stroke;
      ctx.lineWidth = Math.max(1, p.width * t.scale);
      ctx.stroke();
      return;
    }
    case 'text':
      ctx.fillStyle = p.fill;
      ctx.font = `${Math.max(8, p.size * t.scale)}px system-ui, sans-serif`;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'alphabetic';
      ctx.fillText(p.text, t.toX(p.x), t.toY(p.y));
      return;
  }
}
