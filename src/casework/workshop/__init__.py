"""The procedure workshop (issue 20): drafts of procedures edited in the browser, checked, reviewed
by a second editor and published as a new `ProcedureVersion` with an effective date."""
