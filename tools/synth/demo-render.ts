import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { loadCallScript } from '../../services/cli/call-script.ts';
import { DEMO_DATA_DIR, loadDemoManifest } from '../../services/cli/demo.command.ts';
import { synthesizeCallFiles } from './call.files.ts';
import { referenceTranscript } from './call.renderer.ts';
import { EspeakSynthesizer } from './espeak.tts.ts';
import { encodeOpusFile } from './opus.encoder.ts';
import { runTool } from './tool.ts';

/**
 * `npm run demo-render [-- --only <id>]`: renders the demo calls that `escucha demo` loads (services/cli/demo-data)
 * again from their scripts: Ogg/Opus audio and reference transcript. Needs espeak-ng and ffmpeg; a development
 * tool, not part of the escucha command.
 */
async function renderDemoData(
  options: { dir?: string; only?: string; print?: (line: string) => void } = {},
): Promise<void> {
  const dir = options.dir ?? DEMO_DATA_DIR;
  const print = options.print ?? ((line: string) => console.log(line));
  const tts = new EspeakSynthesizer();
  await tts.check();
  const manifest = await loadDemoManifest(dir);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'escucha-demo-render-'));
  try {
    for (const entry of manifest.calls) {
      if (options.only && entry.id !== options.only) continue;
      const script = await loadCallScript(path.join(dir, `${entry.id}.json`));
      const wav = path.join(tmp, `${entry.id}.wav`);
      const { call } = await synthesizeCallFiles(script, { wav }, tts);
      const ogg = path.join(dir, `${entry.id}.ogg`);
      await encodeOpusFile(wav, ogg);
      await writeFile(
        path.join(dir, `${entry.id}.transcript.json`),
        `${JSON.stringify(referenceTranscript(call), null, 2)}\n`,
      );
      const { size } = await stat(ogg);
      print(
        `${entry.id}: ${(call.durationMs / 1000).toFixed(1)} s, ${call.segments.length} lines, ${call.dtmf.length} keys, ${Math.round(size / 1024)} KiB`,
      );
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await runTool(
  new Command('demo-render')
    .description(
      'render the demo calls (services/cli/demo-data) again from their scripts; needs espeak-ng and ffmpeg',
    )
    .option('--only <id>', 'only this call')
    .action(async (opts: { only?: string }) => {
      await renderDemoData({ ...(opts.only ? { only: opts.only } : {}) });
    }),
);
