/**
 * `node --import ./module-log-hooks.mjs …`: appends the URL of every module the process resolves
 * through `import` to the file named by MODULE_LOG, so a test can see what a command loaded.
 */
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';

if (process.env.MODULE_LOG) {
  const hooks = `
    import { appendFileSync } from 'node:fs';
    let log;
    export function initialize(data) { log = data.log; }
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      appendFileSync(log, result.url + '\\n');
      return result;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { log: process.env.MODULE_LOG } });
  appendFileSync(process.env.MODULE_LOG, '');
}
