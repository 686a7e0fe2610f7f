-- Indexes for scoring a period (see docs/BENCHMARKS.md): reviews per worker and period, and
-- assignments and acceptances per worker and period.
CREATE INDEX submissions_worker_reviewed ON submissions (worker_id, reviewed_at);
CREATE INDEX task_events_action_assignee_time ON task_events (action, assignee_id, occurred_at);
CREATE INDEX task_events_action_actor_time ON task_events (action, actor_id, occurred_at);
