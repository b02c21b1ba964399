import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The PyTorch reference of `npm run bench`: scripts/bench/torch_reference.py (the same two
 * workloads on the same shapes as trainer/models/bench.ts) run by `/usr/bin/python3` as a child
 * process, one CPU thread. Never throws: where Python or torch is missing the result says why.
 */
export type TorchReference =
  | {
    ok: true; torchVersion: string; threads: number;
    softQUpdatesPerSecond: number; rewardUpdatesPerSecond: number; softQUpdatesPerCpuSecond: number; rewardUpdatesPerCpuSecond: number;
  }
  | { ok: false; reason: string };

export const TORCH_PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'bench', 'torch_reference.py');

export function runTorchReference(seconds: number, hidden = 64, python = TORCH_PYTHON): Promise<TorchReference> {
  if (!existsSync(python)) return Promise.resolve({ ok: false, reason: `${python} not found` });
  return new Promise((resolve) => {
    execFile(python, [SCRIPT, '--threads', '1', '--seconds', String(seconds), '--hidden', String(hidden)], { timeout: 120_000 + 4_000 * seconds }, (error, stdout, stderr) => {
      if (error) {
        const noTorch = /No module named ['"]?torch/.test(stderr);
        resolve({ ok: false, reason: noTorch ? `${python} has no torch (Debian: apt-get install python3-torch)` : `the reference failed: ${(stderr || error.message).trim().split('\n').pop()}` });
        return;
      }
      try {
        const r = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number> & { torch: string };
        resolve({
          ok: true, torchVersion: r.torch, threads: r.threads!,
          softQUpdatesPerSecond: r.softq_updates_per_s!, rewardUpdatesPerSecond: r.reward_updates_per_s!,
          softQUpdatesPerCpuSecond: r.softq_updates_per_cpu_s!, rewardUpdatesPerCpuSecond: r.reward_updates_per_cpu_s!,
        });
      } catch {
        resolve({ ok: false, reason: `unreadable output from the reference: ${stdout.slice(0, 200)}` });
      }
    });
  });
}
