"""The PaNOSC Search API served from the knowledge graph (issue #9): data model, LoopBack
filters."""
