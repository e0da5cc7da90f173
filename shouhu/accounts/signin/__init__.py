"""Signing in: the password step and its throttling (`throttle`), the second factor (`two_factor`),
the pages (`views`), the middleware that keeps a user who must enrol on the enrolment page
(`middleware`). docs/security.md, "Sign-in"."""
