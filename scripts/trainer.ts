/**
 * `npm run trainer` (and `npm start`, beside the web server): the trainer service process, with
 * the web server's label queue injected for simulated annotators (scripts/trainer-port.ts).
 * Settings and signals: trainer/service.ts.
 */
import { runTrainerProcess } from '../trainer/service';
import { serverLabelQueue } from './trainer-port';

runTrainerProcess({ labelQueue: serverLabelQueue }).catch((error: unknown) => {
  console.error('trainer: failed:', error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
