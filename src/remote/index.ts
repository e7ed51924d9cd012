/**
 * The remote store (SPEC §8): content-addressed blobs and claims, in a directory or in
 * S3-compatible storage. What render, push, pull, status and gc use; nothing here prints.
 */
export { blobKey, claimName, isSha256 } from './blob-key.js';
export { CLAIM_CLOCK_SKEW_MS, CLAIM_LEASE_MS, CLAIM_RENEW_MS, decideOnClaim, newClaimRecord, parseClaim, serializeClaim } from './claim.js';
export type { ClaimDecision, ClaimHolder, ClaimIdentity, ClaimMeeting, ClaimRecord, ObservedClaim } from './claim.js';
export { ClaimLease, ClaimLostError, ClaimWatch, createClaimIdentity, meetClaim } from './claim-lease.js';
export type { ClaimContext, ClaimOutcome } from './claim-lease.js';
export { BlobMismatchError, BlobMissingError, ClaimsUnsupportedError, RemoteConfigError, RemoteError } from './errors.js';
export { openRemoteStore } from './open-remote.js';
export { CONFIG_FILE, readProjectConfig } from './read-project-config.js';
export type { ProjectConfig } from './read-project-config.js';
export { createRedactor, CREDENTIAL_VARIABLES } from './redact-credentials.js';
export type { Redactor } from './redact-credentials.js';
export { describeRemote, parseRemoteUrl } from './remote-url.js';
export type { RemoteLocation } from './remote-url.js';
export { resolveRemote } from './resolve-remote.js';
export type { RemoteSettings, RemoteSource, ResolvedRemote } from './resolve-remote.js';
export type { BlobPage, BlobStat, ClaimStore, RemoteStore, StoredClaim } from './store.js';
export { DEFAULT_TRANSFER_CONCURRENCY, pullOutputs, pushOutputs } from './transfer.js';
export type { BlobResult, StoredOutput, TransferDirection, TransferEvent, TransferFailure, TransferRunOptions, TransferSummary } from './transfer.js';
