/**
 * `npm start`: the RTMP server, the bridge and the demo site on loopback,
 * then their URLs. Ctrl-C (SIGINT) or SIGTERM stops all three and exits 0.
 * Options: see {@link START_USAGE} (`npm start -- --help`).
 */
import { startDemoStack, type DemoStack } from './demo-stack.ts';
import { parseStartOptions, START_USAGE, StartUsageError, type StartOptions } from './start-options.ts';

/** The banner printed once everything listens. */
export function startBanner(stack: DemoStack, options: StartOptions): string {
  const { config } = stack;
  const extra = options.allow.length > 0 ? options.allow.join(', ') : 'nothing else (add remote ingests with --allow host:port)';
  return [
    '',
    '  rtmp-web is running. Ctrl-C to stop.',
    '',
    `  Demo        ${stack.webUrl}`,
    `  RTMP        ${config.rtmpUrl}/<stream>     publish here with OBS or FFmpeg too`,
    `  HTTP-FLV    ${config.httpFlvUrl}<stream>.flv`,
    `  Bridge      ${config.bridgeUrl.replace('{hostname}', '<this host>')}     allows the RTMP server above and ${extra}`,
    ...(config.bridgeUrl.includes('{hostname}') && options.origins.length === 0
      ? ['', `  Listening on every interface: for pages opened from other machines, add --origin http://<this host>:${stack.webPort}`]
      : []),
    '',
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  let options: StartOptions;
  try {
    options = parseStartOptions(argv);
  } catch (e) {
    if (!(e instanceof StartUsageError)) throw e;
    process.stderr.write(`${e.message}\n\n${START_USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(START_USAGE);
    return 0;
  }
  let stack: DemoStack;
  try {
    stack = await startDemoStack(options);
  } catch (e) {
    process.stderr.write(`npm start: ${(e as Error).message}\n`);
    return 1;
  }
  console.log(startBanner(stack, options));
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      console.log(`\n  ${signal}: stopping…`);
      done();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  // Ctrl-C reaches the whole process group (npm, tsx and us), so a repeated
  // signal is normal here: ignore it, but never hang on the way out.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  setTimeout(() => {
    process.stderr.write('  did not stop within 10 s: exiting anyway\n');
    process.exit(1);
  }, 10_000).unref();
  await stack.close();
  console.log('  stopped.');
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
// node-media-server leaves timers behind; everything of ours is closed.
process.exit();
