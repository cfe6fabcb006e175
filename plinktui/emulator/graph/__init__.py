"""Azure Resource Graph in the emulator: a KQL-subset parser (``parser``), its evaluator (``evaluate``) and the
tables built from the emulator's state (``tables``). The HTTP route lives in ``providers/resourcegraph.py``."""
