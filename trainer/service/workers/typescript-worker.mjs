// The entry of every worker thread started by start-worker.ts: registers tsx's loader in this
// thread, then imports the TypeScript entry named by the first argument (Worker `argv`).
// Plain JavaScript because it runs before anything can load TypeScript.
import { argv } from 'node:process';
import { register } from 'tsx/esm/api';

register();
await import(argv[2]);
