"""The learning path per field: handbook reads, quizzes, scenarios, review, sign-off."""
