"""Practice scenarios ("bài thực hành"): a scripted applicant and dossier with deliberate traps,
and a check of each of the trainee's steps against the expected ones."""
