"""Public pages: login, logout and the language switch need no login (rule "public")."""
