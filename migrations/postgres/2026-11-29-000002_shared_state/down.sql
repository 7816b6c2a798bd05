DROP TABLE counters;
DROP TABLE login_rate;
