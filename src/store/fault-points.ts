/**
 * Named points in the commit and maintenance paths where a crash test can stop the process. In normal
 * operation `hit` does nothing; a test process installs a handler (for instance one that kills the
 * process with SIGKILL at the chosen point) to prove that a crash there loses nothing committed and
 * leaves nothing half-visible.
 */
export type FaultPoint =
  | 'write:after-data-files'
  | 'commit:after-manifests'
  | 'commit:after-manifest-list'
  | 'commit:after-snapshot'
  | 'commit:after-hint'
  | 'expire:after-snapshot-delete'
  | 'compact:after-rewrite';

let handler: ((p: FaultPoint) => void) | null = null;

export function setFaultHandler(h: ((p: FaultPoint) => void) | null): void {
  handler = h;
}

export function hit(p: FaultPoint): void {
  if (handler !== null) handler(p);
}
