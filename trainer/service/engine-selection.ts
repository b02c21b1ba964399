/**
 * TRAINER_ENGINES: which engine kinds a trainer process takes, so that runs go where their engine
 * runs best (e.g. `neural` only on the machine with tfjs-node, `tabular,continuous` elsewhere). A
 * process claims the leases of runs of those kinds only (run-lease-keeper.ts).
 */
import { engineKindForEnv, type EngineKind } from './engine';

export { engineKindForEnv, type EngineKind };

/** Every engine kind, in the order the error message lists them. */
export const ENGINE_KINDS = ['tabular', 'neural', 'continuous'] as const satisfies readonly EngineKind[];
// A kind added to EngineKind but not to ENGINE_KINDS fails to compile here.
const everyKind: Record<EngineKind, true> = { tabular: true, neural: true, continuous: true };

/**
 * The engine kinds of a TRAINER_ENGINES value: a comma-separated list (spaces allowed, duplicates
 * ignored); unset or empty: every kind. Throws saying what is wrong and the kinds it accepts
 * (trainer/service.ts puts the variable's name before it).
 */
export function parseTrainerEngines(value: string | undefined): EngineKind[] {
  if (value === undefined || value.trim() === '') return [...ENGINE_KINDS];
  const kinds = value.split(',').map((part) => part.trim());
  const unknown = kinds.filter((kind) => kind !== '' && !(kind in everyKind));
  if (unknown.length > 0 || kinds.some((kind) => kind === '')) {
    const what = unknown.length > 0 ? `unknown engine kind${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}` : 'an empty item';
    throw new Error(`${what}: expected a comma-separated list of ${ENGINE_KINDS.join(', ')} (e.g. TRAINER_ENGINES=neural), or unset for all`);
  }
  return ENGINE_KINDS.filter((kind) => kinds.includes(kind));
}
