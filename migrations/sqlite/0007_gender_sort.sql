-- `sort=gender`: the page is read in (gender, id) order from this index, as
-- name and age are from theirs, and a cursor continues from it.
CREATE INDEX actors_gender_sort ON actors (gender, id);
