// A worker that tries the embedded store on workerd: its answer is the error openPGliteStore gave.
import { openPGliteStore } from 'swsync/server';

export default {
  async fetch(): Promise<Response> {
    try {
      await openPGliteStore();
      return new Response('opened');
    } catch (error) {
      return new Response(error instanceof Error ? error.message : String(error), { status: 500 });
    }
  },
};
