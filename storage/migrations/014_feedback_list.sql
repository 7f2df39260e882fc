-- 014: residents' feedback (/gopy) kept apart from the tips (issue 13). The desk's lists and
-- search leave feedback out, and officers read it with /dsgopy, newest first. Feedback is a few
-- rows a week among every tip ever filed: a partial index holds exactly those rows, so leaving
-- them out of a search and listing them never reads the tips of the other kinds (an index on
-- kind alone would select every tip ever filed for kind = 'tip').
-- (013 is left to the Web Push migration written at the same time.)
CREATE INDEX tips_feedback ON tips (created_at, id) WHERE kind = 'feedback';
