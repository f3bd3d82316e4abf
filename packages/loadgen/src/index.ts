export { parseArgs, PROGRAM, DEFAULT_GROUP, DEFAULT_SHUTDOWN_TIMEOUT_S, type Config, type ProduceConfig, type ConsumeConfig } from './args';
export { EXIT_OK, EXIT_VERIFY_FAILED, EXIT_USAGE, EXIT_KAFKA } from './errors';
export { DISCONNECT_TIMEOUT_MS } from './lifecycle';
export { TLS_FILES } from './tls';
