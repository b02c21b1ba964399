/**
 * Compiles trainer/models/kernels/wasm/dense.wat (WebAssembly text, SIMD) into
 * trainer/models/kernels/wasm/dense-wasm.ts, the bytes the trainer instantiates, so running it
 * needs no toolchain. Run after editing the .wat: `npx tsx scripts/build-kernel.ts`
 * (`--check` exits 1 when the committed bytes are stale; the kernel's test does the same check).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileDenseWat, DENSE_WASM_TS, renderDenseWasmModule } from '../trainer/models/kernels/wasm/compile';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, DENSE_WASM_TS);
const source = renderDenseWasmModule(await compileDenseWat());
if (process.argv.includes('--check')) {
  const same = readFileSync(target, 'utf8') === source;
  process.stdout.write(same ? `${DENSE_WASM_TS} is up to date\n` : `${DENSE_WASM_TS} is stale: run npx tsx scripts/build-kernel.ts\n`);
  process.exit(same ? 0 : 1);
}
writeFileSync(target, source);
process.stdout.write(`wrote ${DENSE_WASM_TS}\n`);
