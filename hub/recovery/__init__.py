"""Recovery: inspect and replay what the stages could not process (quarantine, dead letters)."""
