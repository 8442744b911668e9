// Nothing to import: the target only supplies strong runtime symbols (bridge_object_retain.c).
