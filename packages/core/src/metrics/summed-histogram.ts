/**
 * A Prometheus histogram whose observations are counted in plain numbers, one cell per label set
 * (bucket counts, sum, count), and read by prom-client's registry from those cells when it is
 * scraped. prom-client's `observe` validates the labels and builds and hashes a label string on
 * every call, like its counters (see summed-counter.ts); the gateway observed three histograms per
 * request that way. The exposition is prom-client's own: the series are handed to its registry in
 * the shape its Histogram hands them (`_bucket` per bound and `+Inf`, cumulative; `_sum`,
 * `_count`), which a test holds to a prom-client Histogram fed the same observations.
 */
import { Histogram, type Registry } from "prom-client";
import { LabelCells } from "./label-cells.js";

export interface SummedHistogramOptions<L extends string> {
  name: string;
  help: string;
  /** At least one label (every histogram here is labelled). */
  labelNames: readonly L[];
  /** Upper bounds of the buckets, ascending, in the unit observed (seconds for durations). */
  buckets: readonly number[];
  registry: Registry;
}

interface Cell<L extends string> {
  labels: Record<L, string>;
  /** Observations per bucket (not cumulative); one past the last bound counts those above it. */
  buckets: number[];
  sum: number;
  count: number;
}

interface Series {
  value: number;
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  metricName: string;
  exemplar: null | undefined;
}

export class SummedHistogram<L extends string> {
  readonly #bounds: readonly number[];
  readonly #cells: LabelCells<L, Cell<L>>;

  constructor(options: SummedHistogramOptions<L>) {
    if (options.labelNames.length === 0)
      throw new TypeError(`${options.name}: a summed histogram needs a label`);
    const bounds = [...options.buckets];
    this.#bounds = bounds;
    this.#cells = new LabelCells<L, Cell<L>>(options.labelNames, (labels) => ({
      labels,
      buckets: new Array<number>(bounds.length + 1).fill(0),
      sum: 0,
      count: 0,
    }));
    new ExposedCells(options, this.#cells.all);
  }

  /** Observes `value` in the series with these label values, in `labelNames` order. */
  observe(values: readonly string[], value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const cell = this.#cells.get(values);
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    cell.buckets[i] = (cell.buckets[i] as number) + 1;
    cell.sum += value;
    cell.count += 1;
  }
}

/**
 * The prom-client Histogram registered under the name: its registration, name checks, help and
 * type are prom-client's; its series are read from the cells. `getForPromString` is what the
 * registry formats /metrics from, `get` what it gives as JSON (labels merged, as prom-client does).
 */
class ExposedCells<L extends string> extends Histogram<L> {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  readonly #cells: Cell<L>[];

  constructor(options: SummedHistogramOptions<L>, cells: Cell<L>[]) {
    super({
      name: options.name,
      help: options.help,
      labelNames: options.labelNames,
      buckets: [...options.buckets],
      registers: [options.registry],
    });
    this.#name = options.name;
    this.#help = options.help;
    this.#bounds = options.buckets;
    this.#cells = cells;
  }

  async getForPromString() {
    const bucket = `${this.#name}_bucket`;
    const values: Series[] = [];
    for (const cell of this.#cells) {
      // A series exists once observed (and again after a reset), as in prom-client.
      if (cell.count === 0) continue;
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += cell.buckets[i] as number;
        values.push({
          labels: { le },
          sharedLabels: cell.labels,
          value: cumulative,
          metricName: bucket,
          exemplar: null,
        });
      });
      values.push(
        {
          labels: { le: "+Inf" },
          sharedLabels: cell.labels,
          value: cell.count,
          metricName: bucket,
          exemplar: null,
        },
        {
          labels: {},
          sharedLabels: cell.labels,
          value: cell.sum,
          metricName: `${this.#name}_sum`,
          exemplar: undefined,
        },
        {
          labels: {},
          sharedLabels: cell.labels,
          value: cell.count,
          metricName: `${this.#name}_count`,
          exemplar: undefined,
        },
      );
    }
    return { name: this.#name, help: this.#help, type: "histogram", values, aggregator: "sum" as const };
  }

  override async get() {
    const data = await this.getForPromString();
    const values = data.values.map(({ sharedLabels, labels, ...rest }) => ({
      ...rest,
      labels: { ...labels, ...sharedLabels },
    }));
    return { ...data, values } as unknown as Awaited<ReturnType<Histogram<L>["get"]>>;
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor resets too, before this class's fields exist.
    if (!(#cells in this)) return;
    for (const cell of this.#cells) {
      cell.buckets.fill(0);
      cell.sum = 0;
      cell.count = 0;
    }
  }
}
