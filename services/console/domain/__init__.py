"""The console's own rules: who is signed in, sessions and CSRF, languages, and how API answers are
summarised for a screen. Pure: no I/O, no clock, no framework. No business rule lives here: every
business decision is the four services' (the console only asks them)."""
