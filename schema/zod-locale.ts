import { config, globalConfig } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';

/**
 * The library's own schemas (the wire protocol) are built with `zod/mini`: classic zod's
 * methods tie every type to its JSON-schema and formatting code, which a worker then carries
 * (about 1 KB gzip for these few schemas). Mini installs no messages, so every issue would read
 * "Invalid input"; this module sets English unless the app chose a locale (classic zod does the
 * same on first use). Import it for its effect where mini schemas are built, and import mini
 * as `import * as z from 'zod/mini'` (a re-exported namespace would keep all of zod's locales
 * in an esbuild bundle).
 */
if (!globalConfig.localeError) config(en());
