import { describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng';
import { DenseNet } from './dense-net';

describe('DenseNet on the kernel: the gradient with respect to the input (SAC differentiates Q in a)', () => {
  it('matches central finite differences, and its parameter gradient is mlpBackward\'s', () => {
    const rng = makeRng(5);
    const net = new DenseNet([4, 16, 16, 1], rng, 1e-3);
    const rows = 6;
    const x = Float32Array.from({ length: rows * 4 }, () => 2 * rng.next() - 1);
    const c = Float32Array.from({ length: rows }, () => rng.normal());
    const lossAt = (input: Float32Array) => {
      const y = net.forward(input, rows, 1);
      let s = 0;
      for (let r = 0; r < rows; r++) s += c[r]! * y[r]!;
      return s;
    };
    net.forward(x, rows, 1);
    const dInput = net.backwardToInput(c, 1, true);
    const withInput = net.grad().slice();
    net.forward(x, rows, 1);
    net.backward(c, 1);
    expect(Array.from(withInput)).toEqual(Array.from(net.grad()));
    const h = 1e-2;
    for (let k = 0; k < x.length; k++) {
      const plus = x.slice(), minus = x.slice();
      plus[k] = plus[k]! + h;
      minus[k] = minus[k]! - h;
      const fd = (lossAt(plus) - lossAt(minus)) / (2 * h);
      expect(Math.abs(dInput[k]! - fd)).toBeLessThan(2e-3 + 1e-2 * Math.abs(fd));
    }
  });
});
