"""The summer recruitment schedule (R-S-3): models, the department's writes and the public reads."""
