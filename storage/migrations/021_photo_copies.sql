-- 021: copies of the photos tipsters sent through Telegram or Zalo, so the web desk can show
-- them (bot/copier.c). A platform's photo is a ref of its own (a Telegram file id, a Zalo URL)
-- that only its API can turn into bytes, and the web desk serves files it holds. Each such
-- photo is fetched once into the uploads directory (storage/uploads.h); its copy is a ref of
-- ours ("upload:<hex>") that retention keeps while the attachment stays.
--   copy_ref     'upload:<hex>' once copied, NULL before (or never, when fetching gave up)
--   copy_due     when the copier should next try (ms, application clock); NULL: nothing to do
--                (copied, an upload already, or given up). While a copier works on a row it
--                pushes copy_due a lease ahead, so a copier that dies mid-download is retried.
--   copy_tries   failed tries so far
--   copy_error   why the last try failed (shown to the desk as "unavailable" once given up)
ALTER TABLE tip_attachments ADD COLUMN copy_ref TEXT;
ALTER TABLE tip_attachments ADD COLUMN copy_due INTEGER;
ALTER TABLE tip_attachments ADD COLUMN copy_tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tip_attachments ADD COLUMN copy_error TEXT;

-- The copier's queue: only rows with something to do, soonest first.
CREATE INDEX tip_attachments_copy_due ON tip_attachments (copy_due) WHERE copy_due IS NOT NULL;
-- Whether an uploaded file is a copy still referred to (retention, tips_upload_in_use).
CREATE INDEX tip_attachments_copy_ref ON tip_attachments (copy_ref) WHERE copy_ref IS NOT NULL;

-- Photos already stored are copied too: the desk shows every tip's photos, old ones included.
UPDATE tip_attachments SET copy_due = 0 WHERE kind = 'photo' AND ref NOT LIKE 'upload:%';
