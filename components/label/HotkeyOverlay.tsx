'use client';

import { HOTKEYS } from './labelKeys';

/** The `?` overlay: every key of the labeling page. Escape, `?` or the button closes it. */
export function HotkeyOverlay({ onClose }: { onClose: () => void }) {
  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" data-testid="hotkeys" onClick={onClose}>
      <div className="overlay-card" onClick={(e) => e.stopPropagation()}>
        <h2>Keyboard shortcuts</h2>
        <table>
          <tbody>
            {HOTKEYS.map((h) => (
              <tr key={h.keys}><td><kbd>{h.keys}</kbd></td><td>{h.what}</td></tr>
            ))}
          </tbody>
        </table>
        <button type="button" onClick={onClose}>Close <kbd>Esc</kbd></button>
      </div>
    </div>
  );
}
