import { describe, expect, it } from 'vitest';
import { areaOf, mayOpen, navLinksFor, safeCallbackPath } from './access';

describe('role-aware navigation and access', () => {
  it('shows Label to annotators, Label and Runs to researchers, and Admin too to admins', () => {
    expect(navLinksFor('annotator').map((l) => l.title)).toEqual(['Label']);
    expect(navLinksFor('researcher').map((l) => l.title)).toEqual(['Label', 'Runs']);
    expect(navLinksFor('admin').map((l) => l.title)).toEqual(['Label', 'Runs', 'Admin']);
  });

  it('refuses an annotator on /admin and its sub-paths, but not on look-alike paths', () => {
    expect(mayOpen('annotator', '/admin')).toBe(false);
    expect(mayOpen('annotator', '/admin/users')).toBe(false);
    expect(mayOpen('researcher', '/admin')).toBe(false);
    expect(mayOpen('admin', '/admin')).toBe(true);
    expect(areaOf('/administrator')).toBeNull();
    expect(mayOpen(undefined, '/label')).toBe(false);
    expect(mayOpen(undefined, '/signin')).toBe(true);
  });

  it('keeps sign-in callbacks on this site', () => {
    expect(safeCallbackPath('/admin')).toBe('/admin');
    expect(safeCallbackPath('//evil.example/x')).toBe('/label');
    expect(safeCallbackPath('https://evil.example')).toBe('/label');
    expect(safeCallbackPath('/\\evil.example')).toBe('/label');
    expect(safeCallbackPath(null)).toBe('/label');
  });
});
