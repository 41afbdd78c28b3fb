"""The digital handbook: procedure pages with guidance per step, search that ignores diacritics."""
