/** Overrides where the server cache lives (default `<repo>/.servers`). */
export const ENV_SERVERS_DIR = 'STRONGBOX_SERVERS_DIR';
