// Who sees which job (mass actions, imports, exports): Administrators every job, other staff
// the jobs they started. A job another may not see is "not found" to them. The result pages
// (bulk-actions.ts, import-jobs.ts, export-jobs.ts) and the Jobs list (jobs.query.ts) ask here.

/** The staff member asking, as the job services know them. */
export interface JobViewer {
  actor: { id?: string | null };
  isAdmin: boolean;
}

export function mayOpenJob(viewer: JobViewer, job: { actorId: string | null }): boolean {
  return viewer.isAdmin || (job.actorId !== null && job.actorId === (viewer.actor.id ?? null));
}

/** Whose jobs a list shows this viewer: everyone's (`all`), or those started by `actorId`. */
export function listedJobs(viewer: JobViewer): { all: true } | { all: false; actorId: string | null } {
  return viewer.isAdmin ? { all: true } : { all: false, actorId: viewer.actor.id ?? null };
}
