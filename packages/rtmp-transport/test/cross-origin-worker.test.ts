/**
 * The parts of startModuleWorker that need no browser: when a worker URL is
 * another origin than the page, the importer blob's source, and the message
 * a load failure gets. (Starting real workers: the dist-cross-origin and
 * dist-no-cors browser tests in packages/rtmp-elements.)
 */
import { describe, expect, it } from 'vitest';
import { importerSource, isCrossOriginScript, loadFailureMessage } from '../src/cross-origin-worker.ts';

const PAGE = 'https://site.example/watch/index.html';

describe('isCrossOriginScript', () => {
  it.each([
    ['/assets/player-worker-x.js', false],
    ['player-worker-x.js', false],
    ['https://site.example:443/a.js', false],
    ['https://cdn.example/rtmp/player-worker-x.js', true],
    ['http://site.example/a.js', true],
    ['https://site.example:8443/a.js', true],
    ['blob:https://site.example/1b2c', false],
  ])('%s → %s', (url, cross) => {
    expect(isCrossOriginScript(url, PAGE)).toBe(cross);
  });

  it('a page with an opaque origin (sandboxed iframe, data:) has no same-origin scripts', () => {
    expect(isCrossOriginScript('https://cdn.example/a.js', 'data:text/html,x')).toBe(true);
  });

  it('without a page (Node) nothing is cross-origin', () => {
    expect(isCrossOriginScript('https://cdn.example/a.js', undefined)).toBe(false);
  });
});

describe('importerSource', () => {
  it('is one static import of the URL, quoted as a string literal', () => {
    expect(importerSource('https://cdn.example/w.js')).toBe('import "https://cdn.example/w.js";\n');
    expect(importerSource('https://cdn.example/a"b\\c.js')).toBe('import "https://cdn.example/a\\"b\\\\c.js";\n');
  });
});

describe('loadFailureMessage', () => {
  it('names the origin, the script and CORS when the script is cross-origin', () => {
    const m = loadFailureMessage('https://cdn.example/rtmp/player-worker-x.js', PAGE);
    expect(m).toContain('could not be loaded from https://cdn.example');
    expect(m).toContain('https://cdn.example/rtmp/player-worker-x.js');
    expect(m).toContain('https://site.example');
    expect(m).toContain('Access-Control-Allow-Origin');
  });

  it('names the script alone when it is the page’s own', () => {
    expect(loadFailureMessage('/w.js', PAGE)).toBe('the worker script https://site.example/w.js could not be loaded');
  });
});
