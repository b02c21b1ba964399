import { describe, expect, it } from 'vitest';
import { labelKeyAction, type KeyPress } from './labelKeys';

const press = (key: string, extra: Partial<KeyPress> = {}): KeyPress => ({
  key, repeat: false, altKey: false, ctrlKey: false, metaKey: false, target: { tagName: 'BODY' } as unknown as EventTarget, ...extra,
});

describe('labelKeyAction', () => {
  it('maps the four arrows to the four choices, Space to play/pause and Z to undo', () => {
    expect(labelKeyAction(press('ArrowLeft'))).toEqual({ kind: 'choose', choice: 'left' });
    expect(labelKeyAction(press('ArrowRight'))).toEqual({ kind: 'choose', choice: 'right' });
    expect(labelKeyAction(press('ArrowUp'))).toEqual({ kind: 'choose', choice: 'equal' });
    expect(labelKeyAction(press('ArrowDown'))).toEqual({ kind: 'choose', choice: 'cant_tell' });
    expect(labelKeyAction(press(' '))).toEqual({ kind: 'togglePlay' });
    expect(labelKeyAction(press('z'))).toEqual({ kind: 'undo' });
    expect(labelKeyAction(press('Z'))).toEqual({ kind: 'undo' });
    expect(labelKeyAction(press('x'))).toBeNull();
  });

  it('ignores auto-repeat, so a held arrow labels only one pair', () => {
    expect(labelKeyAction(press('ArrowLeft', { repeat: true }))).toBeNull();
  });

  it('still labels when the scrub bar (a range input) has focus', () => {
    const range = { tagName: 'INPUT', type: 'range' } as unknown as EventTarget;
    expect(labelKeyAction(press('ArrowLeft', { target: range }))).toEqual({ kind: 'choose', choice: 'left' });
  });

  it('ignores presses while typing and with modifiers', () => {
    for (const tagName of ['INPUT', 'textarea', 'SELECT']) {
      expect(labelKeyAction(press('ArrowLeft', { target: { tagName } as unknown as EventTarget }))).toBeNull();
    }
    expect(labelKeyAction(press('z', { target: { tagName: 'DIV', isContentEditable: true } as unknown as EventTarget }))).toBeNull();
    expect(labelKeyAction(press('z', { ctrlKey: true }))).toBeNull();
    expect(labelKeyAction(press('ArrowRight', { metaKey: true }))).toBeNull();
    expect(labelKeyAction(press('ArrowRight', { altKey: true }))).toBeNull();
  });

  it('maps Shift+arrows to slightly better, ? to help, , . to frame steps and [ ] to speed', () => {
    expect(labelKeyAction({ ...press('ArrowLeft'), shiftKey: true })).toEqual({ kind: 'choose', choice: 'left', strength: 'slightly' });
    expect(labelKeyAction({ ...press('ArrowRight'), shiftKey: true })).toEqual({ kind: 'choose', choice: 'right', strength: 'slightly' });
    // "Equal" has no strength: Shift changes nothing.
    expect(labelKeyAction({ ...press('ArrowUp'), shiftKey: true })).toEqual({ kind: 'choose', choice: 'equal' });
    expect(labelKeyAction(press('?'))).toEqual({ kind: 'help' });
    expect(labelKeyAction(press(','))).toEqual({ kind: 'frame', delta: -1 });
    expect(labelKeyAction(press('.'))).toEqual({ kind: 'frame', delta: 1 });
    expect(labelKeyAction(press('['))).toEqual({ kind: 'speed', delta: -1 });
    expect(labelKeyAction(press(']'))).toEqual({ kind: 'speed', delta: 1 });
    expect(labelKeyAction(press('?', { target: { tagName: 'TEXTAREA' } as unknown as EventTarget }))).toBeNull();
  });
});
