import { DENSE_WASM_BASE64 } from './dense-wasm';

/**
 * One kernel's memory: a WebAssembly.Memory holding its weights, gradients, optimiser moments
 * and activations, with the dense.wat loops instantiated on it. Allocation only grows (a kernel
 * allocates at construction and when a larger batch arrives); the memory is freed with the
 * kernel by the garbage collector. Offsets are in floats; `f32` is a view of the whole memory,
 * re-made after a growth: never keep a view across an `alloc`.
 */
interface DenseExports {
  forward(x: number, n: number, inSize: number, w: number, b: number, outSize: number, z: number, relu: number): void;
  backward_weights(x: number, n: number, inSize: number, dz: number, outSize: number, gw: number, gb: number): void;
  backward_input(dz: number, n: number, outSize: number, w: number, inSize: number, h: number, dh: number, relu: number): void;
}

let compiled: WebAssembly.Module | null = null;
const PAGE_FLOATS = 65536 / 4;

export class Arena {
  private readonly memory: WebAssembly.Memory;
  readonly ops: DenseExports;
  private used = 0;
  private view: Float32Array;

  constructor(initialFloats = PAGE_FLOATS) {
    compiled ??= new WebAssembly.Module(Buffer.from(DENSE_WASM_BASE64, 'base64'));
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(initialFloats / PAGE_FLOATS)) });
    this.ops = new WebAssembly.Instance(compiled, { env: { memory: this.memory } }).exports as unknown as DenseExports;
    this.view = new Float32Array(this.memory.buffer);
  }

  /** Reserves `floats` zeroed floats, 16-byte aligned; returns their offset (in floats). */
  alloc(floats: number): number {
    const at = this.used;
    this.used = at + Math.ceil(floats / 4) * 4;
    const have = this.memory.buffer.byteLength / 4;
    if (this.used > have) this.memory.grow(Math.ceil((this.used - have) / PAGE_FLOATS));
    return at;
  }

  get f32(): Float32Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  /** A view of floats [at, at + length). */
  array(at: number, length: number): Float32Array {
    return this.f32.subarray(at, at + length);
  }
}
