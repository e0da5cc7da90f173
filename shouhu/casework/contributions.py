"""Home panels, timeline entries and demo data contributed by casework (registered on import)."""
