"""PaN Commons: a metadata knowledge graph and FAIR assessment service for photon and neutron
science.

The public Python API is small on purpose: settings, the IRI rules and the store.
"""

from pancommons.config import Settings
from pancommons.store import Store, open_store

__version__ = "0.1.0"
__all__ = ["Settings", "Store", "__version__", "open_store"]
