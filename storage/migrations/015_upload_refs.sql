-- 015: retention deletes a photo uploaded from the web chat once nothing refers to it
-- (handlers/retention.c). Whether a tip still refers to a file is one lookup by its ref; the
-- index holds only the refs of uploaded files (Telegram and Zalo photos are refs of theirs,
-- never looked up this way), so it costs nothing for the others.
CREATE INDEX tip_attachments_upload ON tip_attachments (ref) WHERE ref LIKE 'upload:%';
