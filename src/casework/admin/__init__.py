"""Admin pages: users, units and calendars under the admin's own unit."""
