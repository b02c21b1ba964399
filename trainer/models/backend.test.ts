import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Each test imports a fresh copy of the module: initBackend memoises its choice per process.
async function freshBackendModule() {
  vi.resetModules();
  return import('./backend');
}

const savedEnv = process.env.TF_BACKEND;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.TF_BACKEND;
  else process.env.TF_BACKEND = savedEnv;
});

describe('backend selection', () => {
  it('falls through a missing tfjs-node to wasm, logs the choice once and memoises it', async () => {
    delete process.env.TF_BACKEND;
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { initBackend } = await freshBackendModule();
    let tfjsNodeInstalled = true;
    try {
      await import(/* @vite-ignore */ ['@tensorflow', 'tfjs-node'].join('/'));
    } catch {
      tfjsNodeInstalled = false;
    }
    const first = await initBackend();
    const second = await initBackend();
    const lines = stderr.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('[tfjs] backend:'));
    stderr.mockRestore();
    expect(first).toBe(tfjsNodeInstalled ? 'tensorflow' : 'wasm');
    expect(second).toBe(first);
    expect(tf.getBackend()).toBe(first);
    expect(lines).toHaveLength(1);
    if (!tfjsNodeInstalled) expect(lines[0]).toMatch(/wasm \(tensorflow unavailable: not installed\)/);
  });

  it('honours TF_BACKEND and rejects unknown names', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    process.env.TF_BACKEND = 'cpu';
    expect(await (await freshBackendModule()).initBackend()).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    process.env.TF_BACKEND = 'gpu';
    await expect((await freshBackendModule()).initBackend()).rejects.toThrow(/TF_BACKEND must be one of tensorflow\|wasm\|cpu, got 'gpu'/);
    stderr.mockRestore();
  });

  it('switches between wasm and cpu with the same numbers', async () => {
    const { useBackend } = await freshBackendModule();
    const compute = () => tf.tidy(() => Array.from(tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[0.5], [-1]])).dataSync()));
    await useBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const onWasm = compute();
    await useBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(compute()).toEqual(onWasm);
    expect(onWasm).toEqual([-1.5, -2.5]);
  });
});
