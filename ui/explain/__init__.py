"""The Explain page's parts: why one prediction, the sanity check, the cheating model."""
