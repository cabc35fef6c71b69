-- Revoked session tokens (logout, rotation): resident tokens are verified by
-- their signature without a database read, so every instance keeps the
-- revocations in memory, read from here as they arrive. A row is kept until
-- the token it revokes would have expired anyway.
CREATE TABLE session_revocations (
    id          BIGSERIAL PRIMARY KEY,
    token_hash  TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX session_revocations_created_idx ON session_revocations (created_at);
CREATE INDEX session_revocations_expires_idx ON session_revocations (expires_at);
