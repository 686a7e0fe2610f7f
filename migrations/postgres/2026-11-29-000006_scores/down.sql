DROP INDEX task_events_action_time;
DROP TABLE check_in_disputes;
DROP TABLE training_completions;
DROP TABLE training_modules;
DROP TABLE score_appeals;
DROP TABLE period_snapshots;
DROP TABLE score_lines;
DROP TABLE scoring_schemes;
