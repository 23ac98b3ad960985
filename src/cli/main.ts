// `npm run cli -- <command>`: JSON on stdout, messages on stderr, non-zero exit on failure.
// Works on the same database as the server, running or not.
import { createServices } from '../services.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { connectDatabase } from '../db/connect.js';
import { DomainError, ValidationError } from '../platform/errors.js';
import { CliUsageError, resolveCommand, runCommand, USAGE } from './commands.js';
import { readNewPassword } from './password-input.js';

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv.includes('--help')) {
    console.error(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  try {
    resolveCommand(argv); // fail on a bad command before touching the database
    const config = loadConfig();
    const db = await connectDatabase(config, (msg) => console.error(msg), 2);
    try {
      const services = createServices(config, db.database);
      const result = await runCommand({ ...services, database: db.database, config, log: (msg) => console.error(msg),
        readPassword: () => readNewPassword() }, argv);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    } finally {
      await db.close();
    }
  } catch (err) {
    if (err instanceof CliUsageError) {
      console.error(`error: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof ValidationError) {
      console.error(`error: ${Object.entries(err.fields).map(([f, m]) => `${f}: ${m}`).join('\n       ')}`);
      return 1;
    }
    if (err instanceof DomainError || err instanceof ConfigError) {
      console.error(`error: ${err.message}`);
      return 1;
    }
    console.error('error:', err instanceof Error ? err.message : err);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
