import type { Choice } from '@/trainer/contracts/choices';

export type { Choice };
export type LabelKeyAction = { kind: 'choose'; choice: Choice } | { kind: 'togglePlay' } | { kind: 'undo' };

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
export function labelKeyAction(e: KeyPress): LabelKeyAction | null {
  if (e.repeat || e.altKey || e.ctrlKey || e.metaKey || isTypingTarget(e.target)) return null;
  for (const [choice, { key }] of Object.entries(CHOICE_KEYS) as Array<[Choice, { key: string }]>) {
    if (e.key === key) return { kind: 'choose', choice };
  }
  if (e.key === ' ' || e.key === 'Spacebar') return { kind: 'togglePlay' };
  if (e.key === 'z' || e.key === 'Z') return { kind: 'undo' };
  return null;
}
