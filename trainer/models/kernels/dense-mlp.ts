import type { Arena } from './wasm/arena';

/**
 * The dense-MLP kernel: forward and backward of the trainer's MLPs on Float32 buffers in a
 * WebAssembly memory (the loops are wasm/dense.wat, SIMD). No graph, no tensors, no allocation
 * per call. For the trainer's nets (obs 4, [64, 64], 2 actions; batches of 128 to a few thousand
 * rows) tfjs spends most of an update dispatching ~100 small ops; here an update is a handful of
 * calls (trainer/models/README.md, "Profile").
 *
 * Parameter layout = tfjs' (trainer/models/mlp.ts): layer l's kernel [in, out] row-major, then
 * its bias [out], layers in order. So a network's weights copy to and from its tf.Variables as
 * they are, and checkpoints are the same bytes whichever kernel trained them.
 */
export type KernelActivation = 'relu' | 'tanh' | 'elu';

export class MlpLayout {
  readonly sizes: readonly number[];
  /** Offset of layer l's kernel [sizes[l], sizes[l+1]] in the flat parameter vector. */
  readonly kernelAt: readonly number[];
  /** Offset of layer l's bias [sizes[l+1]]. */
  readonly biasAt: readonly number[];
  readonly paramCount: number;

  constructor(sizes: readonly number[]) {
    if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`mlp layout: bad sizes [${sizes.join(', ')}]`);
    this.sizes = [...sizes];
    const kernelAt: number[] = [], biasAt: number[] = [];
    let at = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      kernelAt.push(at);
      at += sizes[l]! * sizes[l + 1]!;
      biasAt.push(at);
      at += sizes[l + 1]!;
    }
    this.kernelAt = kernelAt;
    this.biasAt = biasAt;
    this.paramCount = at;
  }

  get layerCount(): number {
    return this.sizes.length - 1;
  }

  get inputSize(): number {
    return this.sizes[0]!;
  }

  get outputSize(): number {
    return this.sizes[this.sizes.length - 1]!;
  }
}

/**
 * One network's per-batch buffers in an arena: its input, the output of every layer (what the
 * backward pass needs) and two gradient buffers. Grows to the largest batch it has seen.
 */
export class MlpTape {
  private capacity = 0;
  inputAt = 0;
  /** actsAt[l] = offset of layer l's output, [rows, sizes[l+1]]. */
  actsAt: number[] = [];
  deltaAt: [number, number] = [0, 0];
  rows = 0;

  constructor(readonly arena: Arena, readonly layout: MlpLayout) {}

  /** Makes room for `rows` rows (may grow the arena: take views after this). */
  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const cap = Math.max(rows, Math.ceil(this.capacity * 1.5));
    const { sizes } = this.layout;
    this.inputAt = this.arena.alloc(cap * sizes[0]!);
    this.actsAt = sizes.slice(1).map((n) => this.arena.alloc(cap * n));
    const widest = Math.max(...sizes);
    this.deltaAt = [this.arena.alloc(cap * widest), this.arena.alloc(cap * widest)];
    this.capacity = cap;
  }
}

/**
 * y = MLP(x) for `rows` rows of x ([rows, sizes[0]], row-major; copied in), with the weights at
 * `paramsAt` in the tape's arena. Hidden layers use `activation`, the output layer is linear.
 * Returns a view of the output ([rows, outputSize]), valid until the arena's next allocation
 * and the tape's next forward.
 */
export function mlpForward(layout: MlpLayout, activation: KernelActivation, paramsAt: number, x: Float32Array, rows: number, tape: MlpTape): Float32Array {
  const { sizes, kernelAt, biasAt } = layout;
  if (x.length < rows * sizes[0]!) throw new Error(`mlp kernel: input has ${x.length} values, expected ${rows} x ${sizes[0]}`);
  tape.reserve(rows);
  tape.rows = rows;
  const { arena } = tape;
  const heap = arena.f32;
  heap.set(x.subarray(0, rows * sizes[0]!), tape.inputAt);
  let hAt = tape.inputAt;
  const L = layout.layerCount;
  for (let l = 0; l < L; l++) {
    const zAt = tape.actsAt[l]!, outSize = sizes[l + 1]!;
    const hidden = l < L - 1;
    arena.ops.forward(4 * hAt, rows, sizes[l]!, 4 * (paramsAt + kernelAt[l]!), 4 * (paramsAt + biasAt[l]!), outSize, 4 * zAt, hidden && activation === 'relu' ? 1 : 0);
    if (hidden && activation !== 'relu') {
      const z = heap.subarray(zAt, zAt + rows * outSize);
      if (activation === 'tanh') for (let i = 0; i < z.length; i++) z[i] = Math.tanh(z[i]!);
      else for (let i = 0; i < z.length; i++) if (!(z[i]! > 0)) z[i] = Math.expm1(z[i]!);
    }
    hAt = zAt;
  }
  return heap.subarray(hAt, hAt + rows * sizes[L]!);
}

/**
 * Gradients of a loss with respect to every parameter, given dOut = dLoss/dOutput [rows,
 * outputSize] of the tape's last forward pass. Overwrites the paramCount floats at `gradAt`
 * (same layout as the parameters). The input's own gradient is not computed (nothing needs it).
 */
export function mlpBackward(layout: MlpLayout, activation: KernelActivation, paramsAt: number, tape: MlpTape, dOut: Float32Array, gradAt: number): void {
  const { sizes, kernelAt, biasAt } = layout;
  const { arena, rows } = tape, L = layout.layerCount;
  const heap = arena.f32;
  let [deltaAt, nextAt] = tape.deltaAt;
  heap.set(dOut.subarray(0, rows * sizes[L]!), deltaAt);
  for (let l = L - 1; l >= 0; l--) {
    const inSize = sizes[l]!, outSize = sizes[l + 1]!;
    const hAt = l === 0 ? tape.inputAt : tape.actsAt[l - 1]!;
    arena.ops.backward_weights(4 * hAt, rows, inSize, 4 * deltaAt, outSize, 4 * (gradAt + kernelAt[l]!), 4 * (gradAt + biasAt[l]!));
    if (l === 0) break;
    // dH = delta W^T, times the activation's derivative at h (ReLU: inside the wasm loop).
    arena.ops.backward_input(4 * deltaAt, rows, outSize, 4 * (paramsAt + kernelAt[l]!), inSize, 4 * hAt, 4 * nextAt, activation === 'relu' ? 1 : 0);
    if (activation !== 'relu') {
      const n = rows * inSize;
      const h = heap.subarray(hAt, hAt + n), d = heap.subarray(nextAt, nextAt + n);
      if (activation === 'tanh') for (let i = 0; i < n; i++) d[i] = d[i]! * (1 - h[i]! * h[i]!);
      else for (let i = 0; i < n; i++) if (!(h[i]! > 0)) d[i] = d[i]! * (h[i]! + 1);
    }
    [deltaAt, nextAt] = [nextAt, deltaAt];
  }
}
