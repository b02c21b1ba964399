import type { Choice, Strength } from '@/trainer/contracts/choices';

export type { Choice, Strength };
export type LabelKeyAction =
  | { kind: 'choose'; choice: Choice; strength?: Strength }
  | { kind: 'togglePlay' }
  | { kind: 'undo' }
  | { kind: 'help' }
  | { kind: 'frame'; delta: 1 | -1 }
  | { kind: 'speed'; delta: 1 | -1 };

/** Every hotkey of the labeling page, as the `?` overlay lists them. */
export const HOTKEYS: ReadonlyArray<{ keys: string; what: string }> = [
  { keys: '←', what: 'Left clip better' },
  { keys: '→', what: 'Right clip better' },
  { keys: 'Shift + ← / →', what: 'Left / right slightly better (runs that ask for strength)' },
  { keys: '↑', what: 'Equally good' },
  { keys: '↓', what: "Can't tell" },
  { keys: 'Space', what: 'Play / pause both clips' },
  { keys: ', / .', what: 'One frame back / forward (pauses)' },
  { keys: '[ / ]', what: 'Slower / faster (0.5x to 4x)' },
  { keys: 'Z', what: 'Undo the last label (within 30 s)' },
  { keys: '?', what: 'Show or hide this help' },
];

/** What the keyboard handler needs to know about a key press (a KeyboardEvent fits). */
export interface KeyPress {
  key: string;
  repeat: boolean;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  target: EventTarget | null;
}

export const CHOICE_KEYS: Readonly<Record<Choice, { key: string; glyph: string; label: string }>> = {
  left: { key: 'ArrowLeft', glyph: '←', label: 'Left better' },
  right: { key: 'ArrowRight', glyph: '→', label: 'Right better' },
  equal: { key: 'ArrowUp', glyph: '↑', label: 'Equal' },
  cant_tell: { key: 'ArrowDown', glyph: '↓', label: "Can't tell" },
};

const NON_TYPING_INPUTS = new Set(['range', 'checkbox', 'radio', 'button', 'submit', 'reset']);

function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof target !== 'object' || !('tagName' in target)) return false;
  const el = target as { tagName: string; isContentEditable?: boolean; type?: string };
  const tag = el.tagName.toUpperCase();
  // A scrub bar or checkbox with focus is not typing: the arrows must still label.
  if (tag === 'INPUT') return !NON_TYPING_INPUTS.has((el.type ?? 'text').toLowerCase());
  return tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable === true;
}

/**
 * Maps a key press on the labeling page to an action, or null to let the browser have it.
 * Auto-repeat is ignored so a held arrow labels one pair, not several; so are presses while
 * typing in a field and shortcuts with modifiers (Ctrl+Z stays the browser's).
 */
export function labelKeyAction(e: KeyPress & { shiftKey?: boolean }): LabelKeyAction | null {
  if (e.repeat || e.altKey || e.ctrlKey || e.metaKey || isTypingTarget(e.target)) return null;
  for (const [choice, { key }] of Object.entries(CHOICE_KEYS) as Array<[Choice, { key: string }]>) {
    if (e.key !== key) continue;
    if (e.shiftKey && (choice === 'left' || choice === 'right')) return { kind: 'choose', choice, strength: 'slightly' };
    return { kind: 'choose', choice };
  }
  if (e.key === '?') return { kind: 'help' };
  if (e.key === ',' || e.key === '<') return { kind: 'frame', delta: -1 };
  if (e.key === '.' || e.key === '>') return { kind: 'frame', delta: 1 };
  if (e.key === '[') return { kind: 'speed', delta: -1 };
  if (e.key === ']') return { kind: 'speed', delta: 1 };
  if (e.key === ' ' || e.key === 'Spacebar') return { kind: 'togglePlay' };
  if (e.key === 'z' || e.key === 'Z') return { kind: 'undo' };
  return null;
}
