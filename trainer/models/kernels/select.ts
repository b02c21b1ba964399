import * as tf from '@tensorflow/tfjs';

/**
 * Which code runs the MLP updates: 'js' (trainer/models/kernels/dense-mlp.ts, Float32Array
 * loops) or 'tfjs' (the active tfjs backend). `SOBIRL_KERNEL=js|tfjs` forces one; unset or
 * 'auto' chooses per network:
 * - tfjs on the tensorflow backend (tfjs-node: native, multi-threaded BLAS, built for this),
 * - tfjs for nets wider than `JS_KERNEL_MAX_WIDTH`, beyond what was measured,
 * - js otherwise: on wasm and cpu it beat tfjs-wasm at every width measured, [64, 64] to
 *   [512, 512], by 6-10x (`npm run bench -- --wide` for [256, 256]; trainer/models/README.md).
 * Both train the same maths (tests check gradients to 1e-5 and whole updates) and store the
 * same weights, so checkpoints do not depend on the choice.
 */
export type KernelName = 'js' | 'tfjs';
export const KERNEL_NAMES: readonly KernelName[] = ['js', 'tfjs'];

/** Widest layer the automatic choice gives to the JS kernel: the widest measured (trainer/models/README.md). */
export const JS_KERNEL_MAX_WIDTH = 512;

export function chooseKernel(sizes: readonly number[], requested?: KernelName | 'auto'): KernelName {
  const fromEnv = requested === undefined;
  const wanted = requested ?? kernelFromEnv();
  if (wanted !== 'auto') {
    if (fromEnv) logOnce(`${wanted} (forced by SOBIRL_KERNEL)`);
    return wanted;
  }
  if (tf.getBackend() === 'tensorflow') return logOnce('tfjs (auto: the tensorflow backend)');
  if (Math.max(...sizes) > JS_KERNEL_MAX_WIDTH) return logOnce(`tfjs (auto: a layer wider than ${JS_KERNEL_MAX_WIDTH})`);
  return logOnce('js (auto)');
}

const logged = new Set<string>();

/** One stderr line per distinct choice and process, as the backend's choice is logged. */
function logOnce(line: string): KernelName {
  if (!logged.has(line)) {
    logged.add(line);
    process.stderr.write(`[sobirl] MLP kernel: ${line}\n`);
  }
  return line.startsWith('js') ? 'js' : 'tfjs';
}

function kernelFromEnv(): KernelName | 'auto' {
  const raw = process.env.SOBIRL_KERNEL;
  if (raw === undefined || raw === '' || raw === 'auto') return 'auto';
  if (!(KERNEL_NAMES as readonly string[]).includes(raw)) throw new Error(`SOBIRL_KERNEL must be one of auto|${KERNEL_NAMES.join('|')}, got '${raw}'`);
  return raw as KernelName;
}
