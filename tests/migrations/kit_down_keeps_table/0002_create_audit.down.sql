-- Empties the table but keeps it.
DELETE FROM audit;
