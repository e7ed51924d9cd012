import { defineCommand } from './define-command.js';
import { runTransfer, transferFlags, type TransferFlags } from './transfer-command.js';

/** `shotlist push FILE...`. */
export const command = defineCommand({
  name: 'push',
  description: 'upload to the remote every output the lockfiles pin and the remote lacks',
  arguments: [['<files...>', 'storyboards or their lockfiles']],
  options: transferFlags,
  run: ([files]: [string[]], flags: TransferFlags, ctx) => runTransfer('push', files, flags, ctx),
});
