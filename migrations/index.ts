// Every migration, in order. Listed explicitly (no glob) so the same list loads under
// tsx, jest and a compiled build alike.
import { InitialSchema1732250000000 } from './1732250000000-initial-schema.js';

export const migrations = [InitialSchema1732250000000];
