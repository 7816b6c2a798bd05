DROP INDEX api_calls_by_username;
DROP TABLE trainee_steps;
DROP TABLE trainees;
