/**
 * A guard between the TLS socket and aedes that refuses an MQTT packet whose Remaining Length
 * (MQTT 3.1.1 §2.2.3, a variable byte integer of at most 4 bytes) exceeds the limit, before its
 * body is buffered. aedes and mqtt-packet have no packet size limit of their own.
 *
 * MUST: the connection is closed as soon as a fixed header announces an oversized packet, or a
 *       malformed Remaining Length (a 5th continuation byte, §2.2.3), without reading the body.
 */
import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';

export class PacketTooLargeError extends Error {
  constructor(readonly announced: number) {
    super(`MQTT packet of ${announced} bytes exceeds the limit`);
  }
}

/** Incremental scanner of the MQTT fixed-header framing. */
export class MqttFrameScanner {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private bodyLeft = 0;

  constructor(private readonly maxRemainingLength: number) {}

  /** Returns a length already over the limit (as far as decoded), -1 for a malformed length, or 0 when fine. */
  scan(chunk: Uint8Array): number {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= take;
        i += take;
        if (this.bodyLeft === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[i] ?? 0;
      i += 1;
      if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes += 1;
      if (this.length > this.maxRemainingLength) return this.length;
      if ((byte & 0x80) !== 0) {
        if (this.lengthBytes === 4) return -1;
        continue;
      }
      this.bodyLeft = this.length;
      this.state = this.bodyLeft === 0 ? 'type' : 'body';
    }
    return 0;
  }
}

/** The duplex stream aedes reads from and writes to; it owns the TLS socket. */
export class GuardedConnection extends Duplex {
  private readonly scanner: MqttFrameScanner;
  /** Whether this turn's writes are being gathered (see coalesce). */
  private corked = false;

  constructor(
    readonly socket: TLSSocket,
    maxPacketBytes: number,
    onTooLarge: (error: PacketTooLargeError) => void,
  ) {
    super({ allowHalfOpen: false });
    this.scanner = new MqttFrameScanner(maxPacketBytes);
    socket.on('data', (chunk: Buffer) => {
      const verdict = this.scanner.scan(chunk);
      if (verdict !== 0) {
        socket.pause();
        onTooLarge(new PacketTooLargeError(verdict));
        this.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (error) => this.destroy(error));
    socket.on('drain', () => this.emit('drain'));
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.coalesce();
    if (this.socket.write(chunk)) callback();
    else this.socket.once('drain', () => callback());
  }

  /**
   * The packets written in one turn of the event loop leave in one TLS record and one syscall:
   * a group commit acknowledges a device's whole window at once, and 4-byte PUBACKs written one
   * by one cost a record, a MAC and a writev each. The socket is corked at the first write and
   * uncorked once the current microtasks have run (process.nextTick), so nothing waits longer.
   */
  private coalesce(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(() => {
      this.corked = false;
      this.socket.uncork();
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
