#!/usr/bin/env node
// Prints one of the README's commands, so that CI (.ci/run) and the tests run exactly what the
// README tells a user to run, and the two cannot drift apart. A command is the single line of
// the fenced block that follows a `<!-- command: NAME -->` marker.
//
// Plain JavaScript, not TypeScript: .ci/run calls it on a fresh clone, before anything is
// installed (no tsx yet).
//
//   node scripts/readme-command.mjs render     # the quickstart: install and render
//   node scripts/readme-command.mjs test       # install and run the tests
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [name, file = fileURLToPath(new URL('../README.md', import.meta.url))] = process.argv.slice(2);
if (!name) fail('usage: node scripts/readme-command.mjs NAME [README]');

const lines = readFileSync(file, 'utf8').split('\n');
const marker = `<!-- command: ${name} -->`;
const at = lines.flatMap((line, index) => (line.trim() === marker ? [index] : []));
if (at.length !== 1) fail(`${file}: expected one ${marker} line, found ${at.length}`);

const open = at[0] + 1;
if (!/^```(sh|bash|shell)?\s*$/.test(lines[open] ?? ''))
  fail(`${file}:${open + 1}: expected a \`\`\`sh block right after ${marker}, found ${JSON.stringify(lines[open] ?? '(end of file)')}`);
const close = lines.findIndex((line, index) => index > open && /^```\s*$/.test(line));
if (close === -1) fail(`${file}:${open + 1}: the block after ${marker} is never closed`);
const body = lines.slice(open + 1, close).filter((line) => line.trim() !== '');
if (body.length !== 1) fail(`${file}:${open + 2}: the block after ${marker} must hold one command line, found ${body.length}`);

process.stdout.write(`${body[0].trim()}\n`);

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
