/**
 * One output stream of a command, kept up to a cap. Everything past the cap is still read (so
 * the child never blocks on a full pipe) but only counted, and the text ends with a visible
 * marker saying how much was left out.
 */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private omitted = 0;

  /** @param capBytes Bytes kept; the rest is dropped and counted. */
  constructor(private readonly capBytes: number) {}

  push(chunk: Buffer): void {
    const room = this.capBytes - this.kept;
    if (room >= chunk.length) {
      this.chunks.push(chunk);
      this.kept += chunk.length;
      return;
    }
    if (room > 0) {
      this.chunks.push(chunk.subarray(0, room));
      this.kept += room;
    }
    this.omitted += chunk.length - Math.max(room, 0);
  }

  /** True when anything was dropped. */
  get truncated(): boolean {
    return this.omitted > 0;
  }

  /** The kept bytes as UTF-8, with `\n…[truncated: N bytes omitted]` appended when cut. */
  text(): string {
    const kept = Buffer.concat(this.chunks).toString("utf8");
    return this.truncated ? `${kept}\n…[truncated: ${this.omitted} bytes omitted]` : kept;
  }
}
