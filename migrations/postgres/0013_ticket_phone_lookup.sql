-- Operators find a caller's tickets by the keyed hash of the phone (issue 14):
-- the contact phone's hash is looked up directly.
CREATE INDEX tickets_contact_phone_hash_idx ON tickets (contact_phone_hash);
