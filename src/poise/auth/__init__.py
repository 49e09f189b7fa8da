"""Users, teams, roles, passwords, sessions, API tokens and permission checks."""
