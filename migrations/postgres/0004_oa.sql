-- Official-account followers: one row per openid, kept by the subscribe and
-- unsubscribe events of the callback server. unionid links a follower to a
-- resident (residents.unionid) so that the push pipeline can fall back to an
-- official-account template message. subscribed_at and unsubscribed_at are
-- the times of the latest such events (WeChat's CreateTime), which also order
-- events that arrive out of turn.

CREATE TABLE oa_followers (
    openid          TEXT PRIMARY KEY,
    unionid         TEXT,
    subscribed      BOOLEAN NOT NULL DEFAULT FALSE,
    subscribed_at   TIMESTAMPTZ,
    unsubscribed_at TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX oa_followers_unionid_idx ON oa_followers (unionid);
