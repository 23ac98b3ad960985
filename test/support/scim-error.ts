// The ScimError a call throws, for asserting its status and scimType; fails if it throws none.
import { ScimError } from '../../src/provisioning/scim/scim-error.js';

export function scimErrorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (err) {
    if (err instanceof ScimError) return err;
    throw err;
  }
  throw new Error('expected a ScimError');
}
