/**
 * The V8 flags every Escucha process runs with. The young generation is raised from V8's default to 32 MB
 * semi-spaces: text analytics and the capture path allocate many short-lived objects; with fewer scavenges the
 * analytics bench measured about 25 % more calls per second (BENCHMARKS.md), and 64 MB was slower again.
 *
 * Node reads them at start-up only, so they are written where processes start: the `#!` line of bin/escucha.js,
 * the npm scripts, the Dockerfile and the benchmarks' child processes. test/unit/platform/runtime-flags.test.ts
 * checks that each place has them.
 */
export const NODE_RUNTIME_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
