"""Mentor review (issue E.3): assignments, the review queue, comments, checklist scores and
verdicts on dossiers. Comments, scores and verdicts are events of the dossier's hash chain."""
