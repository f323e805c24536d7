"""Geography: grid lookup, distances, unit ranking, coordinate systems, local tiles. Qt-free."""
