-- When the taxpayer first saw each message on the Messages page; the menu counts
-- the ones not seen yet, and the page marks them as new once.
ALTER TABLE messages ADD COLUMN read_at TIMESTAMP;
-- Messages sent before this version count as seen: nobody is waiting on them.
UPDATE messages SET read_at = sent_at;
CREATE INDEX messages_unread ON messages (taxpayer_id) WHERE read_at IS NULL;
