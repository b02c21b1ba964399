import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';

/**
 * A plain multilayer perceptron of dense layers held as raw `tf.Variable`s. Raw variables (not
 * tf.layers) because both levels of SoBiRL need exact control over which weights a gradient
 * touches (explicit varLists), over seeding (weights drawn from our own seeded `Rng`, never tfjs'
 * global random state), and because dense layers are what the wasm backend can differentiate.
 */
export type Activation = 'relu' | 'tanh' | 'elu';

export interface DenseLayer {
  readonly kernel: tf.Variable<tf.Rank.R2>; // [in, out]
  readonly bias: tf.Variable<tf.Rank.R1>; // [out]
}

/** One weight with its stable, logical name (what checkpoints store; tfjs names are unique ids). */
export interface NamedWeight {
  readonly name: string;
  readonly variable: tf.Variable;
}

let instanceCounter = 0;

export class Mlp {
  readonly layers: readonly DenseLayer[];
  readonly sizes: readonly number[];
  readonly activation: Activation;

  /**
   * @param sizes [inputSize, ...hidden, outputSize]
   * @param rng   seeds the Glorot-uniform kernels (biases start at 0)
   * @param namePrefix readable prefix of the tfjs variable names (they must be unique per process)
   */
  constructor(sizes: readonly number[], activation: Activation, rng: Rng, trainable: boolean, namePrefix: string) {
    if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new Error(`mlp: sizes must be >= 2 positive integers, got [${sizes.join(', ')}]`);
    }
    this.sizes = [...sizes];
    this.activation = activation;
    const id = `${namePrefix}#${instanceCounter++}`;
    const layers: DenseLayer[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l]!, fanOut = sizes[l + 1]!;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const values = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < values.length; i++) values[i] = (2 * rng.next() - 1) * limit;
      // tidy disposes the initial-value tensors; the variables keep their data.
      layers.push(
        tf.tidy(() => ({
          kernel: tf.variable(tf.tensor2d(values, [fanIn, fanOut]), trainable, `${id}/l${l}/kernel`) as tf.Variable<tf.Rank.R2>,
          bias: tf.variable(tf.zeros([fanOut]), trainable, `${id}/l${l}/bias`) as tf.Variable<tf.Rank.R1>,
        })),
      );
    }
    this.layers = layers;
  }

  get inputSize(): number {
    return this.sizes[0]!;
  }

  get outputSize(): number {
    return this.sizes[this.sizes.length - 1]!;
  }

  /** x [N, inputSize] -> [N, outputSize]; differentiable w.r.t. the weights. Linear output. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x;
      this.layers.forEach((layer, l) => {
        const last = l === this.layers.length - 1;
        if (!last && this.activation === 'relu') {
          // The fused kernel (matmul + bias + relu in one pass) has gradients in tfjs-core.
          h = tf.fused.matMul({ a: h, b: layer.kernel, bias: layer.bias, activation: 'relu' }) as tf.Tensor2D;
        } else {
          h = tf.fused.matMul({ a: h, b: layer.kernel, bias: layer.bias }) as tf.Tensor2D;
          if (!last) h = this.activation === 'tanh' ? tf.tanh(h) : tf.elu(h);
        }
      });
      return h;
    });
  }

  /** Every weight, kernels and biases, in a fixed order with logical names `l{i}/kernel|bias`. */
  namedWeights(): NamedWeight[] {
    return this.layers.flatMap((layer, l) => [
      { name: `l${l}/kernel`, variable: layer.kernel as tf.Variable },
      { name: `l${l}/bias`, variable: layer.bias as tf.Variable },
    ]);
  }

  variables(): tf.Variable[] {
    return this.namedWeights().map((w) => w.variable);
  }

  /** Polyak averaging: w <- (1 - rate) w + rate * source.w (rate 1 copies). Shapes must match. */
  blendFrom(source: Mlp, rate: number): void {
    const mine = this.variables(), theirs = source.variables();
    if (mine.length !== theirs.length) throw new Error('mlp.blendFrom: different architectures');
    tf.tidy(() => {
      mine.forEach((v, i) => {
        const s = theirs[i]!;
        v.assign(rate === 1 ? s : tf.add(tf.mul(v, 1 - rate), tf.mul(s, rate)));
      });
    });
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
