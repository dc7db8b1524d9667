import { describe, expect, it } from 'vitest';
import { RtmpClientSession } from '../../src/session/client-session.ts';
import { connectCapabilityFields, FourCcInfoMask, peerHandles, readPeerCapabilities } from '../../src/session/enhanced-capabilities.ts';
import { FakeRtmpServer } from '../fake-server.ts';

const { CanDecode, CanEncode, CanForward } = FourCcInfoMask;

describe('Enhanced RTMP codec capabilities in connect', () => {
  it('declares the codecs in fourCcList and both info maps; leaves out what has no flag', () => {
    expect(connectCapabilityFields({ video: { avc1: CanDecode, av01: CanDecode, hvc1: 0 }, audio: { Opus: CanDecode, mp4a: CanDecode } })).toEqual({
      fourCcList: ['avc1', 'av01', 'Opus', 'mp4a'],
      videoFourCcInfoMap: { avc1: 1, av01: 1, hvc1: 0 },
      audioFourCcInfoMap: { Opus: 1, mp4a: 1 },
    });
  });

  it('sends them in connect and reads what the server declares in its _result properties', async () => {
    let server!: FakeRtmpServer;
    const session = new RtmpClientSession({
      app: 'live',
      tcUrl: 'rtmp://127.0.0.1/live',
      handshake: { random: (b) => b.fill(1) },
      capsEx: 0x05,
      connectFields: connectCapabilityFields({ video: { vp09: CanEncode }, audio: { Opus: CanEncode } }),
    });
    session.on('send', (b) => {
      const copy = b.slice();
      queueMicrotask(() => server.push(copy));
    });
    server = new FakeRtmpServer((b) => {
      const copy = b.slice();
      queueMicrotask(() => session.receive(copy));
    });
    server.onCommand = (c) => {
      if (c.name === 'connect') server.acceptConnect(c.transactionId, 5_000_000, { capsEx: 0x03, videoFourCcInfoMap: { '*': CanForward, vp09: CanDecode | CanForward }, audioFourCcInfoMap: { mp4a: CanForward } });
    };
    await session.connect();
    const connect = server.received.find((r) => r.command?.name === 'connect')!.command!;
    expect(connect.commandObject).toMatchObject({ capsEx: 5, fourCcList: ['vp09', 'Opus'], videoFourCcInfoMap: { vp09: 2 }, audioFourCcInfoMap: { Opus: 2 } });
    const peer = readPeerCapabilities(session.connectProperties);
    expect(peer).toEqual({ capsEx: 3, video: { '*': 4, vp09: 5 }, audio: { mp4a: 4 } });
    expect(peerHandles(peer, 'video', 'vp09', CanForward)).toBe(true);
    expect(peerHandles(peer, 'video', 'av01', CanForward)).toBe(true); // by '*'
    expect(peerHandles(peer, 'audio', 'Opus', CanForward)).toBe(false);
    expect(peerHandles(peer, 'audio', 'mp4a', CanForward | CanDecode)).toBe(true);
  });

  it('assumes nothing of a server that declares nothing, and reads a v1 fourCcList as video codecs', () => {
    expect(peerHandles(readPeerCapabilities({ fmsVer: 'FMS/3,0,1,123' }), 'video', 'av01', CanForward)).toBeUndefined();
    expect(peerHandles(readPeerCapabilities(null), 'audio', 'Opus', CanForward)).toBeUndefined();
    const v1 = readPeerCapabilities({ fourCcList: ['hvc1', 'av01', 7] });
    expect(v1.fourCcList).toEqual(['hvc1', 'av01']);
    expect(peerHandles(v1, 'video', 'av01', CanForward)).toBe(true);
    expect(peerHandles(v1, 'video', 'vp09', CanForward)).toBe(false);
    expect(peerHandles(v1, 'audio', 'Opus', CanForward)).toBeUndefined();
  });

  it('ignores malformed fields', () => {
    expect(readPeerCapabilities({ videoFourCcInfoMap: 'all', audioFourCcInfoMap: { Opus: 'yes', fLaC: 1 }, capsEx: -1, fourCcList: 'av01' })).toEqual({ audio: { fLaC: 1 } });
  });
});
