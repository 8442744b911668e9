// Deliberately empty: this target exports no declarations to Swift, only link-time definitions
// (see text_tables.c).
