import { EscuchaError } from '../../platform/errors.ts';
import { principalRef, type Principal } from '../../access/principal.ts';

/**
 * Collections and clips belong to whoever made them and to that person's team: they, anyone sharing a team with
 * them, and admins may change or delete them; every other library user reads them only (403 on a change).
 * `creatorTeams` looks up the teams of a creating user.
 */
export async function mayChange(
  principal: Principal,
  createdBy: string,
  creatorTeams: (userId: string) => Promise<string[] | undefined>,
): Promise<boolean> {
  if (principal.role === 'admin' || principalRef(principal) === createdBy) return true;
  const [kind, id] = createdBy.split(':');
  if (kind !== 'user' || !id || principal.teams.length === 0) return false;
  const teams = await creatorTeams(id);
  return Boolean(teams?.some((t) => principal.teams.includes(t)));
}

export async function assertMayChange(
  principal: Principal,
  thing: { kind: 'collection' | 'clip'; id: string; createdBy: string },
  creatorTeams: (userId: string) => Promise<string[] | undefined>,
): Promise<void> {
  if (await mayChange(principal, thing.createdBy, creatorTeams)) return;
  throw new EscuchaError(
    'FORBIDDEN',
    `this ${thing.kind} belongs to someone else; only its creator, their team and admins may change it`,
    { details: { [`${thing.kind}Id`]: thing.id } },
  );
}
