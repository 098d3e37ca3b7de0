-- One decision-log row per job: a rerun of a job that was already answered and logged (its
-- lease ran out mid-way) must not log, or be counted, a second time. Rows logged twice before
-- this migration keep their latest (the final outcome); the earlier copies are removed.
DELETE FROM decisions
WHERE job_id IS NOT NULL
  AND id NOT IN (SELECT MAX(id) FROM decisions WHERE job_id IS NOT NULL GROUP BY job_id);

CREATE UNIQUE INDEX decisions_job_id ON decisions (job_id) WHERE job_id IS NOT NULL;
