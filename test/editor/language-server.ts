import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node.js';

/**
 * The real YAML language server (the one behind VS Code's YAML extension and most editors),
 * run as editors run it: a child process spoken to over stdio with LSP's JSON-RPC. What it
 * publishes and shows on hover is what a user of the modeline sees.
 */

export interface Diagnostic {
  /** 1-based, as shotlist's issues count. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

const SETTINGS = { yaml: { validate: true, hover: true, completion: true, schemaStore: { enable: false } } };

export class YamlLanguageServer {
  private readonly published = new Map<string, (diagnostics: Diagnostic[]) => void>();
  private version = 0;

  private constructor(
    private readonly process: ChildProcess,
    private readonly connection: MessageConnection,
  ) {}

  /** Starts the server with `root` as its workspace folder. */
  static async start(root: string): Promise<YamlLanguageServer> {
    const bin = createRequire(import.meta.url).resolve('yaml-language-server/bin/yaml-language-server');
    const child = spawn(process.execPath, [bin, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const server = new YamlLanguageServer(child, connection);
    // The server asks for its settings; anything else it asks (capability registration, progress) it only needs an answer to.
    connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) =>
      params.items.map((item) => (item.section === 'yaml' ? SETTINGS.yaml : null)),
    );
    connection.onRequest(() => null);
    connection.onNotification(
      'textDocument/publishDiagnostics',
      (params: { uri: string; diagnostics: { range: { start: { line: number; character: number } }; message: string }[] }) => {
        const diagnostics = params.diagnostics.map((d) => ({ line: d.range.start.line + 1, column: d.range.start.character + 1, message: d.message }));
        // The first publish after opening is the document's; later ones (none are asked for) are not waited for.
        server.published.get(params.uri)?.(diagnostics);
        server.published.delete(params.uri);
      },
    );
    connection.listen();
    const rootUri = pathToFileURL(root).href;
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'shotlist' }],
      capabilities: { workspace: { configuration: true }, textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, publishDiagnostics: {} } },
    });
    await connection.sendNotification('initialized', {});
    await connection.sendNotification('workspace/didChangeConfiguration', { settings: SETTINGS });
    return server;
  }

  /** Opens a document (it need not exist on disk) and resolves with the first diagnostics the server publishes for it. */
  open(file: string, text: string): Promise<Diagnostic[]> {
    const uri = pathToFileURL(file).href;
    const diagnostics = new Promise<Diagnostic[]>((resolve) => this.published.set(uri, resolve));
    void this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: ++this.version, text } });
    return diagnostics;
  }

  /** The hover's Markdown at a 1-based line and column of an open document; '' when there is none. */
  async hover(file: string, line: number, column: number): Promise<string> {
    const result = await this.connection.sendRequest<{ contents: { kind: string; value: string } } | null>('textDocument/hover', {
      textDocument: { uri: pathToFileURL(file).href },
      position: { line: line - 1, character: column - 1 },
    });
    return result?.contents.value ?? '';
  }

  /** The labels the server completes at a 1-based line and column of an open document, sorted. */
  async complete(file: string, line: number, column: number): Promise<string[]> {
    const result = await this.connection.sendRequest<{ items: { label: string }[] } | { label: string }[] | null>('textDocument/completion', {
      textDocument: { uri: pathToFileURL(file).href },
      position: { line: line - 1, character: column - 1 },
    });
    const items = Array.isArray(result) ? result : (result?.items ?? []);
    return items.map((item) => item.label).sort();
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((resolve) => setTimeout(resolve, 2_000))]);
      await this.connection.sendNotification('exit');
    } finally {
      this.connection.dispose();
      this.process.kill();
    }
  }
}
