import { compilePattern, DEFAULT_SCRIPTS, scriptSchema, type Script } from '../analytics/index.ts';
import { EscuchaError } from '../platform/errors.ts';
import type { ScriptRepository, ScriptView } from './script.repository.ts';
import type { EnqueueStage } from './stages.ts';

/** A script as listed: built-in or stored, without its rules. */
export interface ScriptSummary {
  id: string;
  version: number;
  name: string;
  language: string;
  campaigns: string[];
  rules: number;
  active: boolean;
  builtIn: boolean;
  createdBy: string | null;
  createdAt: string | null;
}

const summary = (v: ScriptView): ScriptSummary => ({
  id: v.script.id,
  version: v.script.version,
  name: v.script.name,
  language: v.script.language,
  campaigns: v.script.campaigns,
  rules: v.script.rules.length,
  active: v.active,
  builtIn: false,
  createdBy: v.createdBy,
  createdAt: v.createdAt,
});

const BUILT_IN: ScriptSummary[] = DEFAULT_SCRIPTS.map((s) => ({
  id: s.id,
  version: s.version,
  name: s.name,
  language: s.language,
  campaigns: s.campaigns,
  rules: s.rules.length,
  active: true,
  builtIn: true,
  createdBy: null,
  createdAt: null,
}));

const builtIn = (id: string) => DEFAULT_SCRIPTS.find((s) => s.id === id);

/** Which calls to evaluate again: by id, or those of a time range (most recent first, up to `limit`). */
export interface Reevaluation {
  callIds?: string[] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
}

/**
 * Adherence scripts: list, read (any version), create, update (a new version each time), retire, and re-evaluate
 * calls with the current scripts. The built-in collection scripts are listed and readable, not editable: a
 * deployment overrides them with its own script for the campaign.
 */
export class ScriptService {
  constructor(
    private readonly deps: {
      scripts: ScriptRepository;
      /** Enqueues a pipeline stage (re-evaluation); absent in processes without a job queue. */
      enqueue?: EnqueueStage | undefined;
    },
  ) {}

  async list(options: { includeInactive: boolean }): Promise<{ items: ScriptSummary[] }> {
    const stored = (await this.deps.scripts.list(options)).map(summary);
    return { items: [...BUILT_IN, ...stored] };
  }

  async get(id: string) {
    const fixed = builtIn(id);
    if (fixed) return { script: fixed, active: true, builtIn: true };
    return { ...(await this.deps.scripts.get(id)), builtIn: false };
  }

  async versions(id: string): Promise<{ items: ScriptSummary[] }> {
    return { items: (await this.deps.scripts.versions(id)).map(summary) };
  }

  async version(id: string, version: number): Promise<ScriptView & { builtIn: false }> {
    return { ...(await this.deps.scripts.get(id, version)), builtIn: false };
  }

  /** Stores version 1 of a new script; CONFLICT for a built-in script's id or an existing one. */
  async create(input: unknown, createdBy: string): Promise<ScriptView & { builtIn: false }> {
    const id = (input as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && builtIn(id)) {
      throw new EscuchaError('CONFLICT', `${id} is a built-in script; create one with another id`);
    }
    const script = validScript({ ...(input as object), version: 1 });
    return { ...(await this.deps.scripts.create(script, createdBy)), builtIn: false };
  }

  /** Stores the next version of a script (its id cannot change). */
  async update(id: string, input: unknown, createdBy: string): Promise<ScriptView & { builtIn: false }> {
    if (builtIn(id)) throw new EscuchaError('CONFLICT', `${id} is a built-in script`);
    const view = await this.deps.scripts.addVersion(
      id,
      (version) => validScript({ ...(input as object), id, version }),
      createdBy,
    );
    return { ...view, builtIn: false };
  }

  /** Retires a script: its versions stay for the calls evaluated with them, new calls no longer use it. */
  async retire(id: string): Promise<void> {
    if (builtIn(id)) throw new EscuchaError('CONFLICT', `${id} is a built-in script`);
    await this.deps.scripts.deactivate(id);
  }

  /** Evaluates calls again with the scripts as they are now: re-runs analytics (and routing after it). */
  async reevaluate(id: string, which: Reevaluation): Promise<{ script: string; queued: number }> {
    const script = builtIn(id) ?? (await this.deps.scripts.get(id)).script;
    const enqueue = this.deps.enqueue;
    if (!enqueue)
      throw new EscuchaError('INTERNAL', 'this process has no job queue to re-evaluate calls with');
    const ids =
      which.callIds ??
      (await this.deps.scripts.callsFor(script, {
        limit: which.limit,
        ...(which.from ? { from: which.from } : {}),
        ...(which.to ? { to: which.to } : {}),
      }));
    for (const callId of ids) await enqueue('analytics', { callId, rerun: true });
    return { script: `${script.id}@${script.version}`, queued: ids.length };
  }
}

/** A script as stored: valid against the schema, and every phrase compiles (BAD_REQUEST names the faulty one). */
function validScript(input: unknown): Script {
  const parsed = scriptSchema.safeParse(input);
  if (!parsed.success) {
    throw new EscuchaError(
      'BAD_REQUEST',
      `invalid script: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      {
        details: { issues: parsed.error.issues },
      },
    );
  }
  for (const rule of parsed.data.rules) {
    const phrases = rule.type === 'required_mention' ? rule.words : 'phrases' in rule ? rule.phrases : [];
    for (const p of phrases) compilePattern(p, parsed.data.language);
  }
  return parsed.data;
}
