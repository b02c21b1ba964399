import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ENGINE_KINDS, engineKindForEnv, parseTrainerEngines } from './engine-selection';

const ROOT = path.join(import.meta.dirname, '../..');

describe('TRAINER_ENGINES', () => {
  it('unset or empty: every kind; a list: those kinds (spaces and duplicates allowed)', () => {
    expect(parseTrainerEngines(undefined)).toEqual([...ENGINE_KINDS]);
    expect(parseTrainerEngines('  ')).toEqual([...ENGINE_KINDS]);
    expect(parseTrainerEngines(' neural ,neural')).toEqual(['neural']);
    expect(parseTrainerEngines('continuous,neural,tabular')).toEqual(['tabular', 'neural', 'continuous']);
    expect(parseTrainerEngines('neural,tabular')).toEqual(['tabular', 'neural']);
  });

  it('an unknown kind or an empty item is refused, naming it and the kinds accepted', () => {
    expect(() => parseTrainerEngines('neural,gpu')).toThrow('unknown engine kind "gpu": expected a comma-separated list of ' + ENGINE_KINDS.join(', '));
    expect(() => parseTrainerEngines('neural,')).toThrow('an empty item');
    expect(() => parseTrainerEngines('Neural')).toThrow('unknown engine kind "Neural"');
  });

  it('every env maps to one of the kinds', () => {
    expect(engineKindForEnv('grid5')).toBe('tabular');
    expect(engineKindForEnv('cartpole')).toBe('neural');
    expect(engineKindForEnv('hopper')).toBe('continuous');
  });

  it('the trainer process refuses a bad value at start-up: exit 2, the variable named, nothing opened', () => {
    const result = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/trainer.ts'], {
      cwd: ROOT, encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, TRAINER_ENGINES: 'neural,gpu', DATABASE_PATH: '/nonexistent-dir/never-created.sqlite' },
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('trainer: invalid environment: TRAINER_ENGINES: unknown engine kind "gpu"');
  });
});
