// The applications part of deleting a user: an application whose only owner is the user
// would be left with nobody to manage it, so it goes with them. Runs inside the caller's
// transaction (the lifecycle's delete), so the user and their applications go together or
// not at all, and the other processes hear of it (NOTIFY) only once that commits.
import type { Db } from '../db/database.js';
import { deleteClients, SOLELY_OWNED } from './application.repository.js';

export interface OwnedApplication { clientId: string; name: string }

/** Deletes the applications `userId` alone owns (with their grants and tokens); returns which. */
export async function deleteOwnedApplications(tx: Db, userId: string): Promise<OwnedApplication[]> {
  const { rows: owned } = await tx.query<OwnedApplication>(SOLELY_OWNED, [userId]);
  await deleteClients(tx, owned.map((a) => a.clientId));
  return owned;
}
