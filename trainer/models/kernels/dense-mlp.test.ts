import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng';
import { Mlp, type Activation } from '../mlp';
import { useTestBackend } from '../../../tests/helpers/trainer/test-backend';
import { MlpLayout, MlpTape, mlpBackward, mlpForward } from './dense-mlp';
import { Float32Adam } from './adam';
import { Arena } from './wasm/arena';
import { compileDenseWat, renderDenseWasmModule } from './wasm/compile';

beforeAll(useTestBackend);

/** max |a - b| / max(1, |b|): the kernel must agree with tfjs to 1e-5 on this scale. */
function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

/** A tfjs Mlp with random weights AND biases (the constructor zeroes biases), and its flat copy. */
function randomNetwork(sizes: number[], activation: Activation, seed: number) {
  const rng = makeRng(seed);
  const mlp = new Mlp(sizes, activation, rng, true, 'kernel-test');
  for (const layer of mlp.layers) layer.bias.assign(tf.tensor1d(Array.from({ length: layer.bias.size }, () => 0.3 * rng.normal())));
  const flat = new Float32Array(mlp.variables().reduce((n, v) => n + v.size, 0));
  let at = 0;
  for (const v of mlp.variables()) {
    flat.set(v.dataSync() as Float32Array, at);
    at += v.size;
  }
  return { mlp, flat, rng };
}

describe('the dense-MLP kernel against tfjs', () => {
  // Odd widths exercise the wasm loops' 16-, 4- and 1-column paths; [4, 64, 64, 2] is the trainer's.
  const cases: Array<{ sizes: number[]; activation: Activation; rows: number }> = [
    { sizes: [4, 64, 64, 2], activation: 'relu', rows: 128 },
    { sizes: [5, 23, 17, 3], activation: 'relu', rows: 37 },
    { sizes: [6, 19, 33, 4], activation: 'tanh', rows: 29 },
    { sizes: [3, 21, 7], activation: 'elu', rows: 41 },
  ];
  for (const { sizes, activation, rows } of cases) {
    it(`matches forward outputs and every gradient to 1e-5: [${sizes.join(', ')}] ${activation}, ${rows} rows`, () => {
      const { mlp, flat, rng } = randomNetwork(sizes, activation, sizes.length * 100 + rows);
      const x = Float32Array.from({ length: rows * sizes[0]! }, () => (rng.next() < 0.2 ? 0 : rng.normal()));
      const coef = Float32Array.from({ length: rows * sizes[sizes.length - 1]! }, () => rng.normal());
      // Reference: tfjs forward, and the gradients of sum(out * coef) w.r.t. every weight.
      const xt = tf.tensor2d(x, [rows, sizes[0]!]), ct = tf.tensor2d(coef, [rows, sizes[sizes.length - 1]!]);
      const expectedOut = tf.tidy(() => mlp.apply(xt).dataSync());
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(mlp.apply(xt), ct)) as tf.Scalar, mlp.variables());
      const expectedGrads = mlp.variables().map((v) => grads[v.name]!.dataSync());

      const layout = new MlpLayout(sizes);
      const arena = new Arena();
      const paramsAt = arena.alloc(layout.paramCount), gradAt = arena.alloc(layout.paramCount);
      arena.f32.set(flat, paramsAt);
      const tape = new MlpTape(arena, layout);
      const out = mlpForward(layout, activation, paramsAt, x, rows, tape).slice();
      mlpBackward(layout, activation, paramsAt, tape, coef, gradAt);
      const grad = arena.array(gradAt, layout.paramCount);

      expect(maxRelErr(out, expectedOut)).toBeLessThan(1e-5);
      let at = 0;
      mlp.variables().forEach((v, i) => {
        expect(maxRelErr(grad.subarray(at, at + v.size), expectedGrads[i]!), `gradient of ${v.name}`).toBeLessThan(1e-5);
        at += v.size;
      });
      // The gradients are not trivially zero (the comparison could not pass on an empty backward).
      expect(Math.max(...Array.from(grad, Math.abs))).toBeGreaterThan(1e-3);
      tf.dispose([xt, ct, value, ...Object.values(grads)]);
      mlp.dispose();
    });
  }

  it('gives the same output whether a tape grows or not (larger batch after a smaller one)', () => {
    const sizes = [4, 64, 64, 2];
    const { flat, rng, mlp } = randomNetwork(sizes, 'relu', 5);
    const layout = new MlpLayout(sizes), arena = new Arena(16);
    const paramsAt = arena.alloc(layout.paramCount);
    arena.f32.set(flat, paramsAt);
    const tape = new MlpTape(arena, layout);
    const x = Float32Array.from({ length: 3000 * 4 }, () => rng.normal());
    const small = mlpForward(layout, 'relu', paramsAt, x, 10, tape).slice();
    const big = mlpForward(layout, 'relu', paramsAt, x, 3000, tape); // grows the memory
    expect(maxRelErr(big.subarray(0, small.length), small)).toBe(0);
    const expected = tf.tidy(() => mlp.apply(tf.tensor2d(x, [3000, 4])).dataSync());
    expect(maxRelErr(big, expected)).toBeLessThan(1e-5);
    mlp.dispose();
  });
});

describe('Float32Adam', () => {
  it('takes the same steps as tf.train.adam', () => {
    const rng = makeRng(9);
    const w0 = Float32Array.from({ length: 50 }, () => rng.normal());
    const v = tf.variable(tf.tensor1d(w0));
    const opt = tf.train.adam(0.01);
    const mine = w0.slice(), adam = new Float32Adam(50, 0.01);
    for (let step = 0; step < 20; step++) {
      const g = Float32Array.from({ length: 50 }, () => rng.normal() * (step % 3 === 0 ? 1e-3 : 1));
      tf.tidy(() => opt.applyGradients([{ name: v.name, tensor: tf.tensor1d(g) }]));
      adam.step(mine, g);
    }
    expect(maxRelErr(mine, v.dataSync())).toBeLessThan(1e-5);
    expect(maxRelErr(mine, w0)).toBeGreaterThan(0.05); // it moved
    v.dispose();
    opt.dispose();
  });
});

describe('the compiled wasm', () => {
  it('is the compilation of dense.wat (rerun scripts/build-kernel.ts after editing it)', async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    expect(readFileSync(path.join(here, 'wasm', 'dense-wasm.ts'), 'utf8')).toBe(renderDenseWasmModule(await compileDenseWat()));
  });
});
