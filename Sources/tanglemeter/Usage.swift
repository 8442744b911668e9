// The executable is two files on purpose: with a single file SwiftPM compiles it as top-level code
// and generates an empty `main` that shadows the C-level one in Entry.swift.
