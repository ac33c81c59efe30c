// Lent blob bodies (src/oci/lending.ts) as the layers above the stores see them: the HTTP layer writes a
// download from the store's read buffers when the body can lend them.
export { isLending, type LendHooks, type LendingReadable, sinkBehind } from '../oci/lending.js';
