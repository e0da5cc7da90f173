"""Registered by shouhu.policy.contributions."""
