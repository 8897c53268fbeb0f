-- Team rules carry everything a shipped rule can: a fix template, a severity for
-- bug reports, case sensitivity and example texts that must match.
ALTER TABLE rules
    ADD COLUMN fix         text NOT NULL DEFAULT '',
    ADD COLUMN severity    text NOT NULL DEFAULT 'medium',
    ADD COLUMN ignore_case boolean NOT NULL DEFAULT true,
    ADD COLUMN examples    jsonb NOT NULL DEFAULT '[]';
