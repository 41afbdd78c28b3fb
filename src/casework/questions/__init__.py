"""Questions to the ministry (kiến nghị): officers ask about a procedure and a step, ministry
mentors answer, and answered questions become the procedure's searchable FAQ (hỏi đáp)."""
