"""Registered by shouhu.registry.contributions."""
