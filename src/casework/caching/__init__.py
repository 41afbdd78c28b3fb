"""Per-process caches of small shared rows (units, calendars, procedure versions), kept right
across workers by one generation row (issue 19, item 1). See `service`."""
