"""The national readiness map (issue 15, item 7): read-only queries over units, officers,
certificates, sign-offs, dossiers and questions; nothing imports this package."""
