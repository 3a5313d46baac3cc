"""OAI-PMH 2.0 provider: record ledger (datestamps, deletions), sets, metadata formats."""
