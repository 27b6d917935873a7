#!/usr/bin/env node
// The `maas` command: runs the TypeScript CLI through tsx, so there is no build step to forget.
import { register } from 'tsx/esm/api';

// maas supports Node 20 locally on purpose (Lambda runs 22); the SDK's reminder is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { runCli } = await import('../cli/main.ts');
const code = await runCli(process.argv.slice(2));
// The SDK's keep-alive sockets would otherwise hold the process open for a few seconds.
process.exit(code);
