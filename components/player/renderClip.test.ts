import { describe, expect, it } from 'vitest';
import { grid5 } from '@/trainer/envs/grid5';
import { renderClip } from './renderClip';

describe('renderClip', () => {
  it('draws the grid5 path so far into each frame: a start ring, then a line through every visited cell', () => {
    const states = [{ row: 0, col: 0 }, { row: 0, col: 1 }, { row: 1, col: 1 }];
    const clip = renderClip('grid5', states);
    if (!clip.ok) throw new Error(clip.error);
    const plain = states.map((s) => grid5.render(s).items.length);
    const centre = (s: { row: number; col: number }): [number, number] => [s.col + 0.5, 4 - s.row + 0.5];
    clip.frames.forEach((frame, t) => {
      const added = frame.items.slice(plain[t]);
      expect(added[0]).toMatchObject({ kind: 'circle', x: 0.5, y: 4.5 });
      if (t === 0) expect(added).toHaveLength(1);
      else expect(added[1]).toMatchObject({ kind: 'polyline', points: states.slice(0, t + 1).map(centre) });
    });
  });

  it('leaves environments without a trail point as their render draws them', () => {
    const state = { x: 0, xDot: 0, theta: 0.05, thetaDot: 0 };
    const clip = renderClip('cartpole', [state]);
    expect(clip.ok).toBe(true);
    expect(clip.ok && clip.frames[0]!.items.every((i) => i.kind !== 'polyline' || i.stroke !== 'rgba(21, 101, 192, 0.45)')).toBe(true);
  });

  it('draws continuous-action clips too: pendulum and a stored MuJoCo clip, without loading MuJoCo', () => {
    const pendulumClip = renderClip('pendulum', [{ th: 0.3, thdot: 0, u: 1, t: 0 }]);
    expect(pendulumClip.ok).toBe(true);
    // An inverted-pendulum state as the clip store holds it: the capsules' end points are in it.
    const stored = { qpos: [0.2, 0.1], qvel: [0, 0], u: [1.5], t: 3, geoms: [-1, 0, 1, 0, 0.1, 0, 0.3, 0, 0.2, 0, 0.26, 0.6] };
    const clip = renderClip('inverted-pendulum', [stored, stored]);
    if (!clip.ok) throw new Error(clip.error);
    expect(clip.frames).toHaveLength(2);
    expect(clip.frames[0]!.items.filter((i) => i.kind === 'capsule').map((i) => i.kind === 'capsule' && [i.x1, i.y1, i.x2, i.y2])).toEqual([[-1, 0, 1, 0], [0.1, 0, 0.3, 0], [0.2, 0, 0.26, 0.6]]);
  });
});
