/**
 * Test support: the label-queue port a production trainer gets (scripts/trainer-port.ts), for
 * tests that run a TrainerService with simulated annotators in-process.
 */
export { serverLabelQueue } from '../../../scripts/trainer-port';
