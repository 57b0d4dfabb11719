"""File formats built on the model and the engine's output (the CSV report; importers and exporters)."""
