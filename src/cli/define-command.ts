import type { Command } from 'commander';
import type { CliContext } from './context.js';

/**
 * A command of the CLI, defined beside its run function (citty's `defineCommand`, registered
 * onto commander): its name and description, its positional arguments, its flags, and what it
 * does with them. `run` gets commander's parsed positionals, then the flags, and returns the
 * exit code; it throws what ends the command, and `main` reports it.
 */
export interface CommandDefinition {
  readonly name: string;
  readonly description: string;
  /** Positionals as commander writes them, e.g. `['<files...>', 'storyboard files']`. */
  readonly arguments?: readonly (readonly [string, string])[];
  /** Adds the command's flags, in the order its `--help` lists them. Default: none. */
  readonly options?: (command: Command) => Command;
  readonly run: (args: readonly unknown[], flags: never, ctx: CliContext) => Promise<number>;
}

/** Keeps a definition's `run` typed by its caller while the registry sees one shape. */
export function defineCommand<Args extends readonly unknown[], Flags>(definition: {
  readonly name: string;
  readonly description: string;
  readonly arguments?: readonly (readonly [string, string])[];
  readonly options?: (command: Command) => Command;
  readonly run: (args: Args, flags: Flags, ctx: CliContext) => Promise<number>;
}): CommandDefinition {
  return definition as unknown as CommandDefinition;
}

/** Adds a defined command to the program; its exit code goes to `setCode`. */
export function registerCommand(program: Command, definition: CommandDefinition, ctx: CliContext, setCode: (code: number) => void): void {
  let command = program.command(definition.name).description(definition.description);
  for (const [name, description] of definition.arguments ?? []) command = command.argument(name, description);
  command = definition.options ? definition.options(command) : command;
  command.action(async (...parsed: unknown[]) => {
    // commander passes each positional, then the flags, then the command itself.
    const positionals = parsed.slice(0, (definition.arguments ?? []).length);
    const flags = parsed[(definition.arguments ?? []).length] as never;
    setCode(await definition.run(positionals, flags, ctx));
  });
}
