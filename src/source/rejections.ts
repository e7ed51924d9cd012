/**
 * The nodes of one file that the first pass rejected: a value the schema refused, a property
 * that is missing or misspelled, an import or partial file that could not be read (rejected at
 * the node naming it). The semantic pass still runs on the rest of the file; it asks this
 * before every check whether the nodes the check reads were rejected, and skips the check if
 * so: a bad `refresh:` on one shot must not hide a remix cycle elsewhere, and a bad `size:`
 * must not come back as "size not served by the model" too.
 */
export class Rejections {
  static readonly none = new Rejections([]);

  /** Document paths of the rejected nodes. */
  readonly paths: readonly (readonly (string | number)[])[];
  /** The same paths as a tree, so that a question costs the depth of its path, not the number of rejections. */
  private readonly root: TreeNode = { rejected: false, children: new Map() };

  constructor(paths: readonly (readonly (string | number)[])[]) {
    this.paths = paths;
    for (const path of paths) {
      let node = this.root;
      for (const part of path) {
        const key = String(part);
        let child = node.children.get(key);
        if (!child) node.children.set(key, (child = { rejected: false, children: new Map() }));
        node = child;
      }
      node.rejected = true;
    }
  }

  /** Whether anything was rejected in this file. */
  get any(): boolean {
    return this.paths.length > 0;
  }

  /**
   * A node rejected at `path`, inside it or around it: a check that reads the value at `path`
   * must not run (`['shots', 2, 'variants']` when one value of one axis was refused).
   */
  touches(path: readonly (string | number)[]): boolean {
    const node = this.walk(path);
    return node === 'covered' || (node !== null && (node.rejected || node.children.size > 0));
  }

  /**
   * The node at `path` itself (or one around it) was rejected, so even its shape is unknown
   * (`vars` that is a list); problems inside it do not count.
   */
  covers(path: readonly (string | number)[]): boolean {
    const node = this.walk(path);
    return node === 'covered' || (node !== null && node.rejected);
  }

  /** Names (keys, indexes) of the children of `path` with something rejected: `['refresh']` for a shot with a bad refresh. */
  childrenOf(path: readonly (string | number)[]): string[] {
    const node = this.walk(path);
    return node === null || node === 'covered' ? [] : [...node.children.keys()];
  }

  /** With `more` rejected too. */
  with(more: readonly (readonly (string | number)[])[]): Rejections {
    return more.length === 0 ? this : new Rejections([...this.paths, ...more]);
  }

  /** The tree node at `path`; `'covered'` when a node above it was rejected; `null` when nothing at or under it was. */
  private walk(path: readonly (string | number)[]): TreeNode | 'covered' | null {
    let node = this.root;
    for (const part of path) {
      if (node.rejected) return 'covered';
      const child = node.children.get(String(part));
      if (!child) return null;
      node = child;
    }
    return node;
  }
}

interface TreeNode {
  rejected: boolean;
  readonly children: Map<string, TreeNode>;
}
