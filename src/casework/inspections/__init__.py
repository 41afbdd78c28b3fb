"""Inspections (DESIGN §9): staff-initiated work opened from a plan or ad hoc, with a team."""
