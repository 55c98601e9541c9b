/**
 * Newline framing for a byte stream, with a bound on line length.
 *
 * Hand-written because node:readline buffers a line of any length while it waits for the newline
 * (a peer could make us hold gigabytes) and adds a stream layer per connection. Splitting on the
 * byte 0x0A is safe for UTF-8: that byte never occurs inside a multi-byte character, so a
 * character split across chunks is joined before it is decoded.
 */
export class LineReader {
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private stopped = false;

  /**
   * @param maxLineBytes longest line accepted, in bytes, without its newline.
   * @param onLine called with each complete line (decoded as UTF-8, without its newline).
   * @param onOversize called once, as soon as a line passes `maxLineBytes`; reading stops.
   */
  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOversize: () => void,
  ) {}

  /** Feeds the next chunk of bytes; calls `onLine` for each line it completes. */
  push(chunk: Buffer): void {
    let start = 0;
    while (!this.stopped) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      const bytes = this.partsBytes + nl - start;
      if (bytes > this.maxLineBytes) {
        this.oversize();
        return;
      }
      let line: string;
      if (this.partsBytes === 0) {
        line = chunk.toString("utf8", start, nl);
      } else {
        this.parts.push(chunk.subarray(start, nl));
        line = Buffer.concat(this.parts, bytes).toString("utf8");
        this.parts = [];
        this.partsBytes = 0;
      }
      start = nl + 1;
      this.onLine(line);
    }
    if (this.stopped || start >= chunk.length) return;
    const rest = chunk.length - start;
    if (this.partsBytes + rest > this.maxLineBytes) {
      this.oversize();
      return;
    }
    this.parts.push(start === 0 ? chunk : chunk.subarray(start));
    this.partsBytes += rest;
  }

  /** Stops reading: later chunks are ignored and buffered bytes released. */
  stop(): void {
    this.stopped = true;
    this.parts = [];
    this.partsBytes = 0;
  }

  private oversize(): void {
    this.stop();
    this.onOversize();
  }
}
