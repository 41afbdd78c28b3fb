"""Dossiers: opening, firing actions, the event chain, replay."""
