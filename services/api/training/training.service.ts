import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { IntegrityService } from '../../archive/integrity.service.ts';
import type { ObjectStore } from '../../archive/object-store.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { processTag } from '../../platform/leftovers.ts';
import type { Auditor } from '../audit/auditor.ts';
import type { CallAccessLookup } from '../../access/call-scope.ts';
import { principalRef } from '../../access/principal.ts';
import type { Caller } from '../../access/caller.ts';
import { CLIP_FORMATS, cutClip, type ClipFormat } from './clip.ffmpeg.ts';
import { assertMayChange, mayChange } from './ownership.ts';
import type { Clip, Collection, CollectionItem, TrainingRepository } from './training.repository.ts';

export interface TrainingServiceDeps {
  training: TrainingRepository;
  callAccess: CallAccessLookup;
  store: ObjectStore;
  auditor: Auditor;
  integrity: IntegrityService;
  tmpDir: string;
}

/** Something of the library as one caller sees it: with whether that caller may change it (ownership.ts). */
export type Owned<T> = T & { mayChange: boolean };

export interface CollectionInput {
  name: string;
  description?: string | null | undefined;
}

export interface ClipInput {
  callId: string;
  startMs: number;
  endMs: number;
  title: string;
  note?: string | null | undefined;
  collectionId?: string | undefined;
}

/** A clip cut to a file, ready to be sent; the file is removed once `send` returns. */
export interface ClipDownload {
  file: string;
  size: number;
  contentType: string;
  fileName: string;
}

/**
 * The training library: collections of calls and clips for trainers and QA supervisors. Items on calls outside the
 * caller's scope are left out of lists, as search leaves them out; collections and clips are changed only by their
 * creator's team (ownership.ts); every change and every clip export is audited.
 */
export class TrainingService {
  constructor(private readonly deps: TrainingServiceDeps) {}

  private get t(): TrainingRepository {
    return this.deps.training;
  }

  private creatorTeams = (userId: string) => this.deps.training.creatorTeams(userId);

  private async requireCall(caller: Caller, callId: string): Promise<void> {
    const access = await this.deps.callAccess(caller.principal, callId);
    if (!access.exists || !access.inScope) throw new EscuchaError('CALL_NOT_FOUND', `no call ${callId}`);
  }

  /** Each thing with whether the caller may change it; each creator's teams are looked up once. */
  private async owned<T extends { createdBy: string }>(caller: Caller, things: T[]): Promise<Owned<T>[]> {
    const teams = new Map<string, Promise<string[] | undefined>>();
    const creatorTeams = (userId: string) => {
      let found = teams.get(userId);
      if (!found) teams.set(userId, (found = this.creatorTeams(userId)));
      return found;
    };
    return Promise.all(
      things.map(async (thing) => ({
        ...thing,
        mayChange: await mayChange(caller.principal, thing.createdBy, creatorTeams),
      })),
    );
  }

  private async ownedOne<T extends { createdBy: string }>(caller: Caller, thing: T): Promise<Owned<T>> {
    return (await this.owned(caller, [thing]))[0]!;
  }

  private async changeableCollection(caller: Caller, id: string): Promise<Collection> {
    const collection = await this.t.collection(id);
    await assertMayChange(caller.principal, { kind: 'collection', ...collection }, this.creatorTeams);
    return collection;
  }

  async collections(caller: Caller): Promise<Owned<Collection>[]> {
    return this.owned(caller, await this.t.collections());
  }

  async createCollection(caller: Caller, input: CollectionInput): Promise<Owned<Collection>> {
    const c = await this.t.createCollection(
      input.name,
      input.description ?? null,
      principalRef(caller.principal),
    );
    await this.deps.auditor.recordFor(caller, {
      action: 'collection_create',
      targetType: 'collection',
      targetId: c.id,
      details: { name: c.name },
    });
    return this.ownedOne(caller, c);
  }

  async collection(
    caller: Caller,
    id: string,
  ): Promise<Owned<Omit<Collection, 'items'>> & { items: CollectionItem[] }> {
    const c = await this.t.collection(id);
    const items = [];
    for (const item of await this.t.items(c.id)) {
      if ((await this.deps.callAccess(caller.principal, item.callId)).inScope) items.push(item);
    }
    return { ...(await this.ownedOne(caller, c)), items };
  }

  async updateCollection(
    caller: Caller,
    id: string,
    change: Partial<CollectionInput>,
  ): Promise<Owned<Collection>> {
    await this.changeableCollection(caller, id);
    const c = await this.t.updateCollection(id, change);
    await this.deps.auditor.recordFor(caller, {
      action: 'collection_update',
      targetType: 'collection',
      targetId: c.id,
      details: change,
    });
    return this.ownedOne(caller, c);
  }

  async deleteCollection(caller: Caller, id: string): Promise<void> {
    await this.changeableCollection(caller, id);
    const c = await this.t.deleteCollection(id);
    await this.deps.auditor.recordFor(caller, {
      action: 'collection_delete',
      targetType: 'collection',
      targetId: c.id,
      details: { name: c.name },
    });
  }

