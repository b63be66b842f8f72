import type { Response } from 'superagent';

/** supertest body parser that keeps the raw bytes (audio), for `.buffer(true).parse(binaryBody)`. */
export function binaryBody(res: Response, callback: (err: Error | null, body: Buffer) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
  stream.on('error', (e: Error) => callback(e, Buffer.alloc(0)));
}
