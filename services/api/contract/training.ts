import { z } from 'zod';
import { AUDIO, EMPTY, isoTime, items, route, uuidParams } from './common.ts';

/** The training library: collections of calls and clips, and clips cut out of recordings. */

/** Longest clip: a training clip is a moment, not a call. */
export const MAX_CLIP_MS = 30 * 60_000;
export const CLIP_FORMAT_NAMES = ['wav', 'ogg', 'mp3'] as const;

const text = (max: number) => z.string().trim().min(1).max(max);
export const collectionInputSchema = z.strictObject({
  name: text(200),
  description: text(5000).nullable().optional(),
});
export const collectionPatchSchema = z.strictObject({
  name: text(200).optional(),
  description: text(5000).nullable().optional(),
});
export const collectionItemInputSchema = z.strictObject({
  callId: z.string().uuid().optional(),
  clipId: z.string().uuid().optional(),
  note: text(5000).nullable().optional(),
});
export const clipInputSchema = z
  .strictObject({
    callId: z.string().uuid(),
    startMs: z.number().int().min(0),
    endMs: z.number().int().min(1),
    title: text(200),
    note: text(5000).nullable().optional(),
    collectionId: z.string().uuid().optional(),
  })
  .refine((c) => c.endMs > c.startMs, { message: 'endMs must be after startMs', path: ['endMs'] })
  .refine((c) => c.endMs - c.startMs <= MAX_CLIP_MS, {
    message: 'a clip is at most 30 minutes',
    path: ['endMs'],
  });

/** A clip as it is listed inside a collection. */
export const clipFieldsSchema = z.object({
  id: z.uuid(),
  callId: z.uuid(),
  startMs: z.number().int(),
  endMs: z.number().int(),
  title: z.string(),
  note: z.string().nullable(),
  createdBy: z.string(),
  createdAt: isoTime,
});
/**
 * Whether the caller may change or delete it (its creator, the creator's team, admins): what the UI offers edit
 * controls for, decided by the server (ownership.ts), as every change is.
 */
const mayChange = z.boolean();
export const clipSchema = clipFieldsSchema.extend({ mayChange });
export type Clip = z.infer<typeof clipSchema>;

export const collectionSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  createdBy: z.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
  /** How many items it holds (in lists). */
  items: z.number().int().optional(),
  mayChange,
});
export type Collection = z.infer<typeof collectionSchema>;

export const collectionItemSchema = z.object({
  id: z.uuid(),
  callId: z.uuid(),
  clip: clipFieldsSchema.nullable(),
  note: z.string().nullable(),
  addedBy: z.string(),
  addedAt: isoTime,
  call: z.object({
    startedAt: isoTime,
    durationMs: z.number().int(),
    agentId: z.string().nullable(),
    agentName: z.string().nullable(),
    team: z.string().nullable(),
    language: z.string().nullable(),
    campaign: z.string().nullable(),
    disposition: z.string().nullable(),
  }),
});
export type CollectionItem = z.infer<typeof collectionItemSchema>;

export const collectionDetailSchema = collectionSchema
  .omit({ items: true })
  .extend({ items: z.array(collectionItemSchema) });

const itemParams = z.object({ id: z.uuid(), itemId: z.uuid() });

export const trainingRoutes = [
  route({
    method: 'GET',
    path: '/collections',
    summary: 'Training collections',
    responses: { 200: items(collectionSchema) },
  }),
  route({
    method: 'POST',
    path: '/collections',
    summary: 'Create a collection',
    body: collectionInputSchema,
    responses: { 201: collectionSchema },
  }),
  route({
    method: 'GET',
    path: '/collections/:id',
    summary: 'A collection with its items (inside the caller’s scope)',
    params: uuidParams,
    responses: { 200: collectionDetailSchema },
  }),
  route({
    method: 'PATCH',
    path: '/collections/:id',
    summary: 'Rename or describe a collection',
    params: uuidParams,
    body: collectionPatchSchema,
    responses: { 200: collectionSchema },
  }),
  route({
    method: 'DELETE',
    path: '/collections/:id',
    summary: 'Delete a collection (its clips stay)',
    params: uuidParams,
    responses: { 204: EMPTY },
  }),
  route({
    method: 'POST',
    path: '/collections/:id/items',
    summary: 'Add a call or a clip to a collection',
    params: uuidParams,
    body: collectionItemInputSchema,
    responses: { 201: z.object({ id: z.uuid() }) },
  }),
  route({
    method: 'DELETE',
    path: '/collections/:id/items/:itemId',
    summary: 'Remove an item from a collection',
    params: itemParams,
    responses: { 204: EMPTY },
  }),
  route({
    method: 'GET',
    path: '/clips',
    summary: 'Clips inside the caller’s scope (?callId: of one call)',
    query: z.object({ callId: z.uuid().optional() }),
    responses: { 200: items(clipSchema) },
  }),
  route({
    method: 'POST',
    path: '/clips',
    summary: 'Mark a clip of a call (optionally adding it to a collection)',
    body: clipInputSchema,
    responses: { 201: clipSchema },
  }),
  route({
    method: 'GET',
    path: '/clips/:id',
    summary: 'One clip',
    params: uuidParams,
    responses: { 200: clipSchema },
  }),
  route({
    method: 'DELETE',
    path: '/clips/:id',
    summary: 'Delete a clip',
    params: uuidParams,
    responses: { 204: EMPTY },
  }),
  route({
    method: 'GET',
    path: '/clips/:id/audio',
    summary: 'The clip cut out of its recording (the export is audited)',
    params: uuidParams,
    query: z.object({ format: z.enum(CLIP_FORMAT_NAMES).optional() }),
    responses: { 200: AUDIO },
  }),
];
