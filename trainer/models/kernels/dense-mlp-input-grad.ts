import { MlpLayout, MlpTape, type KernelActivation } from './dense-mlp';

/**
 * The backward pass of dense-mlp.ts `mlpBackward`, continued down to the INPUT: SAC's actor
 * loss differentiates a critic Q(s, a) with respect to its action input (the reparameterised
 * action), which mlpBackward does not compute. Same loops (wasm/dense.wat), same layout.
 *
 * Given dOut = dLoss/dOutput [rows, outputSize] of the tape's last forward pass, writes
 * dLoss/dInput [rows, inputSize] into `dInput` and, when `gradAt` is not null, the parameter
 * gradients at `gradAt` (overwritten, the parameters' layout).
 */
export function mlpBackwardToInput(
  layout: MlpLayout, activation: KernelActivation, paramsAt: number, tape: MlpTape, dOut: Float32Array, gradAt: number | null, dInput: Float32Array,
): void {
  const { sizes, kernelAt, biasAt } = layout;
  const { arena, rows } = tape, L = layout.layerCount;
  if (dInput.length < rows * sizes[0]!) throw new Error(`mlp kernel: input gradient needs ${rows} x ${sizes[0]} values, got ${dInput.length}`);
  const heap = arena.f32;
  let [deltaAt, nextAt] = tape.deltaAt;
  heap.set(dOut.subarray(0, rows * sizes[L]!), deltaAt);
  for (let l = L - 1; l >= 0; l--) {
    const inSize = sizes[l]!, outSize = sizes[l + 1]!;
    const hAt = l === 0 ? tape.inputAt : tape.actsAt[l - 1]!;
    if (gradAt !== null) arena.ops.backward_weights(4 * hAt, rows, inSize, 4 * deltaAt, outSize, 4 * (gradAt + kernelAt[l]!), 4 * (gradAt + biasAt[l]!));
    // dH = delta W^T; below a hidden layer, times its activation's derivative at h (ReLU: in wasm).
    const relu = l > 0 && activation === 'relu' ? 1 : 0;
    arena.ops.backward_input(4 * deltaAt, rows, outSize, 4 * (paramsAt + kernelAt[l]!), inSize, 4 * hAt, 4 * nextAt, relu);
    if (l > 0 && activation !== 'relu') {
      const n = rows * inSize;
      const h = heap.subarray(hAt, hAt + n), d = heap.subarray(nextAt, nextAt + n);
      if (activation === 'tanh') for (let i = 0; i < n; i++) d[i] = d[i]! * (1 - h[i]! * h[i]!);
      else for (let i = 0; i < n; i++) if (!(h[i]! > 0)) d[i] = d[i]! * (h[i]! + 1);
    }
    [deltaAt, nextAt] = [nextAt, deltaAt];
  }
  // After the last swap, deltaAt holds dLoss/dInput.
  dInput.set(heap.subarray(deltaAt, deltaAt + rows * sizes[0]!));
}
