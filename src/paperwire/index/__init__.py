"""Search indexes over the stored papers: text embeddings and the vectors built from them."""
