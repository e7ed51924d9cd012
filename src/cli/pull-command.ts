import { defineCommand } from './define-command.js';
import { runTransfer, transferFlags, type TransferFlags } from './transfer-command.js';

/** `shotlist pull FILE...`. */
export const command = defineCommand({
  name: 'pull',
  description: 'fetch from the remote every output the lockfiles pin and the disk lacks, verified by sha256',
  arguments: [['<files...>', 'storyboards or their lockfiles']],
  options: transferFlags,
  run: ([files]: [string[]], flags: TransferFlags, ctx) => runTransfer('pull', files, flags, ctx),
});
