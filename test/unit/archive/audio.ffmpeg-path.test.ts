import { describe, expect, it } from 'vitest';
import { choosePaths } from '../../../services/archive/ffmpeg-path.ts';
import { isEscuchaError } from '../../../services/platform/errors.ts';

describe(choosePaths.name, () => {
  const bundled = { ffmpeg: '/nm/ffmpeg', ffprobe: '/nm/ffprobe' };

  it('prefers the system pair when both system binaries run', () => {
    expect(choosePaths({ ffmpeg: '/usr/bin/ffmpeg', ffprobe: '/usr/bin/ffprobe' }, bundled)).toEqual({
      ffmpeg: '/usr/bin/ffmpeg',
      ffprobe: '/usr/bin/ffprobe',
      source: 'system',
    });
  });

  it('takes the bundled pair when either system binary is missing', () => {
    expect(choosePaths({ ffmpeg: '/usr/bin/ffmpeg', ffprobe: null }, bundled)).toEqual({
      ...bundled,
      source: 'bundled',
    });
    expect(choosePaths({ ffmpeg: null, ffprobe: null }, bundled)).toEqual({ ...bundled, source: 'bundled' });
  });

  it('fails with TOOL_MISSING naming the install step when no pair runs', () => {
    let caught: unknown;
    try {
      choosePaths({ ffmpeg: null, ffprobe: '/usr/bin/ffprobe' }, { ffmpeg: '/nm/ffmpeg', ffprobe: null });
    } catch (error) {
      caught = error;
    }
    expect(isEscuchaError(caught, 'TOOL_MISSING')).toBe(true);
    expect((caught as Error).message).toMatch(/^ffmpeg not found on PATH/);
    expect((caught as Error).message).toContain('apt-get install ffmpeg');
  });
});
