"""Units (ministry → department → commune), users with roles, API tokens."""
