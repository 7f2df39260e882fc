-- 012: how the category of a tip was decided. The text engine gives a confidence with every
-- category it picks (issue 12); the guided report asks the resident when it is unsure, and the
-- desk card says "máy đoán, chưa chắc" until someone confirms it.
--
-- category_confidence: the engine's confidence (0..1) in tips.category when the engine chose it
-- and nobody confirmed it; NULL when a person chose or confirmed the category (the resident in
-- the guided report, or an officer with /phanloai), and for tips filed before this migration.
-- category_alt: the engine's runner-up when it came close, shown beside an unsure category.
ALTER TABLE tips ADD COLUMN category_confidence REAL
    CHECK (category_confidence IS NULL OR (category_confidence >= 0 AND category_confidence <= 1));
ALTER TABLE tips ADD COLUMN category_alt TEXT;
