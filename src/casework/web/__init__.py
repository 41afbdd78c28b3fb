"""HTTP glue shared by every domain: error mapping, templates, dependencies."""
