export { parseArgs, PROGRAM, DEFAULT_GROUP, type Config, type ProduceConfig, type ConsumeConfig } from './args';
export { EXIT_OK, EXIT_VERIFY_FAILED, EXIT_USAGE, EXIT_KAFKA } from './errors';
export { TLS_FILES } from './tls';
