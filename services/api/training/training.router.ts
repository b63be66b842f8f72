import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  clipInputSchema as clipSchema,
  collectionInputSchema as collectionSchema,
  collectionItemInputSchema as itemSchema,
  collectionPatchSchema,
  MAX_CLIP_MS,
} from '../contract/training.ts';
import type { ObjectStore } from '../../archive/object-store.ts';
import type { Db } from '../../platform/database.ts';
import { EscuchaError } from '../../platform/errors.ts';
import type { Auditor } from '../audit/auditor.ts';
import { callAccess } from '../auth/call-scope.ts';
import { principalRef } from '../auth/principal.ts';
import { parseOrThrow } from '../validation.ts';
import { CLIP_FORMATS, cutClip, type ClipFormat } from './clip.ffmpeg.ts';
import type { TrainingRepository } from './training.repository.ts';
import { processTag } from '../../platform/leftovers.ts';
import type { IntegrityService } from '../../archive/integrity.service.ts';
import { assertMayChange } from './ownership.ts';

export interface TrainingRouterDeps {
  db: Db;
  training: TrainingRepository;
  store: ObjectStore;
  auditor: Auditor;
  integrity: IntegrityService;
  tmpDir: string;
}

export { MAX_CLIP_MS };

async function requireCall(db: Db, req: Request, callId: string): Promise<void> {
  const access = await callAccess(db, req.principal, callId);
  if (!access.exists || !access.inScope) throw new EscuchaError('CALL_NOT_FOUND', `no call ${callId}`);
}

