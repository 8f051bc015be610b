"""OneRoster concepts the BFF reasons about: the query language (filter, sort, fields) and, with the
roster cache, its entities."""
