"""Process wiring: topics, the faust app of the stage roles, health, the worker."""
