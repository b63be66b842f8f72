import type { Transaction } from 'kysely';
import type { Database, NewCall, NewRecording } from '../../models/database.ts';
import type { Participant } from '../../models/call.ts';
import type { Db } from '../platform/database.ts';

/** Writes of the archive: a call with its recording and participants, always in one transaction. */
export class CallRepository {
  constructor(private readonly db: Db) {}

  async findIdByExternalId(externalId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('calls')
      .select('id')
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    return row?.id;
  }

  /**
   * Inserts call, recording and participants. `afterInsert` runs inside the same transaction (the pipeline
   * enqueues its first job there), so either everything is committed or nothing is.
   */
  async insertArchivedCall(
    call: NewCall & { id: string },
    recording: Omit<NewRecording, 'call_id'>,
    participants: Participant[],
    afterInsert?: (trx: Transaction<Database>, callId: string) => Promise<void>,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('calls').values(call).execute();
      await trx
        .insertInto('recordings')
        .values({ ...recording, call_id: call.id })
        .execute();
      if (participants.length > 0) {
        await trx
          .insertInto('participants')
          .values(
            participants.map((p) => ({
              call_id: call.id,
              role: p.role,
              channel: p.channel,
              name: p.name,
              number: p.number,
              participant_ref: p.participantRef,
            })),
          )
          .execute();
      }
      if (afterInsert) await afterInsert(trx, call.id);
    });
  }
}

/** True when a PostgreSQL error is a unique violation on the given constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string } | undefined;
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
