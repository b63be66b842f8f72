import { createReadStream } from 'node:fs';
import { systemCaller } from '../access/caller.ts';
import { Auditor } from '../api/audit/auditor.ts';
import { buildMaintenance, openDatabaseOnly } from '../composition.ts';
import { AgentActivityRepository } from '../live/agent-activity.repository.ts';
import { AgentRosterService, readRosterCsv } from '../live/agent-roster.ts';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';

/**
 * `escucha agents import <file>`: the agent roster from a CSV file (agent_id, name, team, campaign), so the live
 * board lists agents with no call today. All rows or none: every bad row is printed with its line. Returns whether
 * it was imported.
 */
export async function runAgentsImport(
  config: Config,
  logger: Logger,
  options: { file: string; replace: boolean },
): Promise<boolean> {
  const roster = await readRosterCsv(createReadStream(options.file));
  if (roster.problems.length > 0) {
    for (const p of roster.problems) console.error(`${options.file}:${p.line}: ${p.problem}`);
    console.error(
      `${roster.problems.length} bad row(s): nothing was imported; correct them and import again`,
    );
    return false;
  }
  const database = await openDatabaseOnly(config, logger);
  try {
    const service = new AgentRosterService({
      repository: new AgentActivityRepository(database.db),
      auditor: new Auditor(buildMaintenance(config, database, logger).audit),
    });
    const done = await service.import(systemCaller('cli', 'escucha agents import'), roster.agents, {
      replace: options.replace,
    });
    console.log(
      `${done.imported} agents imported${options.replace ? `, ${done.removed} not in the file removed` : ''}`,
    );
    return true;
  } finally {
    await database.close();
  }
}
