"""HTTP interface: thin FastAPI routers over the layers below (DESIGN §9)."""
