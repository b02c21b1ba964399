import { describe, expect, it } from 'vitest';
import { RUN_STATUSES } from '@/db/schema';
import { allowedActions } from './runActions';

describe('run row actions', () => {
  it('offer exactly the transitions runs.pause/resume/stop accept', () => {
    // Written out from the server's table (pause: active -> paused, resume: paused -> active,
    // stop: active | paused -> stopped), so a change there shows up here.
    const expected = { active: ['pause', 'stop'], paused: ['resume', 'stop'], stopped: [] };
    expect(Object.fromEntries(RUN_STATUSES.map((s) => [s, [...allowedActions(s)]]))).toEqual(expected);
  });
});
