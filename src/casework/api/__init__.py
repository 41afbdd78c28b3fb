"""JSON API v1 (`/api/v1`): the same services as the pages, authenticated by personal tokens."""
