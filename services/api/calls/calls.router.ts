import { Router, type Request } from 'express';
import { callMetadataSchema, callSearchSchema } from '../contract/calls.ts';
import type { ArchiveService } from '../../archive/archive.service.ts';
import type { ObjectStore } from '../../archive/object-store.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { requireRole } from '../auth/auth.middleware.ts';
import { scopeConditions } from '../auth/call-scope.ts';
import { parseOrThrow } from '../validation.ts';
import { parseRange } from './range.ts';
import type { CallQueryRepository } from './call-query.repository.ts';
import { parseTranscriptField } from './transcript-upload.ts';
import { receiveUpload } from './upload.ts';
import type { IntegrityService } from '../../archive/integrity.service.ts';

export interface CallsRouterDeps {
  archive: ArchiveService;
  queries: CallQueryRepository;
  store: ObjectStore;
  tmpDir: string;
  uploadMaxBytes: number;
  /** Refuses to play a recording whose stored bytes no longer match what was archived. */
  integrity: IntegrityService;
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

  router.post('/recordings', requireRole('ingest'), async (req, res) => {
    const upload = await receiveUpload(req, { tmpDir: deps.tmpDir, maxBytes: deps.uploadMaxBytes });
    try {
      let raw: unknown = {};
      if (upload.fields.metadata !== undefined) {
        try {
          raw = JSON.parse(upload.fields.metadata);
        } catch (cause) {
          throw new EscuchaError(
            'INVALID_METADATA',
            `metadata is not valid JSON: ${(cause as Error).message}`,
          );
        }
      }
      const metadata = parseOrThrow(callMetadataSchema, raw, 'INVALID_METADATA', 'invalid metadata');
      const transcript = parseTranscriptField(upload.fields.transcript);
      const result = await deps.archive.ingest({
        filePath: upload.filePath,
        sizeBytes: upload.sizeBytes,
        metadata,
        source: 'upload',
        ...(transcript ? { transcript } : {}),
      });
      res.status(result.created ? 201 : 200).json({ id: result.callId, created: result.created });
    } finally {
      await upload.cleanup();
    }
  });

  router.get('/calls', async (req, res) => {
    const query = parseOrThrow(callSearchSchema, searchParams(req), 'INVALID_QUERY', 'invalid search');
    // Agents see only their own calls; people with languages or teams only those (auth/call-scope.ts).
    res.json(await deps.queries.search(query, scopeConditions(req.principal)));
  });

  router.get('/calls/:id', async (req, res) => {
    res.json(await deps.queries.get(req.params.id));
  });

  router.get('/calls/:id/audio', async (req, res) => {
    // A role that may not hear sensitive data gets the muted copy (res.locals.forceRedacted, set by the call guard).
    const kind = res.locals.forceRedacted === true || req.query.kind === 'redacted' ? 'redacted' : 'original';
    const recording = await deps.queries.recording(req.params.id, kind);
    await deps.integrity.ensurePlayable(recording);
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
    const body = await deps.store.get(recording.object_key, range);
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
