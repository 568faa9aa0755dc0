"""English: the week starts on Monday (ISO 8601), as the month calendar always did; Django's
English formats start it on Sunday (the American habit)."""

FIRST_DAY_OF_WEEK = 1
