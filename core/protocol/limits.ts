/**
 * Upper bounds on everything the station accepts. Every input is checked
 * against these on the way in, and stored data is checked again on the way
 * back (recovery), so a limit is never exceeded silently.
 */
export const limits = {
  voterNameBytesMax: 256,
  groupNameBytesMax: 128,
  electionNameBytesMax: 256,
  choiceNameBytesMax: 256,
  groupsPerElectionMax: 64,
  choicesPerElectionMax: 64,
  electionsMax: 10_000,
  votersMax: 10_000_000,
  officialNameBytesMax: 256,
  officialsMax: 1_000,
  publicKeyBytes: 32,
  signatureBytes: 64,
  challengeBytes: 32,
  tokenBytesMax: 512,
  /** An election may run for at most ten years. */
  electionDurationMsMax: 10 * 366 * 24 * 60 * 60 * 1000,
  /** Largest gRPC message the station reads; every valid request fits well below it. */
  grpcMessageBytesMax: 64 * 1024,
  /** Largest single record in the command log or a snapshot chunk. */
  storeRecordBytesMax: 4 * 1024 * 1024,
} as const;

export const challengeLifetimeMs = 60_000;
export const tokenLifetimeMs = 60 * 60 * 1000;
