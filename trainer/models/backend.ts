import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Chooses the tfjs backend once per process (the README, "The trainer"): `TF_BACKEND` forces one;
 * otherwise tfjs-node if it loads (an optional dependency: absent on machines where its install
 * cannot download libtensorflow), else wasm, else the pure-JS cpu backend. The choice is logged
 * once to stderr and should be stored with each run (throughput differs ~3.5x between them).
 */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

let chosen: Promise<BackendName> | null = null;
let wasmRegistered: Promise<void> | null = null;
let tfjsNodeRegistered: Promise<void> | null = null;

/** Selects and initialises the backend; later calls return the same (memoised) choice. */
export function initBackend(): Promise<BackendName> {
  chosen ??= chooseBackend();
  return chosen;
}

/**
 * Switches to `name` now (the benchmark compares wasm and cpu in one process). Throws when the
 * backend cannot be initialised. Tensors made under the previous backend move lazily on use.
 */
export async function useBackend(name: BackendName): Promise<void> {
  await registerBackend(name);
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tfjs backend '${name}' failed to initialise`);
  await tf.ready();
}

/** The backend tfjs is using right now. */
export function activeBackend(): string {
  return tf.getBackend();
}

async function chooseBackend(): Promise<BackendName> {
  const forced = process.env.TF_BACKEND;
  if (forced !== undefined && forced !== '') {
    if (!(BACKEND_NAMES as readonly string[]).includes(forced)) {
      throw new Error(`TF_BACKEND must be one of ${BACKEND_NAMES.join('|')}, got '${forced}'`);
    }
    await useBackend(forced as BackendName);
    log(`${forced} (forced by TF_BACKEND)`);
    return forced as BackendName;
  }
  const skipped: string[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      await useBackend(name);
      log(skipped.length > 0 ? `${name} (${skipped.join('; ')})` : name);
      return name;
    } catch (err) {
      // Falling through is the normal case for tfjs-node here: say why in the one log line.
      skipped.push(`${name} unavailable: ${shortReason(err)}`);
    }
  }
  throw new Error(`no tfjs backend could be initialised: ${skipped.join('; ')}`);
}

function registerBackend(name: BackendName): Promise<void> {
  if (name === 'cpu') return Promise.resolve(); // bundled with @tensorflow/tfjs
  if (name === 'wasm') {
    wasmRegistered ??= registerWasm().catch((err: unknown) => {
      wasmRegistered = null; // let a later call retry and report the error again
      throw err;
    });
    return wasmRegistered;
  }
  tfjsNodeRegistered ??= registerTfjsNode().catch((err: unknown) => {
    tfjsNodeRegistered = null;
    throw err;
  });
  return tfjsNodeRegistered;
}

async function registerWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // In Node the emscripten loader looks for the .wasm files beside the script it was loaded from,
  // which bundlers and test runners can move; point it at the package's dist folder on disk.
  if (typeof process !== 'undefined' && process.versions?.node) {
    const require = createRequire(import.meta.url);
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(`${dist}${path.sep}`);
  }
}

async function registerTfjsNode(): Promise<void> {
  // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
  const specifier = '@tensorflow/tfjs-node';
  await import(/* @vite-ignore */ specifier);
  if (tf.findBackend('tensorflow') === null) throw new Error('tfjs-node loaded but registered no backend');
}

function shortReason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') return 'not installed';
  return String(e?.message ?? err).split('\n')[0]!.slice(0, 160);
}

function log(line: string): void {
  process.stderr.write(`[tfjs] backend: ${line}\n`);
}
