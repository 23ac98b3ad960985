// What ending sessions hands on: the apps each ended session was used with, so that they
// can be told (back-channel logout, src/oidc/backchannel.ts).

/** One ended session: the apps used in it, each with the session id (sid) that app was told. */
export interface EndedSession { clients: { clientId: string; sid: string }[] }

/** Told after a transaction that ended sessions has committed (back-channel logout). */
export type SessionsEndedListener = (accountId: string, sessions: EndedSession[]) => Promise<void>;
