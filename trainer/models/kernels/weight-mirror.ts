import * as tf from '@tensorflow/tfjs';
import type { MlpLayout } from './dense-mlp';
import type { Arena } from './wasm/arena';

/**
 * A Float32Array copy of one network's tf.Variables (kernel, bias per layer, in order) for the
 * JS kernel, kept consistent with them lazily, in both directions:
 * - `read()` before the kernel uses the weights: if any variable was assigned since the last
 *   sync (a checkpoint load, an upper-level Adam step, a restore), its values are pulled. tfjs
 *   gives every assigned value a new `dataId` object, so comparing identities detects every
 *   write without reading data back.
 * - `wrote()` after the kernel changed the weights; `flush()` before tfjs reads the variables
 *   pushes them (one assign per variable). Owners call `flush()` in every method that hands out
 *   or evaluates the variables, so a training loop on the kernel never touches tfjs.
 * A variable written in tfjs after the kernel's last `wrote()` wins (it is the later write).
 */
export class WeightMirror {
  /** Offset of the weights (layout.paramCount floats) in the arena. */
  readonly at: number;
  private seen: unknown[] = [];
  private ahead = false;

  constructor(private readonly arena: Arena, private readonly layout: MlpLayout, private readonly variables: readonly tf.Variable[]) {
    if (variables.length !== 2 * layout.layerCount) throw new Error(`weight mirror: ${variables.length} variables for ${layout.layerCount} layers`);
    variables.forEach((v, i) => {
      const l = i >> 1;
      const want = i % 2 === 0 ? layout.sizes[l]! * layout.sizes[l + 1]! : layout.sizes[l + 1]!;
      if (v.size !== want) throw new Error(`weight mirror: variable ${v.name} has ${v.size} values, the layout says ${want}`);
    });
    this.at = arena.alloc(layout.paramCount);
    this.pull();
  }

  /** Makes the arena's copy current with the variables; returns its offset. */
  read(): number {
    if (this.changedInTf()) this.pull();
    return this.at;
  }

  /** A view of the weights (current; valid until the arena's next allocation). */
  view(): Float32Array {
    return this.arena.array(this.read(), this.layout.paramCount);
  }

  /** The kernel changed the weights: the variables are stale until `flush()`. */
  wrote(): void {
    this.ahead = true;
  }

  /** Makes the variables current (before tfjs reads them). */
  flush(): void {
    if (!this.ahead) return;
    if (this.changedInTf()) {
      // Written on both sides since the last sync: the tfjs write is the later one, keep it.
      this.pull();
      return;
    }
    const { kernelAt, biasAt, sizes } = this.layout;
    tf.tidy(() => {
      this.variables.forEach((v, i) => {
        const l = i >> 1;
        const at = i % 2 === 0 ? kernelAt[l]! : biasAt[l]!;
        // slice: a copy, since the cpu backend keeps the typed array it is given.
        const values = this.arena.f32.slice(this.at + at, this.at + at + v.size);
        v.assign(i % 2 === 0 ? tf.tensor2d(values, [sizes[l]!, sizes[l + 1]!]) : tf.tensor1d(values));
      });
    });
    this.ahead = false;
    this.remember();
  }

  private pull(): void {
    const { kernelAt, biasAt } = this.layout;
    this.variables.forEach((v, i) => {
      const l = i >> 1;
      this.arena.f32.set(v.dataSync() as Float32Array, this.at + (i % 2 === 0 ? kernelAt[l]! : biasAt[l]!));
    });
    this.ahead = false;
    this.remember();
  }

  private remember(): void {
    this.seen = this.variables.map((v) => v.dataId);
  }

  private changedInTf(): boolean {
    for (let i = 0; i < this.variables.length; i++) if (this.variables[i]!.dataId !== this.seen[i]) return true;
    return false;
  }
}
