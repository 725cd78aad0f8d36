"""Sources: parsers for every file format and the network fetchers that use them."""
