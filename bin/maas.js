#!/usr/bin/env node
// The `maas` command: runs the TypeScript CLI through tsx, so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/main.ts');
const code = await runCli(process.argv.slice(2));
// The SDK's keep-alive sockets would otherwise hold the process open for a few seconds.
process.exit(code);
