"""JSON APIs: paperwire's own (/api/v1) and the Hugging Face compatible read API."""
