"""Hebrew: the week starts on Sunday, as in Israel. Django's Hebrew formats do not say, and
would inherit settings.FIRST_DAY_OF_WEEK."""

FIRST_DAY_OF_WEEK = 0
