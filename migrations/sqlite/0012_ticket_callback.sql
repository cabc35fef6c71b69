-- A phoned-in ticket's verdict is recorded by an operator (回访, issue 14):
-- the caller's answer to 问题是否解决, kept beside the rating it counts as
-- (NULL where it was not asked: a resident's rating in the app).
ALTER TABLE tickets ADD COLUMN resolved BOOLEAN;
