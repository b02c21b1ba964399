import { runSettingsSchema } from '@/trainer/contracts/run-config';

const goldRateSchema = runSettingsSchema.shape.goldRate;
/** The goldRate of a run whose config does not name one (runs older than gold pairs). */
export const DEFAULT_GOLD_RATE = goldRateSchema.parse(undefined);

/**
 * The run's goldRate from its stored config. Only this one key is read: a config the trainer
 * refuses for another reason must not stop the queue, and a bad goldRate falls back to the
 * default (the trainer reports the config problem on the run).
 */
export function goldRateOf(config: unknown): number {
  const raw = config && typeof config === 'object' && !Array.isArray(config) ? (config as Record<string, unknown>).goldRate : undefined;
  const parsed = goldRateSchema.safeParse(raw);
  return parsed.success ? parsed.data : DEFAULT_GOLD_RATE;
}
