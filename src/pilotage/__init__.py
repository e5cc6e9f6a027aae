"""Pilotage: the cockpit of a Digital Learning Manager."""
