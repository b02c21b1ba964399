import type { Rng } from '../../core/rng';
import { Float32Adam } from '../../models/kernels/adam';
import { MlpLayout, MlpTape, mlpBackward, mlpForward, type KernelActivation } from '../../models/kernels/dense-mlp';
import { mlpBackwardToInput } from '../../models/kernels/dense-mlp-input-grad';
import { Arena } from '../../models/kernels/wasm/arena';

/**
 * One dense MLP of the continuous engine on the dense-MLP kernel (trainer/models/kernels): its
 * weights, gradient and Adam moments in its own WebAssembly arena, no tfjs. Hidden layers ReLU,
 * output linear. `tape` numbers separate activation records, so one network can be evaluated on
 * two batches (a critic on (s, a) and on (s, a~pi)) and differentiated through either.
 *
 * Initialisation: Glorot-uniform kernels, zero biases (tfjs' dense default), drawn from `rng`.
 */
export class DenseNet {
  readonly layout: MlpLayout;
  private readonly arena = new Arena();
  private readonly paramsAt: number;
  private readonly gradAt: number;
  private readonly tapes: MlpTape[] = [];
  readonly adam: Float32Adam;

  constructor(sizes: readonly number[], rng: Rng, learningRate: number, readonly activation: KernelActivation = 'relu') {
    this.layout = new MlpLayout(sizes);
    this.paramsAt = this.arena.alloc(this.layout.paramCount);
    this.gradAt = this.arena.alloc(this.layout.paramCount);
    this.adam = new Float32Adam(this.layout.paramCount, learningRate);
    const p = this.params();
    for (let l = 0; l < this.layout.layerCount; l++) {
      const fanIn = sizes[l]!, fanOut = sizes[l + 1]!;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const at = this.layout.kernelAt[l]!;
      for (let i = 0; i < fanIn * fanOut; i++) p[at + i] = (2 * rng.next() - 1) * limit;
    }
  }

  get paramCount(): number {
    return this.layout.paramCount;
  }

  /** A view of the weights (valid until this network's next forward on a larger batch). */
  params(): Float32Array {
    return this.arena.array(this.paramsAt, this.layout.paramCount);
  }

  /** A view of the gradient the last backward wrote. */
  grad(): Float32Array {
    return this.arena.array(this.gradAt, this.layout.paramCount);
  }

  setParams(values: ArrayLike<number>): void {
    if (values.length !== this.paramCount) throw new Error(`dense net: ${values.length} values for ${this.paramCount} parameters`);
    this.params().set(values);
  }

  private tape(index: number): MlpTape {
    while (this.tapes.length <= index) this.tapes.push(new MlpTape(this.arena, this.layout));
    return this.tapes[index]!;
  }

  /** y = MLP(x) for `rows` rows of x [rows, inputSize]: a new array [rows, outputSize]. */
  forward(x: Float32Array, rows: number, tape = 0): Float32Array {
    return mlpForward(this.layout, this.activation, this.paramsAt, x, rows, this.tape(tape)).slice();
  }

  /** Parameter gradient of a loss with dLoss/dOutput = dOut at tape `tape`'s last forward (into grad()). */
  backward(dOut: Float32Array, tape = 0): void {
    mlpBackward(this.layout, this.activation, this.paramsAt, this.tape(tape), dOut, this.gradAt);
  }

  /** dLoss/dInput [rows, inputSize] at tape `tape`'s last forward; the parameter gradient too when `withParams`. */
  backwardToInput(dOut: Float32Array, tape: number, withParams: boolean): Float32Array {
    const t = this.tape(tape);
    const dInput = new Float32Array(t.rows * this.layout.inputSize);
    mlpBackwardToInput(this.layout, this.activation, this.paramsAt, t, dOut, withParams ? this.gradAt : null, dInput);
    return dInput;
  }

  /** One Adam step with the gradient in grad(), or with `gradient` when given. */
  step(gradient?: Float32Array): void {
    this.adam.step(this.params(), gradient ?? this.grad());
  }

  /** Polyak averaging towards `source`: w <- (1 - rate) w + rate w_source. */
  trackTowards(source: DenseNet, rate: number): void {
    const w = this.params(), s = source.params();
    if (w.length !== s.length) throw new Error('dense net: Polyak step between networks of different shapes');
    for (let i = 0; i < w.length; i++) w[i] = w[i]! + rate * (s[i]! - w[i]!);
  }
}
