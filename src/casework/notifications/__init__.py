"""In-app notifications: overdue and due-soon dossiers of the user's unit, and work waiting."""
