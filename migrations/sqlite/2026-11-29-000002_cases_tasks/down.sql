DROP TABLE recusals;
DROP TABLE task_events;
DROP TABLE tasks;
DROP TABLE parties;
DROP TABLE cases;
