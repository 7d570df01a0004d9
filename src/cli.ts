import { ConfigError, loadConfig } from './config';
import { createDb } from './db/knex';
import { migrateLatest, migrateRollbackAll } from './db/migrate';
import { runAnalysisCommand } from './modules/analysis/analysis.cli';
import { runModelCommand } from './modules/indicators/models.cli';
import { runMailCommand } from './modules/mail/mail.cli';
import { backupDatabase, restoreDatabase } from './modules/backup/backup.service';

/**
 * Command line: `npm run --silent cli -- <command> ...`. Each command is registered in
 * `commands`; features add theirs (models, backup) beside these.
 */
export type Command = (args: string[]) => Promise<number>;

export const commands: Record<string, Command> = {
  async backup([file]) {
    if (!file) {
      process.stderr.write('Usage: backup FILE\n');
      return 2;
    }
    await backupDatabase(loadConfig().database, file);
    process.stdout.write(`Backup written to ${file}\n`);
    return 0;
  },
  async restore([file]) {
    if (!file) {
      process.stderr.write('Usage: restore FILE\n');
      return 2;
    }
    await restoreDatabase(loadConfig().database, file);
    process.stdout.write(`Restored from ${file}\n`);
    return 0;
  },
  async migrate() {
    const db = createDb(loadConfig().database);
    try {
      const applied = await migrateLatest(db);
      process.stdout.write(applied.length ? `Applied ${applied.length} migrations\n` : 'Database is up to date\n');
      return 0;
    } finally {
      await db.destroy();
    }
  },
  async 'migrate:rollback'() {
    const db = createDb(loadConfig().database);
    try {
      await migrateRollbackAll(db);
      process.stdout.write('Rolled back all migrations\n');
      return 0;
    } finally {
      await db.destroy();
    }
  },
  // Indicator model specs: no database needed (see src/modules/indicators/models.cli.ts).
  'models fit': (args) => runModelCommand('fit', args),
  'models composite': (args) => runModelCommand('composite', args),
  'models derive': (args) => runModelCommand('derive', args),
  'models scenario': (args) => runModelCommand('scenario', args),
  // Analysis cells after bulk loads or hand edits (see src/modules/analysis/analysis.cli.ts).
  'analysis sync': (args) => runAnalysisCommand('sync', args),
  'analysis rebuild': (args) => runAnalysisCommand('rebuild', args),
  // The outbox, for cron (see src/modules/mail/mail.cli.ts).
  'mail send': (args) => runMailCommand('send', args),
  'mail status': (args) => runMailCommand('status', args),
};

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  // Commands with subcommands are registered as "models fit"; the longest match wins.
  const key = name && args[0] && commands[`${name} ${args[0]}`] ? `${name} ${args[0]}` : name;
  const command = key ? commands[key] : undefined;
  if (!command) {
    process.stderr.write(`Usage: kedergi <${Object.keys(commands).join('|')}> [args]\n`);
    return 2;
  }
  try {
    return await command(key === name ? args : args.slice(1));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(e.message + '\n');
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