  async addItem(
    caller: Caller,
    collectionId: string,
    input: { callId?: string | undefined; clipId?: string | undefined; note?: string | null | undefined },
  ): Promise<{ id: string }> {
    await this.changeableCollection(caller, collectionId);
    let callId = input.callId;
    if (input.clipId) {
      const clip = await this.t.clip(input.clipId);
      if (callId && callId !== clip.callId)
        throw new EscuchaError('BAD_REQUEST', 'the clip belongs to another call');
      callId = clip.callId;
    }
    if (!callId) throw new EscuchaError('BAD_REQUEST', 'give callId or clipId');
    await this.requireCall(caller, callId);
    const id = await this.t.addItem(
      collectionId,
      { callId, clipId: input.clipId ?? null, note: input.note ?? null },
      principalRef(caller.principal),
    );
    await this.deps.auditor.recordFor(caller, {
      action: 'collection_add',
      callId,
      targetType: 'collection',
      targetId: collectionId,
      details: { itemId: id, clipId: input.clipId ?? null },
    });
    return { id };
  }

  async removeItem(caller: Caller, collectionId: string, itemId: string): Promise<void> {
    await this.changeableCollection(caller, collectionId);
    const removed = await this.t.removeItem(collectionId, itemId);
    await this.deps.auditor.recordFor(caller, {
      action: 'collection_remove',
      callId: removed.callId,
      targetType: 'collection',
      targetId: collectionId,
      details: { itemId },
    });
  }

  /** The newest clips (of one call, when given) on calls inside the caller's scope. */
  async clips(caller: Caller, callId: string | undefined): Promise<Owned<Clip>[]> {
    const clips = await this.t.clips({ ...(callId ? { callId } : {}), limit: 500 });
    const visible = [];
    for (const clip of clips) {
      if ((await this.deps.callAccess(caller.principal, clip.callId)).inScope) visible.push(clip);
    }
    return this.owned(caller, visible);
  }

  /** A clip of a call, cut short at the call's end; added to a collection when one is given. */
  async createClip(caller: Caller, input: ClipInput): Promise<Owned<Clip>> {
    await this.requireCall(caller, input.callId);
    const durationMs = await this.t.callDurationMs(input.callId);
    if (input.startMs >= durationMs) {
      throw new EscuchaError('BAD_REQUEST', `the call lasts ${durationMs} ms: the clip starts after its end`);
    }
    if (input.collectionId) await this.changeableCollection(caller, input.collectionId);
    const clip = await this.t.createClip({
      callId: input.callId,
      startMs: input.startMs,
      endMs: Math.min(input.endMs, durationMs),
      title: input.title,
      note: input.note ?? null,
      createdBy: principalRef(caller.principal),
    });
    if (input.collectionId) {
      await this.t.addItem(
        input.collectionId,
        { callId: clip.callId, clipId: clip.id, note: null },
        principalRef(caller.principal),
      );
    }
    await this.deps.auditor.recordFor(caller, {
      action: 'clip_create',
      callId: clip.callId,
      targetType: 'clip',
      targetId: clip.id,
      details: {
        startMs: clip.startMs,
        endMs: clip.endMs,
        title: clip.title,
        collectionId: input.collectionId ?? null,
      },
    });
    return this.ownedOne(caller, clip);
  }

  async clip(caller: Caller, id: string): Promise<Owned<Clip>> {
    return this.ownedOne(caller, await this.visibleClip(caller, id));
  }

  private async visibleClip(caller: Caller, id: string): Promise<Clip> {
    const clip = await this.t.clip(id);
    await this.requireCall(caller, clip.callId);
    return clip;
  }

  async deleteClip(caller: Caller, id: string): Promise<void> {
    const clip = await this.visibleClip(caller, id);
    await assertMayChange(
      caller.principal,
      { kind: 'clip', id: clip.id, createdBy: clip.createdBy },
      this.creatorTeams,
    );
    await this.t.deleteClip(clip.id);
    await this.deps.auditor.recordFor(caller, {
      action: 'clip_delete',
      callId: clip.callId,
      targetType: 'clip',
      targetId: clip.id,
    });
  }

  /**
   * Cuts a clip from the stored recording (the redacted one when there is one: a training clip never needs the card
   * number) into a temporary file, audits the export and hands the file to `send`; the file is removed afterwards.
   */
  async exportClip(
    caller: Caller,
    id: string,
    format: string | undefined,
    send: (download: ClipDownload) => Promise<void>,
  ): Promise<void> {
    const chosen = (format ?? 'wav') as ClipFormat;
    if (!Object.hasOwn(CLIP_FORMATS, chosen)) {
      throw new EscuchaError('INVALID_QUERY', `format is one of ${Object.keys(CLIP_FORMATS).join(', ')}`);
    }
    const clip = await this.visibleClip(caller, id);
    const recordings = await this.t.recordings(clip.callId);
    const recording =
      recordings.find((r) => r.kind === 'redacted') ?? recordings.find((r) => r.kind === 'original');
    if (!recording) throw new EscuchaError('NOT_FOUND', `call ${clip.callId} has no recording`);
    await this.deps.integrity.ensurePlayable(recording);
    await mkdir(this.deps.tmpDir, { recursive: true });
    const dir = await mkdtemp(path.join(this.deps.tmpDir, `clip-${processTag()}-`));
    try {
      const spec = CLIP_FORMATS[chosen];
      const file = path.join(dir, `clip.${spec.ext}`);
      await cutClip(await this.deps.store.get(recording.object_key), file, clip, chosen);
      const size = (await stat(file)).size;
      await this.deps.auditor.recordFor(caller, {
        action: 'export',
        callId: clip.callId,
        targetType: 'clip',
        targetId: clip.id,
        details: {
          format: chosen,
          recording: recording.kind,
          startMs: clip.startMs,
          endMs: clip.endMs,
          bytes: size,
        },
      });
      const safeTitle = clip.title.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'clip';
      await send({ file, size, contentType: spec.contentType, fileName: `${safeTitle}.${spec.ext}` });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
