import { useBackend } from '../../../trainer/models/backend';

/** The models' tests all run on wasm (STACK.md: what the trainer uses where tfjs-node is absent). */
export async function useTestBackend(): Promise<void> {
  await useBackend('wasm');
}
