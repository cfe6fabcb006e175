"""The ARM template language subset the emulator's deployments evaluate: expressions, functions, the planner."""
