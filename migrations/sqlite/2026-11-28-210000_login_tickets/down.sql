DROP TABLE login_tickets;
