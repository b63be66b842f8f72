import { Router, type Request } from 'express';
import { callSearchSchema } from '../contract/calls.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { callerOf } from '../caller.ts';
import { parseOrThrow } from '../../platform/validation.ts';
import type { CallsService } from './calls.service.ts';
import { parseRange } from './range.ts';
import { receiveUpload } from './upload.ts';

export interface CallsRouterDeps {
  calls: CallsService;
  tmpDir: string;
  uploadMaxBytes: number;
}

/** `custom.<field>=value` query params become one `custom` object for the search schema. */
export function searchParams(req: Request): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(req.query)) {
    if (key.startsWith('custom.'))
      custom[key.slice('custom.'.length)] = Array.isArray(value) ? value[0] : value;
    else out[key] = value;
  }
  if (Object.keys(custom).length > 0) out.custom = custom;
  return out;
}

export function callsRouter(deps: CallsRouterDeps): Router {
  const router = Router();

  router.post('/recordings', async (req, res) => {
    const upload = await receiveUpload(req, { tmpDir: deps.tmpDir, maxBytes: deps.uploadMaxBytes });
    try {
      const result = await deps.calls.ingest(upload);
      res.status(result.created ? 201 : 200).json(result);
    } finally {
      await upload.cleanup();
    }
  });

  router.get('/calls', async (req, res) => {
    // The search's audit row, started before this router (app.ts): awaited with the search, never after it.
    const audited = res.locals.audited as Promise<unknown> | undefined;
    let query;
    try {
      query = parseOrThrow(callSearchSchema, searchParams(req), 'INVALID_QUERY', 'invalid search');
    } catch (error) {
      await audited;
      throw error;
    }
    const [page] = await Promise.all([deps.calls.search(callerOf(req), query), audited]);
    res.json(page);
  });

  router.get('/calls/:id', async (req, res) => {
    res.json(await deps.calls.get(req.params.id));
  });

  router.get('/calls/:id/audio', async (req, res) => {
    // A role that may not hear sensitive data gets the muted copy (res.locals.forceRedacted, set by the call guard).
    const kind = res.locals.forceRedacted === true || req.query.kind === 'redacted' ? 'redacted' : 'original';
    const recording = await deps.calls.playable(req.params.id, kind);
    const size = Number(recording.size_bytes);
    const filename = recording.object_key.split('/').pop() ?? 'recording';
    res.set({
      'Accept-Ranges': 'bytes',
      'Content-Type': recording.content_type,
      ETag: `"${recording.sha256.trim()}"`,
      'Cache-Control': 'private, max-age=0',
      'Content-Disposition': `inline; filename="${filename}"`,
    });
    const rangeHeader = req.get('range');
    const ifRange = req.get('if-range');
    const range =
      rangeHeader && (!ifRange || ifRange === `"${recording.sha256.trim()}"`)
        ? parseRange(rangeHeader, size)
        : undefined;
    if (range === 'unsatisfiable') {
      res.status(416).set('Content-Range', `bytes */${size}`);
      throw new EscuchaError(
        'RANGE_NOT_SATISFIABLE',
        `range ${rangeHeader} is outside the ${size}-byte recording`,
      );
    }
    const body = await deps.calls.open(recording, range);
    if (range) {
      res.status(206).set({
        'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
        'Content-Length': String(range.end - range.start + 1),
      });
    } else {
      res.status(200).set('Content-Length', String(size));
    }
    if (req.method === 'HEAD') {
      body.destroy();
      res.end();
      return;
    }
    body.on('error', (error) => res.destroy(error));
    res.on('close', () => body.destroy());
    body.pipe(res);
  });

  return router;
}
