// Model module — see docs/ARCHITECTURE.md.