/** Collections and clips for trainers and QA supervisors; clip export cuts the stored recording with ffmpeg. */
export function trainingRouter(deps: TrainingRouterDeps): Router {
  const router = Router();
  const t = deps.training;

  router.get('/collections', async (_req, res) => {
    res.json({ items: await t.collections() });
  });

  router.post('/collections', async (req, res) => {
    const body = parseOrThrow(collectionSchema, req.body, 'BAD_REQUEST', 'invalid collection');
    const c = await t.createCollection(body.name, body.description ?? null, principalRef(req.principal!));
    await deps.auditor.record(req, {
      action: 'collection_create',
      targetType: 'collection',
      targetId: c.id,
      details: { name: c.name },
    });
    res.status(201).json(c);
  });

  router.get('/collections/:id', async (req, res) => {
    const c = await t.collection(req.params.id);
    const items = [];
    // Items on calls outside the reader's scope are left out, as search leaves them out.
    for (const item of await t.items(c.id)) {
      const access = await callAccess(deps.db, req.principal, item.callId);
      if (access.inScope) items.push(item);
    }
    res.json({ ...c, items });
  });

  router.patch('/collections/:id', async (req, res) => {
    const body = parseOrThrow(collectionPatchSchema, req.body, 'BAD_REQUEST', 'invalid collection change');
    const existing = await t.collection(req.params.id);
    await assertMayChange(deps.db, req.principal!, { kind: 'collection', ...existing });
    const c = await t.updateCollection(req.params.id, body);
    await deps.auditor.record(req, {
      action: 'collection_update',
      targetType: 'collection',
      targetId: c.id,
      details: body,
    });
    res.json(c);
  });

  router.delete('/collections/:id', async (req, res) => {
    const existing = await t.collection(req.params.id);
    await assertMayChange(deps.db, req.principal!, { kind: 'collection', ...existing });
    const c = await t.deleteCollection(req.params.id);
    await deps.auditor.record(req, {
      action: 'collection_delete',
      targetType: 'collection',
      targetId: c.id,
      details: { name: c.name },
    });
    res.status(204).end();
  });

  router.post('/collections/:id/items', async (req, res) => {
    const body = parseOrThrow(itemSchema, req.body, 'BAD_REQUEST', 'invalid collection item');
    const collection = await t.collection(req.params.id);
    await assertMayChange(deps.db, req.principal!, { kind: 'collection', ...collection });
    let callId = body.callId;
    if (body.clipId) {
      const clip = await t.clip(body.clipId);
      if (callId && callId !== clip.callId)
        throw new EscuchaError('BAD_REQUEST', 'the clip belongs to another call');
      callId = clip.callId;
    }
    if (!callId) throw new EscuchaError('BAD_REQUEST', 'give callId or clipId');
    await requireCall(deps.db, req, callId);
    const id = await t.addItem(
      req.params.id,
      { callId, clipId: body.clipId ?? null, note: body.note ?? null },
      principalRef(req.principal!),
    );
    await deps.auditor.record(req, {
      action: 'collection_add',
      callId,
      targetType: 'collection',
      targetId: req.params.id,
      details: { itemId: id, clipId: body.clipId ?? null },
    });
    res.status(201).json({ id });
  });

  router.delete('/collections/:id/items/:itemId', async (req, res) => {
    const collection = await t.collection(req.params.id);
    await assertMayChange(deps.db, req.principal!, { kind: 'collection', ...collection });
    const removed = await t.removeItem(req.params.id, req.params.itemId);
    await deps.auditor.record(req, {
      action: 'collection_remove',
      callId: removed.callId,
      targetType: 'collection',
      targetId: req.params.id,
      details: { itemId: req.params.itemId },
    });
    res.status(204).end();
  });

  router.get('/clips', async (req, res) => {
    const callId = typeof req.query.callId === 'string' ? req.query.callId : undefined;
    if (callId !== undefined && !z.string().uuid().safeParse(callId).success) {
      throw new EscuchaError('INVALID_QUERY', 'callId must be a call id');
    }
    const clips = await t.clips({ ...(callId ? { callId } : {}), limit: 500 });
    const visible = [];
    for (const clip of clips) {
      if ((await callAccess(deps.db, req.principal, clip.callId)).inScope) visible.push(clip);
    }
    res.json({ items: visible });
  });

  router.post('/clips', async (req, res) => {
    const body = parseOrThrow(clipSchema, req.body, 'BAD_REQUEST', 'invalid clip');
    await requireCall(deps.db, req, body.callId);
    const call = await deps.db
      .selectFrom('calls')
      .select('duration_ms')
      .where('id', '=', body.callId)
      .executeTakeFirstOrThrow();
    if (body.startMs >= call.duration_ms) {
      throw new EscuchaError(
        'BAD_REQUEST',
        `the call lasts ${call.duration_ms} ms: the clip starts after its end`,
      );
    }
    if (body.collectionId) {
      const collection = await t.collection(body.collectionId);
      await assertMayChange(deps.db, req.principal!, { kind: 'collection', ...collection });
    }
    const clip = await t.createClip({
      callId: body.callId,
      startMs: body.startMs,
      endMs: Math.min(body.endMs, call.duration_ms),
      title: body.title,
      note: body.note ?? null,
      createdBy: principalRef(req.principal!),
    });
    if (body.collectionId) {
      await t.addItem(
        body.collectionId,
        { callId: clip.callId, clipId: clip.id, note: null },
        principalRef(req.principal!),
      );
    }
    await deps.auditor.record(req, {
      action: 'clip_create',
      callId: clip.callId,
      targetType: 'clip',
      targetId: clip.id,
      details: {
        startMs: clip.startMs,
        endMs: clip.endMs,
        title: clip.title,
        collectionId: body.collectionId ?? null,
      },
    });
    res.status(201).json(clip);
  });

  router.get('/clips/:id', async (req, res) => {
    const clip = await t.clip(req.params.id);
    await requireCall(deps.db, req, clip.callId);
    res.json(clip);
  });

  router.delete('/clips/:id', async (req, res) => {
    const clip = await t.clip(req.params.id);
    await requireCall(deps.db, req, clip.callId);
    await assertMayChange(deps.db, req.principal!, { kind: 'clip', id: clip.id, createdBy: clip.createdBy });
    await t.deleteClip(clip.id);
    await deps.auditor.record(req, {
      action: 'clip_delete',
      callId: clip.callId,
      targetType: 'clip',
      targetId: clip.id,
    });
    res.status(204).end();
  });

  router.get('/clips/:id/audio', async (req, res) => {
    const format = (typeof req.query.format === 'string' ? req.query.format : 'wav') as ClipFormat;
    if (!Object.hasOwn(CLIP_FORMATS, format)) {
      throw new EscuchaError('INVALID_QUERY', `format is one of ${Object.keys(CLIP_FORMATS).join(', ')}`);
    }
    const clip = await t.clip(req.params.id);
    await requireCall(deps.db, req, clip.callId);
    // The redacted recording when there is one: a training clip never needs the card number.
    const recordings = await deps.db
      .selectFrom('recordings')
      .selectAll()
      .where('call_id', '=', clip.callId)
      .execute();
    const recording =
      recordings.find((r) => r.kind === 'redacted') ?? recordings.find((r) => r.kind === 'original');
    if (!recording) throw new EscuchaError('NOT_FOUND', `call ${clip.callId} has no recording`);
    await deps.integrity.ensurePlayable(recording);
    await mkdir(deps.tmpDir, { recursive: true });
    const dir = await mkdtemp(path.join(deps.tmpDir, `clip-${processTag()}-`));
    try {
      const spec = CLIP_FORMATS[format];
      const file = path.join(dir, `clip.${spec.ext}`);
      await cutClip(await deps.store.get(recording.object_key), file, clip, format);
      const size = (await stat(file)).size;
      await deps.auditor.record(req, {
        action: 'export',
        callId: clip.callId,
        targetType: 'clip',
        targetId: clip.id,
        details: { format, recording: recording.kind, startMs: clip.startMs, endMs: clip.endMs, bytes: size },
      });
      const safeTitle = clip.title.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'clip';
      res.set({
        'Content-Type': spec.contentType,
        'Content-Length': String(size),
        'Content-Disposition': `attachment; filename="${safeTitle}.${spec.ext}"`,
        'Cache-Control': 'private, no-store',
      });
      await new Promise<void>((resolve, reject) => {
        const body = createReadStream(file);
        body.once('error', reject);
        res.once('close', () => resolve());
        body.pipe(res);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  return router;
}
