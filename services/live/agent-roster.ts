import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Caller, CallerAudit } from '../access/caller.ts';
import type { RosterAgent } from './agent-activity.ts';
import type { AgentActivityRepository } from './agent-activity.repository.ts';

/**
 * The agent roster from the contact center's own list: a CSV file with a header line naming `agent_id` (or
 * `agentId`, `id`) and optionally `name`, `team` and `campaign`. Read as it streams in; every bad row is reported
 * with its line, and a file with any is not imported.
 */

const COLUMNS: Record<string, keyof RosterAgent> = {
  agent_id: 'agentId',
  agentid: 'agentId',
  id: 'agentId',
  name: 'name',
  agent_name: 'name',
  agentname: 'name',
  team: 'team',
  campaign: 'campaign',
};

export interface RosterFile {
  agents: RosterAgent[];
  problems: { line: number; problem: string }[];
}

const MAX = { agentId: 100, name: 200, team: 100, campaign: 100 } as const;

export async function readRosterCsv(input: Readable): Promise<RosterFile> {
  const agents: RosterAgent[] = [];
  const problems: RosterFile['problems'] = [];
  const seen = new Map<string, number>();
  const parser = input.pipe(
    parse({
      columns: (header: string[]) => header.map((h) => COLUMNS[h.trim().toLowerCase()] ?? false),
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      relax_column_count: true,
    }),
  );
  let headerChecked = false;
  for await (const item of parser as AsyncIterable<{
    record: Partial<Record<keyof RosterAgent, string>>;
    info: { lines: number };
  }>) {
    const line = item.info.lines;
    const r = item.record;
    if (!headerChecked) {
      headerChecked = true;
      if (!('agentId' in r)) {
        problems.push({ line: 1, problem: 'the header names no agent_id column' });
        break;
      }
    }
    const agent: RosterAgent = {
      agentId: r.agentId ?? '',
      name: r.name || null,
      team: r.team || null,
      campaign: r.campaign || null,
    };
    if (agent.agentId === '') {
      problems.push({ line, problem: 'no agent_id' });
      continue;
    }
    const tooLong = (Object.keys(MAX) as (keyof typeof MAX)[]).find((k) => (agent[k]?.length ?? 0) > MAX[k]);
    if (tooLong) {
      problems.push({ line, problem: `${tooLong} is longer than ${MAX[tooLong]} characters` });
      continue;
    }
    const before = seen.get(agent.agentId);
    if (before !== undefined) {
      problems.push({ line, problem: `agent ${agent.agentId} is on line ${before} too` });
      continue;
    }
    seen.set(agent.agentId, line);
    agents.push(agent);
  }
  return { agents, problems };
}

/** Imports the roster (all of it or nothing) and records the import in the audit trail. */
export class AgentRosterService {
  constructor(private readonly deps: { repository: AgentActivityRepository; auditor: CallerAudit }) {}

  async import(
    caller: Caller,
    agents: RosterAgent[],
    options: { replace: boolean },
  ): Promise<{ imported: number; removed: number }> {
    const { removed } = await this.deps.repository.importRoster(agents, options);
    await this.deps.auditor.recordFor(caller, {
      action: 'agents_import',
      targetType: 'agent_roster',
      details: { agents: agents.length, removed, replace: options.replace },
    });
    return { imported: agents.length, removed };
  }
}
