-- Why a change was made (a boundary adjustment's reason, an approval's note), when one is given.
ALTER TABLE audit_log ADD COLUMN reason TEXT NOT NULL DEFAULT '';
