"""Simulation core of dmgui: models and numerics, no Qt."""
