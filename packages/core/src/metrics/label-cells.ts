/**
 * One cell per label set, found through one small map per label keyed by the label values
 * themselves: no label string is built or hashed per lookup (prom-client builds and hashes one on
 * every update). The summed counter and histogram keep their plain-number sums in these cells.
 */
export class LabelCells<L extends string, C> {
  readonly #labelNames: readonly L[];
  readonly #create: (labels: Record<L, string>) => C;
  readonly #root: Tree<C> = new Map();
  /** Every cell made so far, in the order they were made. */
  readonly all: C[] = [];

  /** `create` makes the cell of a label set the first time its values are seen. */
  constructor(labelNames: readonly L[], create: (labels: Record<L, string>) => C) {
    this.#labelNames = labelNames;
    this.#create = create;
  }

  /** The cell of these label values (in `labelNames` order), made on first use. */
  get(values: readonly string[]): C {
    let node: Tree<C> = this.#root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      const key = values[i] as string;
      let next = node.get(key) as Tree<C> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(key, next);
      }
      node = next;
    }
    const key = values[last] as string;
    let cell = node.get(key) as Leaf<C> | undefined;
    if (cell === undefined) {
      const labels = {} as Record<L, string>;
      this.#labelNames.forEach((name, i) => {
        labels[name] = values[i] as string;
      });
      cell = { cell: this.#create(labels) };
      node.set(key, cell);
      this.all.push(cell.cell);
    }
    return cell.cell;
  }
}

// A leaf wraps its cell so that a cell can never be mistaken for a map of the next label.
interface Leaf<C> {
  cell: C;
}

type Tree<C> = Map<string, Tree<C> | Leaf<C>>;
