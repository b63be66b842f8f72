import { createReadStream } from 'node:fs';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import {
  clipInputSchema as clipSchema,
  collectionInputSchema as collectionSchema,
  collectionItemInputSchema as itemSchema,
  collectionPatchSchema,
} from '../contract/training.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { callerOf } from '../caller.ts';
import { parseOrThrow } from '../../platform/validation.ts';
import type { ClipDownload, TrainingService } from './training.service.ts';

/** `?callId=` of the clip list: a call id, or absent. */
function clipsCallId(req: Request): string | undefined {
  const callId = typeof req.query.callId === 'string' ? req.query.callId : undefined;
  if (callId !== undefined && !z.string().uuid().safeParse(callId).success) {
    throw new EscuchaError('INVALID_QUERY', 'callId must be a call id');
  }
  return callId;
}

/** Sends a cut clip as a download and resolves once the answer is over. */
function sendClip(res: Response, download: ClipDownload): Promise<void> {
  res.set({
    'Content-Type': download.contentType,
    'Content-Length': String(download.size),
    'Content-Disposition': `attachment; filename="${download.fileName}"`,
    'Cache-Control': 'private, no-store',
  });
  return new Promise<void>((resolve, reject) => {
    const body = createReadStream(download.file);
    body.once('error', reject);
    res.once('close', () => resolve());
    body.pipe(res);
  });
}

const format = (req: Request) => (typeof req.query.format === 'string' ? req.query.format : undefined);

/** Collections and clips for trainers and QA supervisors (TrainingService decides). */
export function trainingRouter(training: TrainingService): Router {
  const router = Router();
  router.get('/collections', async (req, res) => {
    res.json({ items: await training.collections(callerOf(req)) });
  });
  router.post('/collections', async (req, res) => {
    const body = parseOrThrow(collectionSchema, req.body, 'BAD_REQUEST', 'invalid collection');
    res.status(201).json(await training.createCollection(callerOf(req), body));
  });
  router.get('/collections/:id', async (req, res) => {
    res.json(await training.collection(callerOf(req), req.params.id));
  });
  router.patch('/collections/:id', async (req, res) => {
    const body = parseOrThrow(collectionPatchSchema, req.body, 'BAD_REQUEST', 'invalid collection change');
    res.json(await training.updateCollection(callerOf(req), req.params.id, body));
  });
  router.delete('/collections/:id', async (req, res) => {
    await training.deleteCollection(callerOf(req), req.params.id);
    res.status(204).end();
  });
  router.post('/collections/:id/items', async (req, res) => {
    const body = parseOrThrow(itemSchema, req.body, 'BAD_REQUEST', 'invalid collection item');
    res.status(201).json(await training.addItem(callerOf(req), req.params.id, body));
  });
  router.delete('/collections/:id/items/:itemId', async (req, res) => {
    await training.removeItem(callerOf(req), req.params.id, req.params.itemId);
    res.status(204).end();
  });
  router.get('/clips', async (req, res) => {
    res.json({ items: await training.clips(callerOf(req), clipsCallId(req)) });
  });
  router.post('/clips', async (req, res) => {
    const body = parseOrThrow(clipSchema, req.body, 'BAD_REQUEST', 'invalid clip');
    res.status(201).json(await training.createClip(callerOf(req), body));
  });
  router.get('/clips/:id', async (req, res) => {
    res.json(await training.clip(callerOf(req), req.params.id));
  });
  router.delete('/clips/:id', async (req, res) => {
    await training.deleteClip(callerOf(req), req.params.id);
    res.status(204).end();
  });
  router.get('/clips/:id/audio', async (req, res) => {
    await training.exportClip(callerOf(req), req.params.id, format(req), (d) => sendClip(res, d));
  });
  return router;
}
