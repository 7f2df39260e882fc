-- 007: the desk finds and answers tips.
--
-- tip_keys: the phones, plates and amounts a tip names, in their normalised form, so that
-- "/tim 0912345678" finds a tip that says "0912 345 678" and "/tim 29A-123.45" one that says
-- "29a 12345" (the full-text index sees those as different words). The keys are derived from
-- tips.entities (the extractors' normalised JSON) by the triggers below, so every writer of
-- tips stays unaware of them:
--   phone:0912345678   plate:29A12345 (letters and digits only)   money:5000000
-- No REFERENCES clause: the rows follow their tip through the triggers (a lead deleted after its
-- retention takes its keys with it before the tip row goes).
CREATE TABLE tip_keys (
    key    TEXT NOT NULL,
    tip_id INTEGER NOT NULL,
    PRIMARY KEY (key, tip_id)
) WITHOUT ROWID;
CREATE INDEX tip_keys_tip ON tip_keys (tip_id);

CREATE TRIGGER tip_keys_ins AFTER INSERT ON tips BEGIN
    INSERT OR IGNORE INTO tip_keys (key, tip_id)
    SELECT k, new.id FROM (
        SELECT 'phone:' || value AS k
          FROM json_each(CASE WHEN json_valid(new.entities) THEN new.entities ELSE '{}' END,
                         '$.phones') WHERE type = 'text'
        UNION SELECT 'plate:' || upper(replace(replace(replace(value, '-', ''), '.', ''), ' ', ''))
          FROM json_each(CASE WHEN json_valid(new.entities) THEN new.entities ELSE '{}' END,
                         '$.plates') WHERE type = 'text'
        UNION SELECT 'money:' || json_extract(CASE WHEN json_valid(new.entities) THEN new.entities ELSE '{}' END, '$.money_vnd')
          WHERE json_type(CASE WHEN json_valid(new.entities) THEN new.entities ELSE '{}' END, '$.money_vnd') = 'integer');
END;

CREATE TRIGGER tip_keys_upd AFTER UPDATE OF entities ON tips BEGIN
    DELETE FROM tip_keys WHERE tip_id = old.id;
    INSERT OR IGNORE INTO tip_keys (key, tip_id)
    SELECT k, new.id FROM (
        SELECT 'phone:' || value AS k
          FROM json_each(CASE WHEN json_valid(new.entities) THEN new.entities ELSE '{}' END,
                         '$.phones') WHERE type = 'text'
        UNION SELECT 'plate:' || upper(replace(replace(replace(value, '-', ''), '.', ''), ' ', ''))
          FROM json_each(CASE WHEN json_valid(new.entities) THEN new.entities ELSE '{}' END,
                         '$.plates') WHERE type = 'text'
        UNION SELECT 'money:' || json_extract(CASE WHEN json_valid(new.entities) THEN new.entities ELSE '{}' END, '$.money_vnd')
          WHERE json_type(CASE WHEN json_valid(new.entities) THEN new.entities ELSE '{}' END, '$.money_vnd') = 'integer');
END;

-- The tips filed before this version.
INSERT OR IGNORE INTO tip_keys (key, tip_id)
SELECT 'phone:' || j.value, t.id
  FROM tips t, json_each(CASE WHEN json_valid(t.entities) THEN t.entities ELSE '{}' END,
                         '$.phones') j WHERE j.type = 'text';
INSERT OR IGNORE INTO tip_keys (key, tip_id)
SELECT 'plate:' || upper(replace(replace(replace(j.value, '-', ''), '.', ''), ' ', '')), t.id
  FROM tips t, json_each(CASE WHEN json_valid(t.entities) THEN t.entities ELSE '{}' END,
                         '$.plates') j WHERE j.type = 'text';
INSERT OR IGNORE INTO tip_keys (key, tip_id)
SELECT 'money:' || json_extract(CASE WHEN json_valid(t.entities) THEN t.entities ELSE '{}' END, '$.money_vnd'), t.id
  FROM tips t WHERE json_type(CASE WHEN json_valid(t.entities) THEN t.entities ELSE '{}' END, '$.money_vnd') = 'integer';

-- An officer pressed "Trả lời" under a tip: their next plain message in that chat, within a
-- few minutes (handlers/desk_buttons.c), is the reply to the tipster. One per officer per chat.
CREATE TABLE desk_replies (
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    person_id  INTEGER NOT NULL,
    tip_id     INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (platform, chat_id, person_id)
) WITHOUT ROWID;

CREATE TRIGGER tip_desk_del BEFORE DELETE ON tips BEGIN
    DELETE FROM tip_keys WHERE tip_id = old.id;
    DELETE FROM desk_replies WHERE tip_id = old.id;
END;
