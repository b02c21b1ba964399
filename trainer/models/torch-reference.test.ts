import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTorchReference } from './torch-reference';

/** A stand-in interpreter: a shell script that prints `stdout`, writes `stderr` and exits with `code`. */
function fakePython(stdout: string, stderr: string, code: number): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'fake-python-')), 'python3');
  writeFileSync(file, `#!/bin/sh\nprintf '%s' '${stdout}'\nprintf '%s\\n' "${stderr}" >&2\nexit ${code}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('the PyTorch reference runner', () => {
  it('says why when there is no interpreter or no torch, and never throws', async () => {
    expect(await runTorchReference(0.1, 64, '/nonexistent/python3')).toEqual({ ok: false, reason: '/nonexistent/python3 not found' });
    const noTorch = fakePython('', "ModuleNotFoundError: No module named 'torch'", 1);
    const r = await runTorchReference(0.1, 64, noTorch);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/has no torch \(Debian: apt-get install python3-torch\)/);
  });

  it('reads the JSON line the script prints', async () => {
    const line = '{"torch": "1.13", "threads": 1, "hidden": 64, "softq_updates_per_s": 400.5, "reward_updates_per_s": 40.25, "softq_updates_per_cpu_s": 410, "reward_updates_per_cpu_s": 41}';
    expect(await runTorchReference(0.1, 64, fakePython(line, '', 0))).toEqual({
      ok: true, torchVersion: '1.13', threads: 1,
      softQUpdatesPerSecond: 400.5, rewardUpdatesPerSecond: 40.25, softQUpdatesPerCpuSecond: 410, rewardUpdatesPerCpuSecond: 41,
    });
  });
});
