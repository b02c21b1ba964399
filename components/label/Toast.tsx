'use client';

import { useEffect, useState } from 'react';

/** A short message in the corner ("Undone", "Too late to undo") that fades after a few seconds. */
export function Toast({ toast }: { toast: { id: number; text: string } | null }) {
  const [visible, setVisible] = useState<typeof toast>(null);
  useEffect(() => {
    if (!toast) return;
    setVisible(toast);
    const timer = setTimeout(() => setVisible((v) => (v?.id === toast.id ? null : v)), 3500);
    return () => clearTimeout(timer);
  }, [toast]);
  if (!visible) return null;
  return <div className="toast" role="status" data-testid="toast">{visible.text}</div>;
}
