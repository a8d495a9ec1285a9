/**
 * Groups the items submitted for the same key during one turn of the event loop into batches of at most `max`,
 * and runs each batch once (issue 8: one ballot script call per round and turn instead of one per ballot).
 *
 * A batch is flushed by `setImmediate`, not `queueMicrotask`: Node runs the microtask queue after every single
 * I/O callback, so a microtask flush would send each request's ballot alone. `setImmediate` runs in the check
 * phase, after the poll phase has handled every socket that was readable in this turn, so it collects all the
 * ballots whose bodies arrived together (their route work before the batcher is synchronous or microtasks only).
 * A full batch is sent at once, without waiting for the turn to end.
 *
 * `run` answers with one result per item, in order; when it throws (Redis unreachable), every item of the batch
 * is rejected with that same error.
 */
export class Batcher<Item, Result> {
  private pending = new Map<string, Pending<Item, Result>[]>();
  private scheduled = false;

  constructor(
    private readonly max: number,
    private readonly run: (key: string, items: Item[]) => Promise<Result[]>,
  ) {}

  submit(key: string, item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      let queue = this.pending.get(key);
      if (!queue) {
        queue = [];
        this.pending.set(key, queue);
      }
      queue.push({ item, resolve, reject });
      if (queue.length >= this.max) {
        this.pending.delete(key);
        this.start(key, queue);
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = () => {
    this.scheduled = false;
    const batches = this.pending;
    this.pending = new Map();
    for (const [key, queue] of batches) this.start(key, queue);
  };

  private start(key: string, queue: Pending<Item, Result>[]): void {
    let results: Promise<Result[]>;
    try {
      results = this.run(
        key,
        queue.map((entry) => entry.item),
      );
    } catch (error) {
      results = Promise.reject(error);
    }
    results.then(
      (answers) => {
        queue.forEach((entry, i) => {
          if (i < answers.length) entry.resolve(answers[i] as Result);
          else entry.reject(new Error(`batch answered ${answers.length} of ${queue.length} items`));
        });
      },
      (error: unknown) => {
        for (const entry of queue) entry.reject(error);
      },
    );
  }
}

interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}
